/**
 * Worker ingress handing a request to the http-server provider's own listener (a route this
 * worker cannot serve, no free instance slot, a body it does not take) and relaying its answer.
 */
import { Agent, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { W_RELAYS } from '../ingress/types.js';
import { plain } from './ingress-http.js';

/** Hop-by-hop headers: each side of the relay speaks for its own connection. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

export class IngressRelay {
  /** Connections to the provider's listener, kept alive between relayed requests. */
  private readonly agent = new Agent({ keepAlive: true });

  /** `watch`: this worker's watch words, which count the relays in flight. */
  constructor(private readonly watch: Int32Array) {}

  /** Hands the request to the provider's listener at `to`; `body`: already read from `req`. */
  relay(to: { host: string; port: number }, req: IncomingMessage, res: ServerResponse, body?: Uint8Array): void {
    const { watch } = this;
    Atomics.add(watch, W_RELAYS, 1);
    res.once('close', () => Atomics.sub(watch, W_RELAYS, 1));
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    if (body) headers['content-length'] = String(body.length);
    else if (req.headers['transfer-encoding'] !== undefined) headers['transfer-encoding'] = 'chunked';
    const upstream = httpRequest({ ...to, method: req.method, path: req.url, headers, agent: this.agent }, (answer) => {
      const flat: string[] = [];
      for (let i = 0; i < answer.rawHeaders.length; i += 2) {
        if (!HOP_BY_HOP.has(answer.rawHeaders[i]!.toLowerCase())) flat.push(answer.rawHeaders[i]!, answer.rawHeaders[i + 1]!);
      }
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, flat);
      answer.pipe(res);
      answer.once('error', () => res.destroy());
    });
    upstream.once('error', () => {
      if (res.headersSent) res.destroy();
      else plain(res, 502, 'the http-server is not reachable');
    });
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    if (body) upstream.end(body);
    else req.pipe(upstream);
  }

  stop(): void {
    this.agent.destroy();
  }
}
