/**
 * A minimal OCI distribution client (the `/v2/` API) over fetch: manifests and blobs, pulls and
 * pushes, with the registry's own auth. A 401 names its scheme in `WWW-Authenticate`:
 * `Basic` gets the user's credentials; `Bearer realm=...,service=...,scope=...` is the token
 * flow: ask the realm for a token for that scope (with the credentials, else anonymously) and
 * retry with it. Tokens are kept per registry and scope until the registry refuses them.
 */
import { createHash } from 'node:crypto';
import type { CredentialResolver, RegistryCredentials } from './credentials.js';
import { OciError } from './errors.js';

export const DEFAULT_OCI_TIMEOUT_MS = 60_000;
/** Manifests are small JSON; a larger answer is not a manifest. */
const MAX_MANIFEST_BYTES = 4 * 2 ** 20;

export interface RegistryClientOptions {
  credentials?: CredentialResolver;
  /** Registries (`host:port`) reached over plain HTTP; every other one needs HTTPS. */
  insecure?: readonly string[];
  timeoutMs?: number;
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="https://auth",service="reg",scope="repository:a:pull"`. */
export function parseChallenge(header: string): Challenge | null {
  const match = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!match) return null;
  const params: Record<string, string> = {};
  for (const m of match[2]!.matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) params[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? '';
  return { scheme: match[1]!.toLowerCase(), params };
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

type Action = 'pull' | 'push,pull';

/** `LATTICE_INSECURE_REGISTRIES=a:5000,b:5000`: registries every host and CLI run here may reach over plain HTTP. */
export function insecureRegistriesFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.LATTICE_INSECURE_REGISTRIES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The innermost code or message of a failed fetch (`ECONNREFUSED`, `ENOTFOUND`, a TLS error). */
function fetchFailure(error: unknown): string {
  let reason = error instanceof Error ? error.message : String(error);
  for (let cause: unknown = error, depth = 0; cause instanceof Error && depth < 6; cause = cause.cause, depth++) {
    const code = (cause as NodeJS.ErrnoException).code;
    const inner = cause instanceof AggregateError ? (cause.errors[0] as NodeJS.ErrnoException | undefined) : undefined;
    if (code || inner?.code) return code ?? inner!.code!;
    if (cause.name === 'TimeoutError') return 'timed out';
    reason = cause.message || reason;
  }
  return reason;
}

export class RegistryClient {
  private readonly tokens = new Map<string, string>();
  private readonly timeoutMs: number;

  constructor(private readonly options: RegistryClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_OCI_TIMEOUT_MS;
  }

  isInsecure(registry: string): boolean {
    return (this.options.insecure ?? []).includes(registry);
  }

  base(registry: string): string {
    const host = registry === 'docker.io' ? 'registry-1.docker.io' : registry;
    return `${this.isInsecure(registry) ? 'http' : 'https'}://${host}`;
  }

  /** GET/HEAD/PUT/POST/PATCH on `/v2/<repository>/...`, authenticated as the registry asks. */
  async request(registry: string, repository: string, action: Action, path: string, init: RequestInit = {}): Promise<Response> {
    const url = path.startsWith('http') ? path : `${this.base(registry)}/v2/${repository}/${path}`;
    const scope = `repository:${repository}:${action}`;
    const key = `${registry} ${scope}`;
    const send = (authorization?: string) => this.fetch(url, init, authorization, registry);
    const cached = this.tokens.get(key);
    let response = await send(cached);
    if (response.status !== 401) return response;
    const challenge = parseChallenge(response.headers.get('www-authenticate') ?? '');
    await response.body?.cancel();
    const creds = (await this.options.credentials?.(registry).catch(() => null)) ?? null;
    let authorization: string;
    if (challenge?.scheme === 'basic') {
      if (!creds) throw this.unauthorized(registry, null, 'it asks for a user name and password');
      authorization = basic(creds);
    } else if (challenge?.scheme === 'bearer' && challenge.params.realm) {
      authorization = `Bearer ${await this.token(registry, challenge, scope, creds)}`;
    } else {
      throw new OciError('protocol', `registry ${registry} answered 401 without a usable WWW-Authenticate challenge`);
    }
    response = await send(authorization);
    if (response.status === 401) {
      await response.body?.cancel();
      throw this.unauthorized(registry, creds, 'it refused the credentials');
    }
    this.tokens.set(key, authorization);
    return response;
  }

  private async token(registry: string, challenge: Challenge, scope: string, creds: RegistryCredentials | null): Promise<string> {
    const url = new URL(challenge.params.realm!);
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    url.searchParams.set('scope', challenge.params.scope ?? scope);
    const response = await this.fetch(url.href, {}, creds ? basic(creds) : undefined, registry);
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw this.unauthorized(registry, creds, `its token service ${url.origin} refused ${creds ? 'the credentials' : 'an anonymous token'}`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new OciError('protocol', `token service ${url.origin} of ${registry} answered ${response.status}`);
    }
    const body = (await response.json().catch(() => null)) as { token?: unknown; access_token?: unknown } | null;
    const token = body?.token ?? body?.access_token;
    if (typeof token !== 'string' || token === '') throw new OciError('protocol', `token service ${url.origin} of ${registry} returned no token`);
    return token;
  }

  private unauthorized(registry: string, creds: RegistryCredentials | null, why: string): OciError {
    const hint = creds
      ? `credentials from ${creds.source} for user ${creds.username}`
      : `no credentials (lattice registry login ${registry}, LATTICE_REGISTRY_USER/LATTICE_REGISTRY_PASSWORD, or docker's config.json)`;
    return new OciError('unauthorized', `registry ${registry} answered 401 Unauthorized: ${why}; used ${hint}`);
  }

  private async fetch(url: string, init: RequestInit, authorization: string | undefined, registry: string): Promise<Response> {
    const headers = new Headers(init.headers);
    if (authorization) headers.set('authorization', authorization);
    try {
      return await fetch(url, { ...init, headers, redirect: 'follow', signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (cause) {
      const reason = fetchFailure(cause);
      const dns = reason === 'ENOTFOUND' || reason === 'EAI_AGAIN';
      const plain = url.startsWith('https:') && !this.isInsecure(registry);
      const fix = dns
        ? ' (no such host: check the registry name)'
        : plain
          ? ` (HTTPS; a plain-HTTP registry must be allowed as insecure: LATTICE_INSECURE_REGISTRIES=${registry}, or --allow-insecure-registry ${registry} on the host, --insecure on push and inspect)`
          : ' (is the registry running, and is this its address?)';
      throw new OciError('unreachable', `registry ${registry} cannot be reached at ${new URL(url).origin}: ${reason}${fix}`, { cause });
    }
  }

  /** Reads a response body, refusing more than `limit` bytes. */
  static async readBody(response: Response, limit: number, what: string): Promise<Uint8Array> {
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > limit) throw new OciError('protocol', `${what} is ${declared} bytes, over the ${limit} byte limit`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length > limit) throw new OciError('protocol', `${what} is over the ${limit} byte limit`);
    return bytes;
  }

  static readonly MAX_MANIFEST_BYTES = MAX_MANIFEST_BYTES;
}

function basic(creds: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
}

/** Turns a failed registry response into the error a user reads. */
export async function failure(response: Response, what: string, registry: string): Promise<OciError> {
  const text = await response.text().catch(() => '');
  let detail = '';
  try {
    const errors = (JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> }).errors ?? [];
    detail = errors.map((e) => `${e.code ?? ''}${e.message ? ` (${e.message})` : ''}`).join('; ');
  } catch {
    detail = text.slice(0, 200);
  }
  const kind = response.status === 404 ? 'not-found' : response.status === 403 ? 'denied' : 'protocol';
  return new OciError(kind, `${what}: registry ${registry} answered ${response.status}${detail ? ` ${detail}` : ''}`);
}
