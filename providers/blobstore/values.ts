/**
 * Object bodies between a guest and the provider. wasi:blobstore moves bodies through wasi:io
 * streams: a write fills an `outgoing-value` through its `output-stream`, a read hands out an
 * `incoming-value` whose body is read whole (`consume-sync`) or through an `input-stream`.
 * Here an outgoing value buffers what the guest writes (bounded by `max_object_bytes`) until
 * `write-data` stores it; an incoming value pulls from the backend's stream on demand, so a large
 * object read in chunks is never held whole.
 */
import { concatBytes } from '../../lib/bytes.js';

export class BodyTooLarge extends Error {}

export class OutgoingValue {
  private readonly chunks: Uint8Array[] = [];
  size = 0;
  /** The one output-stream `outgoing-value-write-body` may hand out. */
  streamTaken = false;

  constructor(private readonly limit: number) {}

  /** Room left before the size limit. */
  room(): number {
    return Math.max(0, this.limit - this.size);
  }

  write(bytes: Uint8Array): void {
    if (this.size + bytes.length > this.limit) throw new BodyTooLarge(`object body is over the ${this.limit}-byte limit`);
    this.chunks.push(bytes.slice());
    this.size += bytes.length;
  }

  bytes(): Uint8Array {
    return concatBytes(this.chunks);
  }
}

/** An output-stream handle: a window onto the outgoing value it writes. */
export interface OutputStreamState {
  value: OutgoingValue;
}

/** A pull reader over a backend's chunk stream. */
export class InputReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private pending: Uint8Array = new Uint8Array(0);
  private done = false;

  constructor(stream: AsyncIterable<Uint8Array>) {
    this.iterator = stream[Symbol.asyncIterator]();
  }

  /** Up to `len` bytes; null at the end of the body. */
  async read(len: number): Promise<Uint8Array | null> {
    while (this.pending.length === 0 && !this.done) {
      const next = await this.iterator.next();
      if (next.done) this.done = true;
      else this.pending = next.value;
    }
    if (this.pending.length === 0) return null;
    const out = this.pending.subarray(0, len).slice();
    this.pending = this.pending.subarray(out.length);
    return out;
  }

  /** The rest of the body, refusing more than `limit` bytes. */
  async readAll(limit: number): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (let chunk = await this.read(1 << 20); chunk; chunk = await this.read(1 << 20)) {
      total += chunk.length;
      if (total > limit) throw new BodyTooLarge(`object body is over the ${limit}-byte limit; read it through an input-stream`);
      parts.push(chunk);
    }
    return concatBytes(parts);
  }

  close(): void {
    if (!this.done) void this.iterator.return?.();
    this.done = true;
  }
}

export interface IncomingValue {
  reader: InputReader;
  size: bigint;
}

/** `stream-object-names`: the names of a listing, read in batches. */
export class NameStream {
  private at = 0;
  constructor(private readonly names: string[]) {}

  read(len: number): [string[], boolean] {
    const batch = this.names.slice(this.at, this.at + len);
    this.at += batch.length;
    return [batch, this.at >= this.names.length];
  }

  skip(num: number): [bigint, boolean] {
    const skipped = Math.min(num, this.names.length - this.at);
    this.at += skipped;
    return [BigInt(skipped), this.at >= this.names.length];
  }
}
