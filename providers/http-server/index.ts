import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeIssues, linkKey } from '../../protocol/mod.js';
import { defineProvider, type IngressRoute, type ProviderContext, type ProviderLink } from '../sdk/types.js';
import { HttpLinkConfig, HttpServerConfig } from './config.js';
import { forward } from './forward.js';
import { Listener } from './listener.js';
import { createRouteTable } from './router.js';

interface Dedicated {
  /** Pending while it opens: the address is claimed from the moment the link is taken. */
  listener: Promise<Listener>;
  provLink: ProviderLink;
  config: HttpLinkConfig;
}

/**
 * `wasi:http/incoming-handler` in front of components. Two modes, chosen per link by its source
 * config: `path`/`host` put the component on the one shared listener (path-prefix and Host-header
 * routing, many components on one port); `address` alone gives the link a listener of its own, as
 * wasmCloud's http-server does. Two links cannot claim the same address or the same route.
 */
export default defineProvider({
  name: 'http-server',
  description: 'HTTP server: forwards requests to linked components (wasi:http/incoming-handler)',
  exports: [],
  imports: ['wasi:http/incoming-handler@0.2.0'],
  configSchema: HttpServerConfig,
  async start(ctx: ProviderContext<HttpServerConfig>) {
    const routes = createRouteTable();
    const routed = new Map<string, { provLink: ProviderLink; config: HttpLinkConfig }>();
    const dedicated = new Map<string, Dedicated>();
    let shared: Promise<Listener> | null = null;
    // Link changes arrive concurrently (a burst of puts); applied one at a time, two of them can
    // never both open the shared listener, or race a removal against an opening listener.
    let changes: Promise<unknown> = Promise.resolve();
    const serially = <T>(change: () => Promise<T>): Promise<T> => {
      const run = changes.then(change, change);
      changes = run.catch(() => undefined);
      return run;
    };

    const serveShared = async (req: IncomingMessage, res: ServerResponse) => {
      const match = routes.match(req.headers.host, req.url ?? '/');
      const entry = match ? routed.get(match.route.id) : undefined;
      if (!match || !entry) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('no component is routed here\n');
        return;
      }
      const query = (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?')) : '';
      await forward(ctx, req, res, {
        link: entry.provLink.link,
        maxBodyBytes: entry.config.max_body_bytes ?? ctx.config.max_body_bytes,
        timeoutMs: entry.config.timeout_ms ?? ctx.config.timeout_ms,
        path: entry.config.strip_prefix === 'true' ? match.remainder + query : undefined,
      });
    };

    /** What the host's ingress serves itself, when it fronts the listeners (ProviderContext.ingress). */
    const ingressRoute = (id: string, provLink: ProviderLink, config: HttpLinkConfig): IngressRoute => ({
      id,
      target: provLink.link.target,
      pathPrefix: config.path ?? '/',
      host: config.host,
      stripPrefix: config.strip_prefix === 'true',
      maxBodyBytes: config.max_body_bytes ?? ctx.config.max_body_bytes,
      timeoutMs: config.timeout_ms ?? ctx.config.timeout_ms,
      link: provLink.link,
    });
    const sharedRoutes = () => [...routed].map(([id, { provLink, config }]) => ingressRoute(id, provLink, config));
    const front = (list: IngressRoute[]) => (ctx.ingress ? { ingress: ctx.ingress, routes: list } : undefined);

    const ensureShared = async (): Promise<void> => {
      if (shared) {
        (await shared).setRoutes(sharedRoutes());
        return;
      }
      const opening = Listener.open(ctx.config.address, serveShared, front(sharedRoutes()));
      shared = opening;
      try {
        await opening;
      } catch (error) {
        if (shared === opening) shared = null;
        throw error;
      }
    };

    const parseLinkConfig = (provLink: ProviderLink): HttpLinkConfig => {
      const parsed = HttpLinkConfig.safeParse(provLink.sourceConfig);
      if (!parsed.success) throw new Error(`link config is invalid: ${describeIssues(parsed.error)}`);
      return parsed.data;
    };

    const linkId = (provLink: ProviderLink) => linkKey(provLink.link);
    const isHttpSource = (provLink: ProviderLink) => provLink.role === 'source' && provLink.link.wit_package === 'http';
    const wantsRoute = (config: HttpLinkConfig) => config.path !== undefined || config.host !== undefined || config.address === undefined;

    /** Why this link cannot be served next to the others (null when it can). Changes nothing. */
    const conflict = (provLink: ProviderLink): string | null => {
      const id = linkId(provLink);
      const config = parseLinkConfig(provLink);
      if (wantsRoute(config)) {
        for (const [otherId, other] of dedicated) {
          if (otherId !== id && other.config.address === ctx.config.address) {
            return `the shared listener's address ${ctx.config.address} is used by the link to ${other.provLink.link.target}`;
          }
        }
        const trial = createRouteTable();
        for (const r of routes.list()) if (r.id !== id) trial.add(r);
        const result = trial.add({ id, target: provLink.link.target, pathPrefix: config.path ?? '/', host: config.host });
        return result.ok ? null : result.error;
      }
      // The shared listener only exists while something is routed on it.
      if (config.address === ctx.config.address && [...routed.keys()].some((r) => r !== id)) {
        return `address ${config.address} is the shared listener's (${routed.size} routes); route with path or host instead`;
      }
      for (const [otherId, other] of dedicated) {
        if (otherId !== id && other.config.address === config.address) {
          return `address ${config.address} is already used by the link to ${other.provLink.link.target}`;
        }
      }
      return null;
    };

    const remove = async (id: string) => {
      if (routed.delete(id)) {
        routes.remove(id);
        (await shared?.catch(() => null))?.setRoutes(sharedRoutes());
      }
      const own = dedicated.get(id);
      if (own) {
        dedicated.delete(id);
        await (await own.listener.catch(() => null))?.close();
      }
    };

    const add = async (provLink: ProviderLink): Promise<void> => {
      const id = linkId(provLink);
      await remove(id);
      const config = parseLinkConfig(provLink);
      const refused = conflict(provLink);
      if (refused) throw new Error(refused);
      if (wantsRoute(config)) {
        const result = routes.add({ id, target: provLink.link.target, pathPrefix: config.path ?? '/', host: config.host });
        if (!result.ok) throw new Error(result.error);
        routed.set(id, { provLink, config });
        try {
          await ensureShared();
        } catch (error) {
          routed.delete(id);
          routes.remove(id);
          throw error;
        }
        ctx.log.info({ target: provLink.link.target, path: config.path ?? '/', host: config.host }, 'route added');
        return;
      }
      const listener = Listener.open(
        config.address!,
        (req, res) =>
          forward(ctx, req, res, {
            link: provLink.link,
            maxBodyBytes: config.max_body_bytes ?? ctx.config.max_body_bytes,
            timeoutMs: config.timeout_ms ?? ctx.config.timeout_ms,
          }),
        front([{ ...ingressRoute(id, provLink, config), pathPrefix: '/', host: undefined, stripPrefix: false }]),
      );
      const entry: Dedicated = { listener, provLink, config };
      dedicated.set(id, entry);
      try {
        await listener;
      } catch (error) {
        if (dedicated.get(id) === entry) dedicated.delete(id);
        throw error;
      }
      ctx.log.info({ target: provLink.link.target, address: config.address }, 'listener started');
    };

    return {
      handlers: {},

      validateLink(provLink) {
        if (!isHttpSource(provLink)) return null;
        try {
          return conflict(provLink);
        } catch (error) {
          return (error as Error).message;
        }
      },

      async linkAdded(provLink) {
        if (!isHttpSource(provLink)) return;
        await serially(() => add(provLink));
      },

      async linkRemoved(provLink) {
        await serially(() => remove(linkId(provLink)));
      },

      healthCheck() {
        return { healthy: true, message: `${routed.size} routes, ${dedicated.size} dedicated listeners` };
      },

      async shutdown() {
        await serially(async () => {
          for (const id of [...dedicated.keys()]) await remove(id);
          const closing = shared;
          shared = null;
          await (await closing?.catch(() => null))?.close();
        });
      },
    };
  },
});
