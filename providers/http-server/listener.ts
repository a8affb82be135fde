import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { splitAddress } from './config.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * One HTTP/1.1 listener with keep-alive. Its handler can be swapped (the shared listener's routing
 * table changes as links come and go) without closing connections.
 */
export class Listener {
  private constructor(
    readonly address: string,
    private readonly server: Server,
  ) {}

  static async open(address: string, handler: RequestHandler): Promise<Listener> {
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
    const { host, port } = splitAddress(address);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new Listener(address, server);
  }

  /** The bound port (useful when the address asked for port 0). */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
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
