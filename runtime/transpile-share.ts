/**
 * Transpiled components shared by the hosts of a lattice. The first host to transpile an image
 * stores jco's output (after the glue transform) where the others find it (a JetStream object
 * store: host/transpile-share.ts); they fetch it instead of running jco, which costs 1 to 2 s of a
 * core and up to ~0.8 GB for a JS component.
 *
 * An entry is named after everything the output depends on (transpile-cache.ts, `entryName`): the
 * component's digest, the jco version, the cache format and the JSPI mode. Only hosts write the
 * bucket: its glue is JavaScript that hosts run outside the WebAssembly sandbox, so the NATS
 * accounts give the cli and provider users no publish right on it (docs/security.md).
 */
import { pack, unpack } from 'msgpackr';

/** Where transpiled output is shared; `get` resolves null when there is no such entry. */
export interface TranspileShare {
  get(name: string): Promise<Uint8Array | null>;
  put(name: string, bytes: Uint8Array): Promise<void>;
  /**
   * Claims the transpile of `name` for this host (true), or tells that another host holds the
   * claim (false), so that hosts given the same new image at once run jco once between them. A
   * claim lapses on its own (the share's TTL) when its host dies. Optional: without claims every
   * host that finds no entry transpiles.
   */
  claim?(name: string): Promise<boolean>;
  /** Gives a claim up before it lapses (the transpile failed): waiting hosts transpile themselves. */
  release?(name: string): Promise<void>;
}

/** How often a host waiting on another host's claim looks for the entry. */
export const CLAIM_POLL_MS = 150;
/**
 * How long a claim holds (and a waiting host waits at most before transpiling itself): jco on a
 * large JS component takes several seconds on an x86 core and far longer on a small ARM board.
 */
export const CLAIM_TTL_MS = 120_000;

/** One shared entry: the cache's metadata and every file of the output (glue, core modules). */
export interface SharedEntry<Meta> {
  meta: Meta;
  files: Record<string, Uint8Array>;
}

export function encodeEntry<Meta>(entry: SharedEntry<Meta>): Uint8Array {
  return pack(entry);
}

/** Null when `bytes` is not an entry (a damaged object is transpiled again, never run). */
export function decodeEntry<Meta>(bytes: Uint8Array): SharedEntry<Meta> | null {
  try {
    const entry = unpack(bytes) as Partial<SharedEntry<Meta>> | null;
    if (!entry || typeof entry.meta !== 'object' || typeof entry.files !== 'object' || entry.files === null) return null;
    for (const content of Object.values(entry.files)) if (!(content instanceof Uint8Array)) return null;
    return entry as SharedEntry<Meta>;
  } catch {
    return null;
  }
}
