/**
 * The routing table of the shared HTTP listener: many components behind one address, chosen by
 * Host header and path prefix. Pure data in, decision out: the http-server provider feeds it link
 * configs and asks it where each request goes.
 *
 * Precedence: a route for the exact host beats a wildcard host (`*.example.com`, longest suffix
 * first), which beats a route for any host; within a tier the longest path prefix wins. Prefixes
 * match whole segments: `/api` matches `/api` and `/api/x`, never `/apix`.
 */

export interface RouteSpec {
  /** Who owns the route (a link id): adding again under the same id replaces it. */
  id: string;
  /** Component (or other target) that serves it. */
  target: string;
  /** Path prefix starting with '/'; '/' matches every path. */
  pathPrefix: string;
  /** Exact host, `*.suffix`, or undefined for any host. Ports are ignored. */
  host?: string;
}

export interface Route extends RouteSpec {
  /** Normalised forms the table compares. */
  readonly hostKey: string | null;
  readonly prefixKey: string;
}

export type RouteResult = { ok: true; route: Route } | { ok: false; error: string };

export interface RouteMatch {
  route: Route;
  /** The path after the prefix, always starting with '/' (for targets that want it stripped). */
  remainder: string;
}

/** Normalises a path prefix, or returns the reason it is unusable. */
export function normalizePrefix(prefix: string): { ok: true; value: string } | { ok: false; error: string } {
  if (!prefix.startsWith('/')) return { ok: false, error: `path prefix ${JSON.stringify(prefix)} must start with "/"` };
  if (/[\s?#]/.test(prefix)) return { ok: false, error: `path prefix ${JSON.stringify(prefix)} must not contain spaces, "?" or "#"` };
  const segments = prefix.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '.' || s === '..')) {
    return { ok: false, error: `path prefix ${JSON.stringify(prefix)} must not contain "." or ".." segments` };
  }
  return { ok: true, value: `/${segments.join('/')}` };
}

/** Normalises a host pattern (lower case, no port, no trailing dot), or returns why it is unusable. */
export function normalizeHost(host: string): { ok: true; value: string } | { ok: false; error: string } {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[')) h = h.slice(0, h.indexOf(']') + 1);
  else h = h.replace(/:\d+$/, '');
  h = h.replace(/\.$/, '');
  const wildcard = h.startsWith('*.');
  const rest = wildcard ? h.slice(2) : h;
  const valid = /^\[[0-9a-f:.]+\]$/.test(rest) || /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(rest);
  if (!valid || rest.includes('*')) {
    return { ok: false, error: `host ${JSON.stringify(host)} is not a host name, an IP literal, or "*.domain"` };
  }
  return { ok: true, value: h };
}

/** Path characters WHATWG URL keeps as they are (unreserved and sub-delims, ':' and '@'; not '%'). */
const PLAIN = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~!$&'()*+,;=:@-") PLAIN[c.charCodeAt(0)] = 1;
const SLASH = 0x2f;
const DOT = 0x2e;

function isDotSegment(path: string, start: number, end: number): boolean {
  const length = end - start;
  return (length === 1 || length === 2) && path.charCodeAt(start) === DOT && (length === 1 || path.charCodeAt(start + 1) === DOT);
}

/**
 * The path of a request target that is canonical already (plain characters, no empty or dot
 * segment), without its query or fragment; null when URL parsing must decide. One pass, no
 * regular expression: the target is the client's, and so is its length.
 */
function plainPath(target: string): string | null {
  if (target.charCodeAt(0) !== SLASH) return null;
  let segment = 1;
  let end = target.length;
  for (let i = 1; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c === 0x3f || c === 0x23) {
      end = i;
      break;
    }
    if (c === SLASH) {
      if (i === segment || isDotSegment(target, segment, i)) return null;
      segment = i + 1;
    } else if (c >= 128 || PLAIN[c] === 0) return null;
  }
  if (isDotSegment(target, segment, end)) return null;
  return end === target.length ? target : target.slice(0, end);
}

/** Distinct Host headers whose route tiers are kept. */
const HOST_CACHE_LIMIT = 1024;

function prefixMatches(prefix: string, path: string): boolean {
  if (prefix === '/') return true;
  return path === prefix || path.startsWith(`${prefix}/`);
}

/**
 * The path a route is chosen by: dot segments resolved (also percent-encoded ones, as WHATWG URL
 * does), repeated slashes collapsed, query and fragment dropped. Without this, `/public/../admin`
 * would be routed by its `/public` prefix while the component sees `/admin`.
 */
export function canonicalPath(requestPath: string): string {
  // Most paths are already canonical: parsing a URL per request is a good part of routing's cost.
  const plain = plainPath(requestPath);
  if (plain !== null) return plain;
  const raw = requestPath.startsWith('/') ? requestPath : `/${requestPath}`;
  let pathname: string;
  try {
    pathname = new URL(`http://route.invalid${raw}`).pathname;
  } catch {
    pathname = raw.split('?')[0];
  }
  return pathname.replace(/\/{2,}/g, '/') || '/';
}

/** Creates an empty routing table. */
export function createRouteTable() {
  const routes = new Map<string, Route>();
  /**
   * Per request a table is asked with the same few Host headers: the tiers of each are kept until
   * the routes change (or too many distinct headers were seen: the header is the client's).
   */
  const tiersByHeader = new Map<string, Route[][]>();
  const forget = (): void => tiersByHeader.clear();

  const tiersFor = (header: string | undefined): Route[][] => {
    const key = header ?? '';
    let found = tiersByHeader.get(key);
    if (!found) {
      const host = header ? normalizeHost(header) : null;
      found = tiers(host?.ok ? host.value : null);
      if (tiersByHeader.size >= HOST_CACHE_LIMIT) tiersByHeader.clear();
      tiersByHeader.set(key, found);
    }
    return found;
  };

  const tiers = (host: string | null): Route[][] => {
    const exact: Route[] = [];
    const wildcards: Route[] = [];
    const any: Route[] = [];
    for (const r of routes.values()) {
      if (r.hostKey === null) any.push(r);
      else if (host !== null && r.hostKey === host) exact.push(r);
      else if (host !== null && r.hostKey.startsWith('*.') && host.endsWith(r.hostKey.slice(1))) wildcards.push(r);
    }
    // Longer wildcard suffixes are more specific: `*.a.example.com` before `*.example.com`.
    const bySuffix = new Map<string, Route[]>();
    for (const r of wildcards) bySuffix.set(r.hostKey!, [...(bySuffix.get(r.hostKey!) ?? []), r]);
    const wildcardTiers = [...bySuffix.entries()].sort((a, b) => b[0].length - a[0].length).map(([, rs]) => rs);
    return [exact, ...wildcardTiers, any];
  };

  return {
    /**
     * Adds or replaces the route owned by `spec.id`. Refused (as a value) when the spec is invalid
     * or another owner already routes the same host and prefix.
     */
    add(spec: RouteSpec): RouteResult {
      const prefix = normalizePrefix(spec.pathPrefix);
      if (!prefix.ok) return { ok: false, error: prefix.error };
      let hostKey: string | null = null;
      if (spec.host !== undefined && spec.host !== '') {
        const host = normalizeHost(spec.host);
        if (!host.ok) return { ok: false, error: host.error };
        hostKey = host.value;
      }
      for (const r of routes.values()) {
        if (r.id !== spec.id && r.hostKey === hostKey && r.prefixKey === prefix.value) {
          return {
            ok: false,
            error:
              `route ${hostKey ?? '(any host)'}${prefix.value} is already served by ${r.target} (link ${r.id}); ` +
              `link ${spec.id} for ${spec.target} cannot claim it too`,
          };
        }
      }
      const route: Route = { ...spec, hostKey, prefixKey: prefix.value };
      routes.set(spec.id, route);
      forget();
      return { ok: true, route };
    },

    /** Removes the route owned by `id`; true when there was one. */
    remove(id: string): boolean {
      forget();
      return routes.delete(id);
    },

    /**
     * Where a request goes: by its Host header (may be undefined, may carry a port) and its
     * request target (a query string is ignored). null when no route matches (a 404).
     */
    match(hostHeader: string | undefined, requestPath: string): RouteMatch | null {
      const path = canonicalPath(requestPath);
      for (const tier of tiersFor(hostHeader)) {
        let best: Route | null = null;
        for (const r of tier) {
          if (prefixMatches(r.prefixKey, path) && (!best || r.prefixKey.length > best.prefixKey.length)) best = r;
        }
        if (best) {
          const remainder = best.prefixKey === '/' ? path : path.slice(best.prefixKey.length) || '/';
          return { route: best, remainder };
        }
      }
      return null;
    },

    list(): Route[] {
      return [...routes.values()];
    },

    get size(): number {
      return routes.size;
    },
  };
}

export type RouteTable = ReturnType<typeof createRouteTable>;
