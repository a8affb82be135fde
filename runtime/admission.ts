/**
 * `max_instances` for one component: how many of its invocations run at once on this host, and
 * a bounded queue for the rest. The count lives in shared memory (ingress/types.ts) because the
 * runtime's workers admit the requests they serve themselves against the same limit; only this
 * side queues (a worker relays what it cannot admit).
 */
import { BusyError } from './errors.js';
import { ADMISSION_SLOTS, ADMISSION_WORDS, MAX, RUNNING, WAITING } from './ingress/types.js';

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

/** Hands out the admission slots of one shared memory. */
export class AdmissionSlots {
  private next = 0;
  /**
   * Freed slots are reused oldest first, and only when plenty are free: a worker may still be
   * releasing into a slot for a moment after its component stopped.
   */
  private readonly freed: number[] = [];

  constructor(readonly memory: Int32Array) {}

  allocate(): number {
    if (this.next < ADMISSION_SLOTS) return this.next++;
    const slot = this.freed.shift();
    if (slot === undefined) throw new RangeError(`more than ${ADMISSION_SLOTS} components on one host`);
    return slot;
  }

  free(slot: number): void {
    this.memory.fill(0, slot * ADMISSION_WORDS, (slot + 1) * ADMISSION_WORDS);
    this.freed.push(slot);
  }
}

export class Admission {
  private readonly queue: Waiter[] = [];
  private readonly base: number;

  constructor(
    private readonly memory: Int32Array,
    readonly slot: number,
    private readonly componentId: string,
    max: number,
    private queueLimit: number,
  ) {
    this.base = slot * ADMISSION_WORDS;
    Atomics.store(memory, this.base + MAX, max);
  }

  get running(): number {
    return Atomics.load(this.memory, this.base + RUNNING);
  }

  get queued(): number {
    return this.queue.length;
  }

  get max(): number {
    return Atomics.load(this.memory, this.base + MAX);
  }

  /** A new max_instances (queued invocations that now fit start) and queue limit. */
  resize(max: number, queueLimit: number): void {
    Atomics.store(this.memory, this.base + MAX, max);
    this.queueLimit = queueLimit;
    this.wake();
  }

  /** Resolves when the invocation may run; rejects with BusyError when the queue is full too. */
  acquire(): Promise<void> {
    if (Atomics.add(this.memory, this.base + RUNNING, 1) < this.max) return Promise.resolve();
    Atomics.sub(this.memory, this.base + RUNNING, 1);
    if (this.queue.length >= this.queueLimit) return Promise.reject(new BusyError(this.componentId, this.max, this.queueLimit));
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject });
      Atomics.store(this.memory, this.base + WAITING, this.queue.length);
    });
  }

  /** An invocation admitted by `acquire` ended: its place goes to the next waiting one. */
  release(): void {
    if (this.queue.length > 0 && this.running <= this.max) {
      this.handOver();
      return;
    }
    Atomics.sub(this.memory, this.base + RUNNING, 1);
  }

  /** Starts queued invocations that fit (max grew, or a worker freed a place). */
  wake(): void {
    while (this.queue.length > 0) {
      if (Atomics.add(this.memory, this.base + RUNNING, 1) >= this.max) {
        Atomics.sub(this.memory, this.base + RUNNING, 1);
        return;
      }
      this.handOver();
    }
  }

  private handOver(): void {
    const next = this.queue.shift()!;
    Atomics.store(this.memory, this.base + WAITING, this.queue.length);
    next.resolve();
  }

  rejectAll(error: Error): void {
    for (const waiter of this.queue.splice(0)) waiter.reject(error);
    Atomics.store(this.memory, this.base + WAITING, 0);
  }
}
