/**
 * A single-producer, single-consumer ring of byte records in a SharedArrayBuffer: how invocations
 * and their results cross between the main thread and a worker without a structured clone, a
 * MessagePort event or an allocation per message. The consumer sleeps in `Atomics.waitAsync` on
 * the write position and drains every record that arrived meanwhile in one wake-up, so a busy
 * host pays one thread wake-up per batch, not per request (docs/performance.md, "Transport").
 *
 * Layout: a header of Int32 words (write position, read position, both in bytes and free to
 * wrap), then `capacity` bytes of data. A record is a 4-byte length followed by its bytes and may
 * wrap around the end of the data area. Positions are published with Atomics, which orders the
 * plain data writes before them for the other thread.
 */

/** ES2024's Atomics.waitAsync (V8 has it since Node 16; this project's TypeScript lib is ES2023). */
const AtomicsAsync = Atomics as unknown as {
  waitAsync(array: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> };
};

const WRITE = 0;
const READ = 1;
/**
 * Zero while the reader is awake; while it sleeps, the number of that sleep (1, 2, 3...). A
 * writer wakes the reader only when it sleeps, and once per sleep: waking is a cross-thread
 * signal, expensive next to writing a record, and useless while the reader is busy (it looks at
 * the ring again before it sleeps). The reader announces its sleep, then looks once more: with
 * sequentially consistent atomics either it sees the record or the writer sees the sleep.
 */
const SLEEPING = 2;
const HEADER_BYTES = 64;
const LENGTH_BYTES = 4;

/** Creates the shared memory of one ring of `capacity` bytes (a power of two). */
export function createRing(capacity: number): SharedArrayBuffer {
  if (capacity < 1024 || (capacity & (capacity - 1)) !== 0) throw new RangeError(`ring capacity must be a power of two >= 1024, got ${capacity}`);
  return new SharedArrayBuffer(HEADER_BYTES + capacity);
}

class RingView {
  protected readonly header: Int32Array;
  protected readonly data: Uint8Array;
  protected readonly mask: number;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.header = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    this.data = new Uint8Array(buffer, HEADER_BYTES);
    this.mask = this.data.length - 1;
  }

  get capacity(): number {
    return this.data.length;
  }

  /** The largest record that can ever be written. */
  get maxRecord(): number {
    return this.data.length - LENGTH_BYTES;
  }

  protected copyIn(position: number, bytes: Uint8Array): void {
    const at = position & this.mask;
    const first = Math.min(bytes.length, this.data.length - at);
    this.data.set(first === bytes.length ? bytes : bytes.subarray(0, first), at);
    if (first < bytes.length) this.data.set(bytes.subarray(first), 0);
  }
}

export class RingWriter extends RingView {
  private readonly lengthBytes = new Uint8Array(LENGTH_BYTES);
  private readonly lengthView = new DataView(this.lengthBytes.buffer);
  /** The reader's sleep this writer last woke (no second signal for the same sleep). */
  private woken = 0;

  /**
   * @param signal wakes a reader that sleeps in its event loop (`RingReader.sleep`), e.g. by a
   *   message on a port; without it the reader is woken with `Atomics.notify` (`waitSync`, `wait`).
   */
  constructor(
    buffer: SharedArrayBuffer,
    private readonly signal?: () => void,
  ) {
    super(buffer);
  }

  /** Free bytes now (the consumer may free more at any moment). */
  get free(): number {
    return this.data.length - ((Atomics.load(this.header, WRITE) - Atomics.load(this.header, READ)) | 0);
  }

  /**
   * Appends one record made of `parts` (concatenated); false when it does not fit now. Wakes the
   * consumer unless `quiet` (then call `wake` after a batch).
   */
  tryWrite(parts: readonly Uint8Array[], quiet = false): boolean {
    let length = 0;
    for (const part of parts) length += part.length;
    const write = Atomics.load(this.header, WRITE);
    const used = (write - Atomics.load(this.header, READ)) | 0;
    if (used + LENGTH_BYTES + length > this.data.length) return false;
    this.lengthView.setUint32(0, length, true);
    this.copyIn(write, this.lengthBytes);
    let at = (write + LENGTH_BYTES) | 0;
    for (const part of parts) {
      this.copyIn(at, part);
      at = (at + part.length) | 0;
    }
    Atomics.store(this.header, WRITE, at);
    if (!quiet) this.wake();
    return true;
  }

  wake(): void {
    const sleep = Atomics.load(this.header, SLEEPING);
    if (sleep === 0 || sleep === this.woken) return;
    this.woken = sleep;
    if (this.signal) this.signal();
    else Atomics.notify(this.header, WRITE);
  }
}

export class RingReader extends RingView {
  private scratch = new Uint8Array(256);
  private sleeps = 0;

  /** Announces a sleep (see SLEEPING); returns false, awake again, if a record came meanwhile. */
  private announce(): boolean {
    this.sleeps = this.sleeps >= 0x3fffffff ? 1 : this.sleeps + 1;
    Atomics.store(this.header, SLEEPING, this.sleeps);
    if (Atomics.load(this.header, READ) === Atomics.load(this.header, WRITE)) return true;
    Atomics.store(this.header, SLEEPING, 0);
    return false;
  }

  /**
   * For a reader woken by its writer's `signal`: announces a sleep and returns true (wait for the
   * signal, then call `awake` and read), or returns false when a record is already there.
   */
  sleep(): boolean {
    return this.announce();
  }

  awake(): void {
    Atomics.store(this.header, SLEEPING, 0);
  }

  /**
   * The next record, or null when none is there. The bytes are a copy, valid until `next` is
   * called again: copy what must outlive the record.
   */
  next(): Uint8Array | null {
    const read = Atomics.load(this.header, READ);
    if (read === Atomics.load(this.header, WRITE)) return null;
    const length = this.peekLength(read);
    const start = (read + LENGTH_BYTES) | 0;
    const at = start & this.mask;
    if (this.scratch.length < length) this.scratch = new Uint8Array(Math.max(length, this.scratch.length * 2));
    const first = Math.min(length, this.data.length - at);
    this.scratch.set(this.data.subarray(at, at + first), 0);
    if (first < length) this.scratch.set(this.data.subarray(0, length - first), first);
    // Only now may the writer reuse the bytes.
    Atomics.store(this.header, READ, (start + length) | 0);
    return this.scratch.subarray(0, length);
  }

  private peekLength(read: number): number {
    let length = 0;
    for (let i = 0; i < LENGTH_BYTES; i++) length |= this.data[(read + i) & this.mask]! << (8 * i);
    return length >>> 0;
  }

  /** True when a record is waiting. */
  get pending(): boolean {
    return Atomics.load(this.header, READ) !== Atomics.load(this.header, WRITE);
  }

  /**
   * Blocks the thread until a record may be there or `timeoutMs` passes: for a worker waiting on
   * the answer to its host call, which has nothing else to do meanwhile. Spins `spinUs` first: a
   * fast answer arrives before a futex sleep and wake-up would even complete.
   */
  waitSync(timeoutMs: number, spinUs = 0): boolean {
    const read = Atomics.load(this.header, READ);
    if (spinUs > 0) {
      const until = performance.now() + spinUs / 1000;
      while (Atomics.load(this.header, WRITE) === read) if (performance.now() >= until) break;
    }
    if (Atomics.load(this.header, WRITE) !== read) return true;
    if (!this.announce()) return true;
    try {
      return Atomics.wait(this.header, WRITE, read, timeoutMs) !== 'timed-out';
    } finally {
      this.awake();
    }
  }

  /** Resolves a pending `wait` now (the reader is shutting down). */
  interrupt(): void {
    Atomics.notify(this.header, WRITE);
  }

  /** Resolves when a record may be there (at once if one is). Does not keep the event loop alive. */
  wait(): Promise<unknown> {
    const read = Atomics.load(this.header, READ);
    if (!this.announce()) return Promise.resolve('not-equal');
    const result = AtomicsAsync.waitAsync(this.header, WRITE, read);
    if (!result.async) {
      this.awake();
      return Promise.resolve(result.value);
    }
    return result.value.then((value) => {
      this.awake();
      return value;
    });
  }
}
