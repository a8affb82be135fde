import { BlockList, isIP } from 'node:net';

/**
 * The outgoing-request allow-list of the http-client provider. Deny by default: an empty list
 * allows nothing. Entries (from link config), in the spirit of Deno's `--allow-net`:
 * - `example.com`           that host, any port, http or https
 * - `example.com:8443`      that host on that port only
 * - `*.example.com`         any subdomain (not the apex: list both to allow both)
 * - `https://example.com`   that host over https only (a port may follow)
 * - `127.0.0.1`, `[::1]`    IP literals; `10.0.0.0/8`, `fd00::/8` CIDR ranges
 * - `*`                     everything (an explicit opt-out of the protection)
 * Requests are judged by the URL as WHATWG parses it, so `http://a.com@evil.com/`, upper case,
 * trailing dots, `http://2130706433/` (127.0.0.1) and IDNs are compared in their canonical form.
 */

type Scheme = 'http:' | 'https:';

interface HostRule {
  kind: 'host';
  host: string;
  wildcard: boolean;
  port: number | null;
  scheme: Scheme | null;
}

interface CidrRule {
  kind: 'cidr';
  list: BlockList;
  text: string;
}

type Rule = HostRule | CidrRule | { kind: 'all' };

export type AllowDecision = { allowed: true; rule: string } | { allowed: false; reason: string };

export interface AllowList {
  /** Judges a request URL; the reason names the host so the component's error is actionable. */
  check(url: string | URL): AllowDecision;
  allows(url: string | URL): boolean;
  readonly entries: readonly string[];
}

/** Parses entries; throws a TypeError listing every entry it cannot understand. */
export function createAllowList(entries: readonly string[]): AllowList {
  const rules: Array<{ entry: string; rule: Rule }> = [];
  const problems: string[] = [];
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === '') continue;
    const rule = parseEntry(entry);
    if (typeof rule === 'string') problems.push(`${JSON.stringify(raw)}: ${rule}`);
    else rules.push({ entry, rule });
  }
  if (problems.length) throw new TypeError(`invalid http-client allow-list entries: ${problems.join('; ')}`);

  const check = (input: string | URL): AllowDecision => {
    let url: URL;
    try {
      url = typeof input === 'string' ? new URL(input) : input;
    } catch {
      return { allowed: false, reason: `${JSON.stringify(String(input))} is not a URL` };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return { allowed: false, reason: `scheme ${url.protocol} is not allowed (only http and https)` };
    }
    const host = url.hostname.replace(/\.$/, '');
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    const bare = host.startsWith('[') ? host.slice(1, -1) : host;
    for (const { entry, rule } of rules) {
      if (rule.kind === 'all') return { allowed: true, rule: entry };
      if (rule.kind === 'cidr') {
        const family = isIP(bare);
        if (family && rule.list.check(bare, family === 4 ? 'ipv4' : 'ipv6')) return { allowed: true, rule: entry };
        continue;
      }
      if (rule.scheme && rule.scheme !== url.protocol) continue;
      if (rule.port !== null && rule.port !== port) continue;
      const hostOk = rule.wildcard ? host.endsWith(`.${rule.host}`) : host === rule.host;
      if (hostOk) return { allowed: true, rule: entry };
    }
    return {
      allowed: false,
      reason: `${url.protocol}//${host}:${port} is not in the http-client allow-list`,
    };
  };

  return {
    check,
    allows: (url) => check(url).allowed,
    entries: rules.map((r) => r.entry),
  };
}

function parseEntry(entry: string): Rule | string {
  if (entry === '*') return { kind: 'all' };
  const slash = entry.indexOf('/');
  if (slash > 0 && !entry.includes('://')) {
    const [address, bits] = [entry.slice(0, slash), entry.slice(slash + 1)];
    const family = isIP(address);
    const prefix = Number(bits);
    if (!family || !/^\d{1,3}$/.test(bits) || prefix > (family === 4 ? 32 : 128)) return 'not a CIDR range';
    const list = new BlockList();
    list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
    return { kind: 'cidr', list, text: entry };
  }
  let scheme: Scheme | null = null;
  let rest = entry;
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\//i.exec(entry);
  if (schemeMatch) {
    const s = `${schemeMatch[1].toLowerCase()}:`;
    if (s !== 'http:' && s !== 'https:') return `scheme ${s} is not supported (http or https)`;
    scheme = s;
    rest = entry.slice(schemeMatch[0].length).replace(/\/$/, '');
    if (rest.includes('/')) return 'an entry names a host, not a path';
  }
  const wildcard = rest.startsWith('*.');
  if (wildcard) rest = rest.slice(2);
  if (rest.includes('*')) return 'a wildcard may only be a leading "*."';
  // Let the URL parser canonicalise the host (case, IDN, IP forms) exactly as it will for requests.
  let parsed: URL;
  try {
    parsed = new URL(`http://${rest}`);
  } catch {
    return 'not a host name or IP literal';
  }
  if (parsed.username || parsed.password || parsed.pathname !== '/' || parsed.search || parsed.hash) {
    return 'an entry names a host (and port), nothing else';
  }
  const explicitPort = /:(\d+)$/.exec(rest);
  return {
    kind: 'host',
    host: parsed.hostname.replace(/\.$/, ''),
    wildcard,
    port: explicitPort ? Number(explicitPort[1]) : null,
    scheme,
  };
}
