/**
 * The one interface every blobstore backend implements, mirroring `wasi:blobstore@0.2.0-draft`:
 * `blobstore` (containers, copy, move) and the `container` resource (objects). Its `error` is a
 * string, so every operation answers a WIT `result<T, string>` value; nothing throws past a
 * backend. Timestamps are seconds since the Unix epoch (the WIT's `timestamp = u64`), sizes u64.
 */

export type BlobResult<T> = { tag: 'ok'; val: T } | { tag: 'err'; val: string };

/** `types.container-metadata`, in jco's camelCase. */
export interface ContainerMetadata {
  name: string;
  createdAt: bigint;
}

/** `types.object-metadata`. */
export interface ObjectMetadata {
  name: string;
  container: string;
  createdAt: bigint;
  size: bigint;
}

/** `types.object-id`. */
export interface ObjectId {
  container: string;
  object: string;
}

/** The body of a write: whole bytes, or a stream of chunks (the guest's output-stream). */
export type BlobBody = Uint8Array | AsyncIterable<Uint8Array>;

/** One container (`container.container`). */
export interface BlobContainer {
  readonly name: string;
  info(): Promise<BlobResult<ContainerMetadata>>;
  /**
   * `get-data`: the object's bytes from `start` to `end`, both inclusive as in the WIT, as a
   * stream. `end` past the object's end is clipped; `start` past it gives no bytes.
   */
  read(object: string, start?: bigint, end?: bigint): Promise<BlobResult<AsyncIterable<Uint8Array>>>;
  /** `write-data`: creates or replaces the object; readers never see a half-written object. */
  write(object: string, body: BlobBody): Promise<BlobResult<undefined>>;
  /** `list-objects`, sorted by name (the glue serves it through `stream-object-names`). */
  list(): Promise<BlobResult<string[]>>;
  /** Deleting an absent object succeeds, as in S3-like stores. */
  delete(object: string): Promise<BlobResult<undefined>>;
  deleteMany(objects: string[]): Promise<BlobResult<undefined>>;
  has(object: string): Promise<BlobResult<boolean>>;
  objectInfo(object: string): Promise<BlobResult<ObjectMetadata>>;
  /** Removes every object; the container stays. */
  clear(): Promise<BlobResult<undefined>>;
}

export interface BlobstoreBackend {
  readonly kind: string;
  /** Creates the container, or answers the existing one (wasmCloud providers behave so too). */
  createContainer(name: string): Promise<BlobResult<BlobContainer>>;
  /** An error when the container does not exist. */
  getContainer(name: string): Promise<BlobResult<BlobContainer>>;
  /** Deletes the container and all its objects; an error when it does not exist. */
  deleteContainer(name: string): Promise<BlobResult<undefined>>;
  containerExists(name: string): Promise<BlobResult<boolean>>;
  /** Duplicates an object; overwrites the destination; errors when the destination container is missing. */
  copyObject(src: ObjectId, dest: ObjectId): Promise<BlobResult<undefined>>;
  /** Moves or renames an object, same rules as copy. */
  moveObject(src: ObjectId, dest: ObjectId): Promise<BlobResult<undefined>>;
  close(): Promise<void>;
}

export const U64_MAX = 2n ** 64n - 1n;

export function ok<T>(val: T): BlobResult<T> {
  return { tag: 'ok', val };
}

export function fail<T = never>(message: string): BlobResult<T> {
  return { tag: 'err', val: message };
}

/** Turns an unexpected exception into the interface's error string. */
export async function guard<T>(what: string, fn: () => Promise<BlobResult<T>>): Promise<BlobResult<T>> {
  try {
    return await fn();
  } catch (error) {
    return fail(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Validates a WIT range; returns the error text, or null when it is usable. */
export function checkRange(start: bigint, end: bigint): string | null {
  if (start < 0n || end < 0n || start > U64_MAX || end > U64_MAX) return `range ${start}..${end} is not in u64`;
  if (end < start) return `range end ${end} is before its start ${start}`;
  return null;
}

export function toSeconds(date: Date | string | number): bigint {
  const ms = typeof date === 'number' ? date : new Date(date).getTime();
  return BigInt(Math.floor(Math.max(0, ms) / 1000));
}

/** Whole bytes as a one-chunk stream, or the stream itself. */
export async function* chunksOf(body: BlobBody): AsyncIterable<Uint8Array> {
  if (body instanceof Uint8Array) {
    yield body;
    return;
  }
  yield* body;
}

/** Reads a stream to the end: for tests, and for callers that want the bytes. */
export async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const part of stream) {
    parts.push(part);
    total += part.length;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
