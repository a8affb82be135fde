import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nuid, type NatsConnection } from 'nats';
import type { Logger } from '../../lib/logger.js';
import { parseAddress } from '../../host/metrics/server.js';
import { decodeValue, encodeJson, spy, SpyRecord, type SpyInterest } from '../../protocol/mod.js';
import { WitLibrary } from '../../lib/wit/mod.js';
import { decodeRecord } from '../../lib/wit/calls.js';
import { LatticeModel } from './model.js';

/** The page's files: plain ES modules, served as they are (no bundler, no build step). */
const WEB = fileURLToPath(new URL('../../../ui/web', import.meta.url));
const require = createRequire(import.meta.url);

/** Front-end libraries, served from node_modules under /vendor/ (the page's import map names them). */
const VENDOR: Record<string, () => string> = {
  'preact.mjs': () => require.resolve('preact'),
  'hooks.mjs': () => join(dirname(require.resolve('preact')), '..', 'hooks', 'dist', 'hooks.mjs'),
  'htm.mjs': () => join(dirname(require.resolve('htm')), 'htm.mjs'),
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export class DashboardAddressError extends Error {
  override name = 'DashboardAddressError';
}

export interface Dashboard {
  /** `http://host:port/` */
  readonly url: string;
  close(): Promise<void>;
}

function sse(res: ServerResponse): (event: string, data: unknown) => void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  res.write(': lattice dashboard\n\n');
  return (event, data) => {
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
}

/**
 * The web dashboard: static files, `GET /api/state` (hosts, links, applications), `GET /api/events`
 * (server-sent events: `state` snapshots and lattice `event`s as they happen) and
 * `GET /api/spy?target=...` (server-sent decoded calls, as `lattice spy` prints them). Read-only:
 * nothing on the page changes the lattice. Served on loopback by default; it has no login, so an
 * address others can reach exposes the lattice's inventory to them.
 */
export async function startDashboard(opts: { nc: NatsConnection; lattice: string; address: string; log: Logger }): Promise<Dashboard> {
  const { nc, lattice, log } = opts;
  const { host, port } = parseAddress(opts.address);
  const model = new LatticeModel(nc, lattice, log);
  await model.start();
  const lib = await WitLibrary.load();
  const streams = new Set<ServerResponse>();

  const serveFile = async (res: ServerResponse, path: string) => {
    try {
      const body = await readFile(path);
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  };

  const events = (req: IncomingMessage, res: ServerResponse) => {
    const send = sse(res);
    streams.add(res);
    send('state', model.snapshot());
    for (const e of [...model.events].reverse().slice(-50)) send('event', e);
    let pending: NodeJS.Timeout | null = null;
    const off = model.onChange(({ event }) => {
      if (event) send('event', event);
      // Snapshots are coalesced: a burst of heartbeats makes one.
      pending ??= setTimeout(() => {
        pending = null;
        send('state', model.snapshot());
      }, 100);
    });
    const beat = setInterval(() => send('state', model.snapshot()), 2_000);
    req.on('close', () => {
      off();
      clearInterval(beat);
      if (pending) clearTimeout(pending);
      streams.delete(res);
    });
  };

  const spyStream = (req: IncomingMessage, res: ServerResponse, target: string) => {
    const m = /^([^/\s]+)(?:\/([\w:-]+):([\w-]+)(?:\/([^/\s]+))?)?$/.exec(target);
    if (!m) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('target must be COMPONENT or COMPONENT/NAMESPACE:PACKAGE[/LINK]\n');
      return;
    }
    const watch: Pick<SpyInterest, 'component' | 'link'> = m[2]
      ? { component: m[1]!, link: { namespace: m[2], package: m[3]!, ...(m[4] ? { name: m[4] } : {}) } }
      : { component: m[1]! };
    const send = sse(res);
    streams.add(res);
    const session = nuid.next();
    const sub = nc.subscribe(spy.records(lattice, session), {
      callback: (err, msg) => {
        if (err) return;
        try {
          const record = SpyRecord.safeParse(decodeValue(msg.data));
          if (record.success) send('call', decodeRecord(lib, record.data));
        } catch {
          // not a record
        }
      },
    });
    const announce = (ttl: number) => nc.publish(spy.interest(lattice), encodeJson({ session, ...watch, ttl_ms: ttl } satisfies SpyInterest));
    announce(6_000);
    const renew = setInterval(() => announce(6_000), 2_000);
    req.on('close', () => {
      clearInterval(renew);
      sub.unsubscribe();
      announce(0);
      streams.delete(res);
    });
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (url.pathname === '/api/state') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(model.snapshot()));
      return;
    }
    if (url.pathname === '/api/events') return events(req, res);
    if (url.pathname === '/api/spy') return spyStream(req, res, url.searchParams.get('target') ?? '');
    if (url.pathname.startsWith('/vendor/')) {
      const resolveVendor = VENDOR[url.pathname.slice('/vendor/'.length)];
      if (!resolveVendor) {
        res.writeHead(404).end();
        return;
      }
      void serveFile(res, resolveVendor());
      return;
    }
    const file = url.pathname === '/' ? 'index.html' : normalize(url.pathname).replace(/^[/\\]+/, '');
    if (file.includes('..')) {
      res.writeHead(404).end();
      return;
    }
    void serveFile(res, join(WEB, file));
  });
  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => reject(new DashboardAddressError(`cannot serve the dashboard at ${opts.address}: ${error.message}`, { cause: error }));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const bound = server.address();
  const actualPort = typeof bound === 'object' && bound ? bound.port : port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${actualPort}/`;
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) log.warn({ address: opts.address }, 'the dashboard has no login and listens beyond loopback');
  log.info({ url }, 'serving the dashboard');
  return {
    url,
    close: async () => {
      model.stop();
      for (const res of streams) res.end();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
