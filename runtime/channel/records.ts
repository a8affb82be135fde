/**
 * What travels through a worker's rings: invocations to the worker, their results back. A record
 * is a kind byte, the invocation id (u32) and the message encoded with the invocation value codec
 * (protocol/rpc/codec.ts), which keeps every WIT value shape (bigint, typed arrays, undefined).
 */
import { decodeValue, encodeValue } from '../../protocol/rpc/codec.js';
import { createRing, RingReader, RingWriter } from './ring.js';

export const RecordKind = {
  /** Main to worker: an invocation. */
  Invoke: 1,
  /** Worker to main: an invocation's result. */
  Result: 2,
  /** Worker to main: a host call the guest blocks or is suspended on (`id` is its sequence number). */
  HostCall: 3,
  /** Worker to main: a resource drop nobody waits for. */
  HostDrop: 4,
  /** Main to worker: the answer to a host call. */
  Reply: 5,
  /** Main to worker: the answer to host call `id` went by the worker's reply port (too large here). */
  PortReply: 6,
} as const;
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];

const HEADER_BYTES = 5;
/** Per direction and worker. Invocations or results that do not fit go by postMessage. */
export const RING_BYTES = 256 * 1024;

/**
 * The shared memory of one worker's rings (travels in workerData): invocations to the worker,
 * results and host calls to the main thread, and host call answers to the worker, which waits
 * for them blocked (so they have a ring of their own).
 */
export interface ChannelMemory {
  toWorker: SharedArrayBuffer;
  toMain: SharedArrayBuffer;
  replies: SharedArrayBuffer;
}

export function createChannelMemory(): ChannelMemory {
  return { toWorker: createRing(RING_BYTES), toMain: createRing(RING_BYTES), replies: createRing(RING_BYTES) };
}

export interface DecodedRecord {
  kind: number;
  id: number;
  message: unknown;
}

/** Writes records of one kind into a ring. */
export class RecordWriter {
  private readonly header = new Uint8Array(HEADER_BYTES);
  private readonly view = new DataView(this.header.buffer);
  private readonly ring: RingWriter;

  /** `signal`: see RingWriter (how a reader sleeping in its event loop is woken). */
  constructor(memory: SharedArrayBuffer, signal?: () => void) {
    this.ring = new RingWriter(memory, signal);
  }

  /**
   * False when the record does not fit now or cannot be encoded (a value that is not WIT data):
   * the caller sends it another way.
   */
  tryWrite(kind: RecordKind, id: number, message: unknown, quiet = false): boolean {
    let payload: Uint8Array;
    try {
      payload = encodeValue(message);
    } catch {
      return false;
    }
    if (payload.length + HEADER_BYTES > this.ring.maxRecord / 2) return false;
    this.header[0] = kind;
    this.view.setUint32(1, id, true);
    return this.ring.tryWrite([this.header, payload], quiet);
  }

  /** Wakes the reader after `quiet` writes (once for a batch). */
  wake(): void {
    this.ring.wake();
  }
}

export class RecordReader {
  private readonly ring: RingReader;

  constructor(memory: SharedArrayBuffer) {
    this.ring = new RingReader(memory);
  }

  /** The next record, decoded; null when none is waiting. Throws on a malformed record. */
  next(): DecodedRecord | null {
    const bytes = this.ring.next();
    if (!bytes) return null;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // A copy: decoded byte arrays are views of what they were decoded from, and the ring reuses it.
    return { kind: bytes[0]!, id: view.getUint32(1, true), message: decodeValue(bytes.slice(HEADER_BYTES)) };
  }

  wait(): Promise<unknown> {
    return this.ring.wait();
  }

  /** See RingReader.sleep: true when the reader may sleep until its writer's signal. */
  sleep(): boolean {
    return this.ring.sleep();
  }

  awake(): void {
    this.ring.awake();
  }

  interrupt(): void {
    this.ring.interrupt();
  }

  get pending(): boolean {
    return this.ring.pending;
  }

  /** See RingReader.waitSync. */
  waitSync(timeoutMs: number, spinUs = 0): boolean {
    return this.ring.waitSync(timeoutMs, spinUs);
  }
}
