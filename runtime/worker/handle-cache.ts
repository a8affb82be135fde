/**
 * The worker's copy of the host's handle cache (host/router/handle-cache.ts): a component that
 * opens its bucket or container on every invocation gets the handle the host already holds
 * without a host call, so a keyvalue increment costs one round trip to the main thread, not two.
 * A host call is a thread wake-up each way (~49 us here, docs/performance.md "Transport"), and a
 * guest blocked on it holds its worker.
 *
 * Only answers the host gave are kept: the first `open` of each (component, link, interface,
 * identifier) still goes to the host, which opens the handle and keeps it. The host owns the
 * handles: whenever it lets one go (the component stopped, links changed, too many open, the
 * provider forgot it) it bumps a shared epoch, and every worker drops its copies before its next
 * look-up. While someone spies on calls every `open` is a host call again, so `lattice spy` sees
 * each one. Off unless the host turns it on: a bare runtime's import handler may not keep handles.
 */
import { HANDLE_OPENERS } from '../handle-openers.js';
import { isResourceRef, type ResourceRef } from '../worker-messages.js';

/** Int32 words of the shared control memory. */
const EPOCH = 0;
/** 1 once the host's import handler keeps handles (a bare runtime's handler may not). */
const ENABLED = 1;
/** 1 while someone spies on calls. */
const SPYING = 2;
const WORDS = 3;

export function createHandleControl(): SharedArrayBuffer {
  return new SharedArrayBuffer(WORDS * Int32Array.BYTES_PER_ELEMENT);
}

/** The main thread's side: tells the workers what changed. */
export class HandleControl {
  private readonly words: Int32Array;

  constructor(readonly memory: SharedArrayBuffer) {
    this.words = new Int32Array(memory);
  }

  /** The import handler keeps handles open across invocations (the host's link router does). */
  enable(): void {
    Atomics.store(this.words, ENABLED, 1);
  }

  /** The host let handles go: workers forget every copy. */
  invalidate(): void {
    Atomics.add(this.words, EPOCH, 1);
  }

  /** While true, every open is a host call (someone watches the calls). */
  spying(on: boolean): void {
    Atomics.store(this.words, SPYING, on ? 1 : 0);
    this.invalidate();
  }
}

type Call = (fn: string, args: unknown[]) => unknown;

export class WorkerHandleCache {
  private words: Int32Array | null = null;
  private epoch = 0;
  private readonly refs = new Map<string, ResourceRef>();

  attach(memory: SharedArrayBuffer): void {
    this.words = new Int32Array(memory);
  }

  /**
   * A host call of `componentId` through `versioned` (link `linkName`), answered from the cache
   * when it opens a handle the host already holds.
   */
  call(componentId: string, versioned: string, linkName: string, fn: string, args: unknown[], send: Call): unknown {
    const words = this.words;
    const at = versioned.indexOf('@');
    const opener = HANDLE_OPENERS[at < 0 ? versioned : versioned.slice(0, at)]?.fn;
    if (!words || opener !== fn || typeof args[0] !== 'string' || Atomics.load(words, ENABLED) === 0 || Atomics.load(words, SPYING) !== 0) {
      return send(fn, args);
    }
    const epoch = Atomics.load(words, EPOCH);
    if (epoch !== this.epoch) {
      this.refs.clear();
      this.epoch = epoch;
    }
    const key = `${componentId}\0${linkName}\0${versioned}\0${args[0]}`;
    const held = this.refs.get(key);
    if (held) return { ...held };
    const keep = (answer: unknown): unknown => {
      // Kept only if nothing was let go meanwhile (the answer might be a handle just released).
      if (isResourceRef(answer) && Atomics.load(words, EPOCH) === epoch) this.refs.set(key, { ...answer });
      return answer;
    };
    const answer = send(fn, args);
    // A suspending call (JSPI) answers with a promise.
    return answer instanceof Promise ? answer.then(keep) : keep(answer);
  }
}

/** The worker's one cache, shared by every invocation it runs. */
export const workerHandles = new WorkerHandleCache();
