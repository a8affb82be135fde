/**
 * `wasi:cli/run` components: each runs `run` once in a worker of its own, which the pool never
 * schedules, until `run` returns or the component is scaled to zero or replaced.
 */
import type { Logger } from '../lib/logger.js';
import { workerDied, workerEnded } from './failures.js';
import type { LoadSpec, Outcome } from './invocation.js';
import type { WorkerPool } from './worker-pool.js';
import type { WorkerToMain } from './worker-messages.js';
import { WorkerSlot, type SlotOwner } from './worker-slot.js';

export type ServiceState = 'running' | 'ended' | 'failed';

/**
 * A worker of its own for a long-running service. It owns its slot (the pool's scheduling never
 * sees it) and borrows the pool's shared memories, host calls and log.
 */
export class ServiceWorker implements SlotOwner {
  private readonly slot: WorkerSlot;

  constructor(private readonly pool: WorkerPool) {
    this.slot = new WorkerSlot(this, true);
  }

  get logger(): Logger {
    return this.pool.logger;
  }
  get admissionMemory(): SharedArrayBuffer {
    return this.pool.admissionMemory;
  }
  get handles(): WorkerPool['handles'] {
    return this.pool.handles;
  }
  get bridgeTimeoutMs(): number {
    return this.pool.bridgeTimeoutMs;
  }
  get bridgeSpinUs(): number {
    return this.pool.bridgeSpinUs;
  }
  get guestLogLevel(): number {
    return this.pool.guestLogLevel;
  }
  get hostCalls(): WorkerPool['hostCalls'] {
    return this.pool.hostCalls;
  }

  /** Starts `run`; the promise settles when the service ends on its own. */
  async start(spec: LoadSpec): Promise<Outcome> {
    await this.slot.ready;
    await this.slot.load({ ...spec, spares: 0 });
    return new Promise<Outcome>((resolve, reject) => {
      this.slot.running.set(0, {
        pending: { resolve, reject, timer: undefined, componentId: spec.settings.componentId, deadlineMs: 0, traceparent: undefined },
        suspendedCalls: 0,
        abandoned: false,
      });
      this.slot.post({ type: 'invoke', id: 0, key: spec.key, kind: 'run' });
    });
  }

  async stop(): Promise<void> {
    this.slot.dead = true;
    this.hostCalls.calls.ended(this.slot);
    this.slot.closeChannel();
    await this.slot.worker.terminate();
  }

  get threadId(): number {
    return this.slot.worker.threadId;
  }

  // What its slot reports.

  result(slot: WorkerSlot, id: number, outcome: Outcome): void {
    const inFlight = slot.running.get(id);
    if (!inFlight) return;
    const { pending } = inFlight;
    slot.running.delete(id);
    this.hostCalls.calls.ended(slot);
    pending.resolve(outcome);
  }

  message(slot: WorkerSlot, message: WorkerToMain): void {
    this.pool.message(slot, message);
  }

  gone(slot: WorkerSlot, error: Error): void {
    this.end(slot, error, workerDied);
  }

  wakeLater(): void {
    // `run` is posted, never written to the invocation ring: there is nothing to wake.
  }

  /** Only workers that serve HTTP are retired from outside; a service's is ended all the same. */
  retireSlot(slot: WorkerSlot, reason: Error): void {
    this.end(slot, reason, workerEnded);
    void slot.worker.terminate();
  }

  private end(slot: WorkerSlot, error: Error, why: typeof workerDied): void {
    if (slot.dead) return;
    const current = slot.running.get(0);
    slot.running.clear();
    slot.dead = true;
    this.hostCalls.calls.ended(slot);
    slot.closeChannel();
    slot.failLoads(error);
    if (current) current.pending.reject(why(current.pending, error));
  }
}

/** What the runtime keeps of a service component (components.ts). */
export interface ServiceHolder {
  readonly id: string;
  readonly version: { readonly spec: LoadSpec };
  service: ServiceWorker | undefined;
  serviceState: ServiceState | undefined;
}

/**
 * Stops the component's service if it runs, and starts `run` of its current version in a new
 * worker. `onExit` hears of an end on its own (not by a later restart or stop).
 */
export async function restartService(
  component: ServiceHolder,
  pool: WorkerPool,
  logger: Logger,
  onExit: ((componentId: string, error: string | null) => void) | undefined,
): Promise<void> {
  await component.service?.stop();
  const service = new ServiceWorker(pool);
  component.service = service;
  component.serviceState = 'running';
  service.start(component.version.spec).then(
    (outcome) => {
      if (component.service !== service) return;
      component.serviceState = outcome.ok ? 'ended' : 'failed';
      logger.warn({ component_id: component.id, outcome }, 'service component ended');
      onExit?.(component.id, outcome.ok ? null : outcome.failure.message);
    },
    (error: unknown) => {
      if (component.service !== service) return;
      component.serviceState = 'failed';
      logger.error({ component_id: component.id, err: error }, 'service component failed');
      onExit?.(component.id, error instanceof Error ? error.message : String(error));
    },
  );
}
