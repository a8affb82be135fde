/**
 * OCI image references as wasmCloud and docker write them: `[oci://]REGISTRY/REPO[:TAG][@sha256:HEX]`.
 * A reference without a scheme is OCI when its first path component names a registry (has a '.'
 * or a ':' or is `localhost`), as docker decides; `ghcr.io/org/app:1.0`, `localhost:5000/app:v1`.
 */
export const OCI_SCHEME = 'oci';
export const DEFAULT_TAG = 'latest';
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const REPOSITORY = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const REGISTRY = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9a-fA-F:]+\])(?::[0-9]{1,5})?$/;

export interface OciRef {
  /** `host[:port]` as written (docker.io for unqualified names). */
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

export class OciRefError extends Error {
  constructor(
    readonly ref: string,
    detail: string,
  ) {
    super(`invalid OCI reference ${JSON.stringify(ref)}: ${detail}`);
    this.name = 'OciRefError';
  }
}

function stripScheme(ref: string): string {
  return ref.startsWith(`${OCI_SCHEME}://`) ? ref.slice(OCI_SCHEME.length + 3) : ref;
}

function namesRegistry(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

/** True for `oci://...` and for scheme-less references whose first component is a registry. */
export function looksLikeOciRef(ref: string): boolean {
  if (ref.startsWith(`${OCI_SCHEME}://`)) return true;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(ref) || ref.startsWith('.') || ref.startsWith('/')) return false;
  const slash = ref.indexOf('/');
  return slash > 0 && namesRegistry(ref.slice(0, slash));
}

export function parseOciRef(ref: string): OciRef {
  let rest = stripScheme(ref.trim());
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new OciRefError(ref, 'a pinned digest must be sha256:<64 lowercase hex digits>');
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new OciRefError(ref, `tag ${JSON.stringify(tag)} must be letters, digits, '.', '_' or '-' (at most 128)`);
  }
  const slash = rest.indexOf('/');
  let registry = 'docker.io';
  let repository = rest;
  if (slash > 0 && namesRegistry(rest.slice(0, slash))) {
    registry = rest.slice(0, slash);
    repository = rest.slice(slash + 1);
  } else if (!rest.includes('/')) {
    repository = `library/${rest}`;
  }
  if (!REGISTRY.test(registry)) throw new OciRefError(ref, `registry ${JSON.stringify(registry)} is not a host[:port]`);
  if (!REPOSITORY.test(repository)) {
    throw new OciRefError(
      ref,
      `repository ${JSON.stringify(repository)} must be lowercase path components of letters and digits separated by '.', '_', '__' or '-'`,
    );
  }
  if (tag === undefined && digest === undefined) tag = DEFAULT_TAG;
  return { registry, repository, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/** `registry/repository[:tag][@digest]`, the canonical spelling. */
export function formatOciRef(ref: OciRef): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

export function isOciDigest(value: string): boolean {
  return DIGEST.test(value);
}
