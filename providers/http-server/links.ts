import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeIssues, linkKey } from '../../protocol/mod.js';
import type { IngressRoute, ProviderContext, ProviderLink } from '../sdk/types.js';
import { HttpLinkConfig, type HttpServerConfig } from './config.js';
import { type Front, Listener } from './listener.js';
import { createRouteTable } from './router.js';
import { forward } from './wit.js';

interface Dedicated {
  /** Pending while it opens: the address is claimed from the moment the link is taken. */
  listener: Promise<Listener>;
  provLink: ProviderLink;
  config: HttpLinkConfig;
}

/** Only source links of the `http` package put a component behind this provider. */
export function isHttpSource(provLink: ProviderLink): boolean {
  return provLink.role === 'source' && provLink.link.wit_package === 'http';
}

export function linkId(provLink: ProviderLink): string {
  return linkKey(provLink.link);
}

function parseLinkConfig(provLink: ProviderLink): HttpLinkConfig {
  const parsed = HttpLinkConfig.safeParse(provLink.sourceConfig);
  if (!parsed.success) throw new Error(`link config is invalid: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

const wantsRoute = (config: HttpLinkConfig): boolean => config.path !== undefined || config.host !== undefined || config.address === undefined;

/**
 * The listeners of the provider's links: the shared listener (open while anything is routed on
 * it) with its route table, and the listeners links have of their own. Link changes are applied
 * one at a time, so two of them can never both open the shared listener, or race a removal
 * against an opening listener.
 */
export class LinkListeners {
  private readonly routes = createRouteTable();
  private readonly routed = new Map<string, { provLink: ProviderLink; config: HttpLinkConfig }>();
  private readonly dedicated = new Map<string, Dedicated>();
  private shared: Promise<Listener> | null = null;
  private changes: Promise<unknown> = Promise.resolve();

  constructor(private readonly ctx: ProviderContext<HttpServerConfig>) {}

  /** Puts the link's component behind its route or its own listener (replacing what it had). */
  add(provLink: ProviderLink): Promise<void> {
    return this.serially(() => this.apply(provLink));
  }

  remove(id: string): Promise<void> {
    return this.serially(() => this.drop(id));
  }

  async close(): Promise<void> {
    await this.serially(async () => {
      for (const id of [...this.dedicated.keys()]) await this.drop(id);
      const closing = this.shared;
      this.shared = null;
      await (await closing?.catch(() => null))?.close();
    });
  }

  describe(): string {
    return `${this.routed.size} routes, ${this.dedicated.size} dedicated listeners`;
  }

  /** Why this link cannot be served next to the others (null when it can). Changes nothing. */
  conflict(provLink: ProviderLink): string | null {
    const id = linkId(provLink);
    const config = parseLinkConfig(provLink);
    const shared = this.ctx.config.address;
    if (wantsRoute(config)) {
      for (const [otherId, other] of this.dedicated) {
        if (otherId !== id && other.config.address === shared) {
          return `the shared listener's address ${shared} is used by the link to ${other.provLink.link.target}`;
        }
      }
      const trial = createRouteTable();
      for (const r of this.routes.list()) if (r.id !== id) trial.add(r);
      const result = trial.add({ id, target: provLink.link.target, pathPrefix: config.path ?? '/', host: config.host });
      return result.ok ? null : result.error;
    }
    // The shared listener only exists while something is routed on it.
    if (config.address === shared && [...this.routed.keys()].some((r) => r !== id)) {
      return `address ${config.address} is the shared listener's (${this.routed.size} routes); route with path or host instead`;
    }
    for (const [otherId, other] of this.dedicated) {
      if (otherId !== id && other.config.address === config.address) {
        return `address ${config.address} is already used by the link to ${other.provLink.link.target}`;
      }
    }
    return null;
  }

  private serially<T>(change: () => Promise<T>): Promise<T> {
    const run = this.changes.then(change, change);
    this.changes = run.catch(() => undefined);
    return run;
  }

  /** The shared listener's handler: the route table picks the link. */
  private readonly serveShared = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const match = this.routes.match(req.headers.host, req.url ?? '/');
    const entry = match ? this.routed.get(match.route.id) : undefined;
    if (!match || !entry) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no component is routed here\n');
      return;
    }
    const query = (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?')) : '';
    await forward(this.ctx, req, res, {
      link: entry.provLink.link,
      maxBodyBytes: entry.config.max_body_bytes ?? this.ctx.config.max_body_bytes,
      timeoutMs: entry.config.timeout_ms ?? this.ctx.config.timeout_ms,
      path: entry.config.strip_prefix === 'true' ? match.remainder + query : undefined,
    });
  };

  /** What the host's ingress serves itself, when it fronts the listeners (ProviderContext.ingress). */
  private ingressRoute(id: string, provLink: ProviderLink, config: HttpLinkConfig): IngressRoute {
    return {
      id,
      target: provLink.link.target,
      pathPrefix: config.path ?? '/',
      host: config.host,
      stripPrefix: config.strip_prefix === 'true',
      maxBodyBytes: config.max_body_bytes ?? this.ctx.config.max_body_bytes,
      timeoutMs: config.timeout_ms ?? this.ctx.config.timeout_ms,
      link: provLink.link,
    };
  }

  private sharedRoutes(): IngressRoute[] {
    return [...this.routed].map(([id, { provLink, config }]) => this.ingressRoute(id, provLink, config));
  }

  private front(list: IngressRoute[]): Front | undefined {
    return this.ctx.ingress ? { ingress: this.ctx.ingress, routes: list } : undefined;
  }

  private async ensureShared(): Promise<void> {
    if (this.shared) {
      (await this.shared).setRoutes(this.sharedRoutes());
      return;
    }
    const opening = Listener.open(this.ctx.config.address, this.serveShared, this.front(this.sharedRoutes()));
    this.shared = opening;
    try {
      await opening;
    } catch (error) {
      if (this.shared === opening) this.shared = null;
      throw error;
    }
  }

  private async drop(id: string): Promise<void> {
    if (this.routed.delete(id)) {
      this.routes.remove(id);
      (await this.shared?.catch(() => null))?.setRoutes(this.sharedRoutes());
    }
    const own = this.dedicated.get(id);
    if (own) {
      this.dedicated.delete(id);
      await (await own.listener.catch(() => null))?.close();
    }
  }

  private async apply(provLink: ProviderLink): Promise<void> {
    const id = linkId(provLink);
    await this.drop(id);
    const config = parseLinkConfig(provLink);
    const refused = this.conflict(provLink);
    if (refused) throw new Error(refused);
    if (wantsRoute(config)) {
      const result = this.routes.add({ id, target: provLink.link.target, pathPrefix: config.path ?? '/', host: config.host });
      if (!result.ok) throw new Error(result.error);
      this.routed.set(id, { provLink, config });
      try {
        await this.ensureShared();
      } catch (error) {
        this.routed.delete(id);
        this.routes.remove(id);
        throw error;
      }
      this.ctx.log.info({ target: provLink.link.target, path: config.path ?? '/', host: config.host }, 'route added');
      return;
    }
    const ctx = this.ctx;
    const listener = Listener.open(
      config.address!,
      (req, res) =>
        forward(ctx, req, res, {
          link: provLink.link,
          maxBodyBytes: config.max_body_bytes ?? ctx.config.max_body_bytes,
          timeoutMs: config.timeout_ms ?? ctx.config.timeout_ms,
        }),
      this.front([{ ...this.ingressRoute(id, provLink, config), pathPrefix: '/', host: undefined, stripPrefix: false }]),
    );
    const entry: Dedicated = { listener, provLink, config };
    this.dedicated.set(id, entry);
    try {
      await listener;
    } catch (error) {
      if (this.dedicated.get(id) === entry) this.dedicated.delete(id);
      throw error;
    }
    this.ctx.log.info({ target: provLink.link.target, address: config.address }, 'listener started');
  }
}
