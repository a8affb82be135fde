import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpIngress, IngressRoute } from '../sdk/types.js';
import { splitAddress } from './config.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** The host's ingress in front of a listener (ProviderContext.ingress), and the routes it serves. */
export interface Front {
  ingress: HttpIngress;
  routes: IngressRoute[];
}

/**
 * One HTTP/1.1 listener with keep-alive. Its handler can be swapped (the shared listener's routing
 * table changes as links come and go) without closing connections.
 *
 * Fronted by the host's ingress, clients connect to the host's runtime threads, which serve
 * routed components themselves and relay everything else here: this listener then binds a
 * loopback port of its own and answers exactly as it would on the public address.
 */
export class Listener {
  private constructor(
    readonly address: string,
    private readonly server: Server,
    private readonly front: Front | undefined,
    private readonly publicPort: number,
  ) {}

  static async open(address: string, handler: RequestHandler, front?: Front): Promise<Listener> {
    const server = createServer({ keepAlive: true, requestTimeout: 0 }, (req, res) => {
      handler(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`internal error: ${(error as Error).message}\n`);
        } else {
          res.destroy(error as Error);
        }
      });
    });
    server.keepAliveTimeout = 5_000;
    const { host, port } = front ? { host: '127.0.0.1', port: 0 } : splitAddress(address);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const bound = (server.address() as AddressInfo).port;
    if (!front) return new Listener(address, server, undefined, bound);
    try {
      const publicPort = await front.ingress.open({ address, relayTo: `127.0.0.1:${bound}`, routes: front.routes });
      return new Listener(address, server, front, publicPort);
    } catch (error) {
      server.close();
      throw error;
    }
  }

  /** The bound public port (useful when the address asked for port 0). */
  get port(): number {
    return this.publicPort;
  }

  /** The routes the host's ingress serves (no-op without one). */
  setRoutes(routes: IngressRoute[]): void {
    this.front?.ingress.routes(this.address, routes);
  }

  async close(): Promise<void> {
    await this.front?.ingress.close(this.address);
    this.server.closeIdleConnections();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.closeAllConnections();
      }, 2_000);
      this.server.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
