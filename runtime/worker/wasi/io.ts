/**
 * In-process `wasi:io` (error, poll, streams). Streams are memory-backed: input streams read
 * from a byte buffer, output streams hand each write to a sink. Everything is always ready except
 * timer pollables, which block the worker until their instant, or, for a guest whose glue
 * suspends (JSPI), suspend the guest and leave the worker to others.
 */
import { sleepSync } from '../bridge-client.js';
import { invocation } from '../invocation-state.js';

export class IoError {
  constructor(private readonly text: string) {}
  toDebugString(): string {
    return this.text;
  }
}

export class Pollable {
  /** Monotonic instant (ns) at which the pollable becomes ready; 0n = ready now. */
  constructor(readonly readyAt: bigint = 0n) {}
  ready(): boolean {
    return process.hrtime.bigint() >= this.readyAt;
  }
  /** Returns a promise the guest is suspended on when its glue suspends, else waits here. */
  block(): void | Promise<void> {
    const waitNs = this.readyAt - process.hrtime.bigint();
    if (waitNs <= 0n) return;
    const ms = Number(waitNs / 1_000_000n) + 1;
    if (invocation.current.suspends) return new Promise((resolve) => setTimeout(resolve, ms));
    sleepSync(ms);
  }
}

function poll(list: Pollable[]): Uint32Array | Promise<Uint32Array> {
  if (list.length === 0) throw new HostTrap('wasi:io/poll#poll called with an empty list');
  for (;;) {
    const ready: number[] = [];
    list.forEach((p, i) => p.ready() && ready.push(i));
    if (ready.length) return Uint32Array.from(ready);
    const earliest = list.reduce((a, b) => (a.readyAt < b.readyAt ? a : b));
    const waiting = earliest.block();
    if (waiting) return waiting.then(() => poll(list));
  }
}

/** A guest misuse the host refuses to continue from: the invocation traps. */
export class HostTrap extends Error {
  override name = 'HostTrap';
}

const CLOSED = { tag: 'closed' } as const;

export class InputStream {
  private offset = 0;
  constructor(private readonly data: Uint8Array = new Uint8Array(0)) {}
  read(len: bigint): Uint8Array {
    if (this.offset >= this.data.length) throw CLOSED;
    const end = Math.min(this.data.length, this.offset + Number(len));
    const chunk = this.data.slice(this.offset, end);
    this.offset = end;
    return chunk;
  }
  /** A promise only from a stream whose bytes come from elsewhere (PulledInputStream). */
  blockingRead(len: bigint): Uint8Array | Promise<Uint8Array> {
    return this.read(len);
  }
  skip(len: bigint): bigint {
    if (this.offset >= this.data.length) throw CLOSED;
    const end = Math.min(this.data.length, this.offset + Number(len));
    const skipped = end - this.offset;
    this.offset = end;
    return BigInt(skipped);
  }
  blockingSkip(len: bigint): bigint {
    return this.skip(len);
  }
  subscribe(): Pollable {
    return new Pollable();
  }
}

/** Receives the bytes written to an output stream; returns false to close the stream. */
export type Sink = (bytes: Uint8Array) => boolean;

/** How much a guest may write per `write` call (the budget `check-write` announces). */
const WRITE_BUDGET = 1n << 20n;

export class OutputStream {
  private closed = false;
  constructor(private readonly sink: Sink) {}
  checkWrite(): bigint {
    if (this.closed) throw CLOSED;
    return WRITE_BUDGET;
  }
  write(contents: Uint8Array): void {
    if (this.closed) throw CLOSED;
    if (!this.sink(contents)) {
      this.closed = true;
      throw CLOSED;
    }
  }
  blockingWriteAndFlush(contents: Uint8Array): void {
    this.write(contents);
  }
  flush(): void {
    if (this.closed) throw CLOSED;
  }
  blockingFlush(): void {
    this.flush();
  }
  subscribe(): Pollable {
    return new Pollable();
  }
  writeZeroes(len: bigint): void {
    this.write(new Uint8Array(Number(len)));
  }
  blockingWriteZeroesAndFlush(len: bigint): void {
    this.writeZeroes(len);
  }
  splice(src: InputStream, len: bigint): bigint {
    const chunk = src.read(len);
    this.write(chunk);
    return BigInt(chunk.length);
  }
  blockingSplice(src: InputStream, len: bigint): bigint {
    return this.splice(src, len);
  }
}

export function ioImports(): Record<string, Record<string, unknown>> {
  return {
    'wasi:io/error': { Error: IoError },
    'wasi:io/poll': { Pollable, poll },
    'wasi:io/streams': { InputStream, OutputStream },
  };
}

/** Calls the host for a stream that lives there (a blobstore value's body). */
/**
 * An input stream whose every read is a call that waits for its bytes: the blocking and
 * non-blocking variants are the same call, and a skip is a read whose bytes are dropped.
 */
export abstract class PulledInputStream extends InputStream {
  abstract override read(len: bigint): Uint8Array;
  /**
   * The read as a promise the guest is suspended on, for a guest whose glue suspends (JSPI,
   * glue/jspi-plan.ts); null where the stream has no such read. `read` itself stays blocking:
   * a splice reads synchronously.
   */
  protected readAsync: ((len: bigint) => Promise<Uint8Array>) | null = null;
  override blockingRead(len: bigint): Uint8Array | Promise<Uint8Array> {
    if (this.readAsync && invocation.current.suspends) return this.readAsync(len);
    return this.read(len);
  }
  override skip(len: bigint): bigint {
    return BigInt(this.read(len).length);
  }
  override blockingSkip(len: bigint): bigint {
    return this.skip(len);
  }
}

export type RemoteCall = (fn: string, args: unknown[]) => unknown;
export interface StreamRef {
  $resource: 'input-stream' | 'output-stream';
  id: number | string;
}

const disposeSymbol: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('dispose');

/**
 * An input stream served by the import handler: each read is a host call
 * `[method]input-stream.read(ref, len)` answering bytes, or `WitError({ tag: 'closed' })` at
 * the end. Blocking and non-blocking variants map to the same call (the host call blocks anyway).
 */
export class RemoteInputStream extends PulledInputStream {
  constructor(
    private readonly call: RemoteCall,
    private readonly drop: RemoteCall,
    readonly ref: StreamRef,
    callAsync?: (fn: string, args: unknown[]) => Promise<unknown>,
  ) {
    super();
    if (callAsync) this.readAsync = (len) => callAsync('[method]input-stream.read', [this.ref, len]) as Promise<Uint8Array>;
  }
  override read(len: bigint): Uint8Array {
    return this.call('[method]input-stream.read', [this.ref, len]) as Uint8Array;
  }
  [disposeSymbol](): void {
    this.drop('[resource-drop]input-stream', [this.ref]);
  }
}

/**
 * An output stream whose bytes go to the import handler: `[method]output-stream.write(ref, bytes)`
 * per write; `[resource-drop]output-stream(ref)` when the guest drops it (the body is complete).
 */
export class RemoteOutputStream extends OutputStream {
  constructor(
    private readonly call: RemoteCall,
    private readonly drop: RemoteCall,
    readonly ref: StreamRef,
  ) {
    super(() => true);
  }
  override write(contents: Uint8Array): void {
    this.call('[method]output-stream.write', [this.ref, contents.slice()]);
  }
  [disposeSymbol](): void {
    this.drop('[resource-drop]output-stream', [this.ref]);
  }
}
