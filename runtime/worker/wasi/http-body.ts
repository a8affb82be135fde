/**
 * `wasi:http` bodies: an incoming body read whole or streamed from the host, and an outgoing body
 * the guest writes, collected under the invocation's size limit or forwarded as it is written.
 */
import { concatBytes } from '../../../lib/bytes.js';
import type { Fields } from './http-fields.js';
import { InputStream, IoError, OutputStream, Pollable, PulledInputStream } from './io.js';

export class IncomingBody {
  private streamTaken = false;
  /** The whole body, or a function opening the host-side stream it arrives on. */
  constructor(private readonly data: Uint8Array | (() => InputStream)) {}
  stream(): InputStream {
    if (this.streamTaken) throw undefined;
    this.streamTaken = true;
    return typeof this.data === 'function' ? this.data() : new InputStream(this.data);
  }
  static finish(_body: IncomingBody): FutureTrailers {
    return new FutureTrailers();
  }
}

export class FutureTrailers {
  subscribe(): Pollable {
    return new Pollable();
  }
  get(): unknown {
    return { tag: 'ok', val: { tag: 'ok', val: undefined } };
  }
}

/**
 * Collects a body written by the guest, refusing more than `limit` bytes. Once `streamTo` is
 * called, what was collected and every later write go to that function instead.
 */
export class BodyCollector {
  chunks: Uint8Array[] = [];
  size = 0;
  overflowed = false;
  private forward: ((bytes: Uint8Array) => void) | null = null;
  /** Runs once when what was collected passes `watchLimit` bytes (see OutgoingResponse.watch). */
  private watcher: { limit: number; fn: () => void } | null = null;
  constructor(readonly limit: number) {}
  sink = (bytes: Uint8Array): boolean => {
    if (this.size + bytes.length > this.limit) {
      this.overflowed = true;
      return false;
    }
    this.size += bytes.length;
    // The guest's memory view is reused by the glue: keep a copy.
    if (this.forward) this.forward(bytes.slice());
    else this.chunks.push(bytes.slice());
    if (this.watcher && this.size > this.watcher.limit) {
      const { fn } = this.watcher;
      this.watcher = null;
      fn();
    }
    return true;
  };
  watch(limit: number, fn: () => void): void {
    this.watcher = { limit, fn };
  }
  streamTo(forward: (bytes: Uint8Array) => void): void {
    this.forward = forward;
    for (const chunk of this.chunks.splice(0)) forward(chunk);
  }
  /** What was collected (nothing once the body streams). */
  bytes(): Uint8Array {
    return concatBytes(this.chunks);
  }
}

export class OutgoingBody {
  private writeTaken = false;
  finished = false;
  /** Runs at `finish` (a streamed request body ends there). */
  onFinish: (() => void) | null = null;
  constructor(readonly collector: BodyCollector) {}
  write(): OutputStream {
    if (this.writeTaken) throw undefined;
    this.writeTaken = true;
    return new OutputStream(this.collector.sink);
  }
  static finish(body: OutgoingBody, _trailers: Fields | undefined): void {
    body.finished = true;
    body.onFinish?.();
  }
}

/**
 * A request body the host streams: each read is a `read(id, len)` bridge call that blocks until
 * bytes arrive. A failed body (above the size limit, the client went away) is a
 * `last-operation-failed` error for the guest.
 */
export class HostBodyStream extends PulledInputStream {
  constructor(
    private readonly read_: (len: bigint) => Uint8Array,
    readAsync?: (len: bigint) => Promise<Uint8Array>,
  ) {
    super();
    if (readAsync) this.readAsync = (len) => readAsync(len).catch(streamError);
  }
  override read(len: bigint): Uint8Array {
    try {
      return this.read_(len);
    } catch (error) {
      return streamError(error);
    }
  }
}

/** A body the host could not deliver is `last-operation-failed` for the guest; `closed` passes as is. */
function streamError(error: unknown): never {
  const payload = (error as { payload?: { tag?: string; val?: unknown } } | null)?.payload;
  if (payload?.tag === 'last-operation-failed') throw { tag: 'last-operation-failed', val: new IoError(String(payload.val)) };
  throw error;
}
