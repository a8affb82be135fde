import { createServer, type Server } from 'node:http';
import type { Logger } from '../../lib/logger.js';
import { PROMETHEUS_CONTENT_TYPE } from './registry.js';

/** `host:port` (or `:port`, which listens on all interfaces as Prometheus exporters do). */
export function parseAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(address.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new TypeError(`metrics address ${JSON.stringify(address)} is not HOST:PORT (e.g. 127.0.0.1:9464)`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/** The metrics endpoint could not be opened (address in use, not permitted). */
export class MetricsServerError extends Error {
  override name = 'MetricsServerError';
}

export interface MetricsServer {
  /** The address it listens on (the real port when 0 was asked for). */
  readonly address: string;
  close(): Promise<void>;
}

/** Serves `render()` at `/metrics` (and `/`, for a quick look in a browser). */
export async function serveMetrics(address: string, render: () => string, log: Logger): Promise<MetricsServer> {
  const { host, port } = parseAddress(address);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path !== '/metrics' && path !== '/') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('metrics are at /metrics\n');
      return;
    }
    const body = render();
    res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => reject(new MetricsServerError(`cannot serve metrics at ${address}: ${error.message}`, { cause: error }));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const bound = server.address();
  const actual = typeof bound === 'object' && bound ? `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}` : address;
  log.info({ address: actual }, 'serving Prometheus metrics at /metrics');
  return {
    address: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
