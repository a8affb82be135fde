/**
 * Host calls: the contract of the import handler, and the serving of the calls the pool's
 * workers make (who answers one, and what else hears of it).
 */
import type { Logger } from '../lib/logger.js';
import { WitError } from './errors.js';
import type { HostCall, HostDrop, Pending } from './invocation.js';
import type { HostCallReply, WorkerToMain } from './worker-messages.js';

/**
 * Serves an import the runtime does not implement itself. `iface` is the versioned interface
 * name the component imports (`wasi:keyvalue/store@0.2.0-draft`, `lattice:fixtures/upstream@0.1.0`);
 * `fn` is the WIT function name (`get`, `[method]bucket.get`, `[static]bucket.open`,
 * `[constructor]bucket`, `[resource-drop]bucket`). Resolve with the WIT value; reject with
 * `WitError(payload)` to make a `result` import return `err(payload)`. Any other rejection traps
 * the invocation. Resources are returned as `{ $resource: 'bucket', id }` and come back as the
 * first argument of their methods.
 *
 * @example
 *   const importHandler: ImportHandler = async (componentId, iface, fn, args) => {
 *     if (iface.startsWith('wasi:keyvalue/store') && fn === 'open') return { $resource: 'bucket', id: 1 };
 *     throw new WitError({ tag: 'other', val: `no ${iface}#${fn}` });
 *   };
 */
export type ImportHandler = (componentId: string, iface: string, fn: string, args: unknown[], context?: HostCallContext) => Promise<unknown>;

/** What the guest said about the call besides its arguments. */
export interface HostCallContext {
  /** The link name the guest selected for this interface (`wasmcloud:bus/lattice.set-link-name`), else `default`. */
  linkName: string;
  /** The trace context of the invocation making the call, when it is traced. */
  traceparent?: string;
}

export const noImportHandler: ImportHandler = async (_componentId, iface, fn) => {
  throw new Error(`no import handler is configured for ${iface}#${fn}`);
};

/** Runs the handler and shapes its outcome as the bridge reply. */
export async function serveHostCall(
  handler: ImportHandler,
  logger: Logger,
  seq: number,
  componentId: string,
  iface: string,
  fn: string,
  args: unknown[],
  linkName = 'default',
  traceparent?: string,
): Promise<HostCallReply> {
  try {
    return { seq, ok: true, value: await handler(componentId, iface, fn, args, { linkName, traceparent }) };
  } catch (error) {
    if (error instanceof WitError) return { seq, ok: false, witError: true, payload: error.payload };
    logger.warn({ component_id: componentId, iface, fn, err: error }, 'host call failed; the invocation traps');
    return { seq, ok: false, witError: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Who serves a host call, and what hears of the host traffic of an invocation. The pool knows
 * only this; the runtime gives it the HTTP body routing (http-bodies.ts), which wraps the import
 * handler with the runtime's own body calls.
 */
export interface HostCalls {
  /** Serves what is not the runtime's own, and every resource drop. */
  readonly importHandler: ImportHandler;
  handlerFor(iface: string): ImportHandler;
  /** A worker message that is not the pool's (the HTTP response head and body chunks). */
  message(message: WorkerToMain): void;
  /** A call of an invocation running on `slot` was answered. */
  answered(slot: CallingSlot, call: HostCall, reply: HostCallReply): void;
  /**
   * Invocation `invocation` on `slot` ended, or (without it) the worker did: what it started on
   * the host ends too.
   */
  ended(slot: CallingSlot, invocation?: number): void;
}

/** The side of a worker slot that makes host calls (worker-slot.ts). */
export interface CallingSlot {
  /** Host calls the guest is blocked on: the worker uses no CPU meanwhile. */
  hostCallsInFlight: number;
  readonly dead: boolean;
  /** The pool's invocations on it, by id (worker-slot.ts). */
  readonly running: ReadonlyMap<number, { pending: Pending; suspendedCalls: number }>;
  answer(reply: HostCallReply): void;
}

/** Serves the host calls and drops the pool's workers report. */
export class HostCallServer {
  constructor(
    readonly calls: HostCalls,
    private readonly logger: Logger,
    /** Told when a worker blocks on a call: it may start another worker (WorkerPool.onBlocked). */
    private readonly pool: { onBlocked(): void },
  ) {}

  serve(slot: CallingSlot, call: HostCall): void {
    const caller = slot.running.get(call.invocation);
    // Counted before the pool hears of it: a worker whose invocations all wait may take another.
    if (caller && call.suspends) caller.suspendedCalls++;
    slot.hostCallsInFlight++;
    this.pool.onBlocked();
    void serveHostCall(
      this.calls.handlerFor(call.iface),
      this.logger,
      call.seq,
      call.componentId,
      call.iface,
      call.fn,
      call.args,
      call.linkName,
      caller?.pending.traceparent,
    ).then((reply) => {
      slot.hostCallsInFlight--;
      if (caller && call.suspends) caller.suspendedCalls--;
      this.calls.answered(slot, call, reply);
      if (slot.dead) {
        this.calls.ended(slot);
        return;
      }
      slot.answer(reply);
    });
  }

  /** A notification (a resource drop, a log line): served, never answered. */
  drop(slot: CallingSlot, drop: HostDrop): void {
    this.calls
      .importHandler(drop.componentId, drop.iface, drop.fn, drop.args, {
        linkName: drop.linkName,
        traceparent: slot.running.get(drop.invocation)?.pending.traceparent,
      })
      .catch((error: unknown) => this.logger.debug({ component_id: drop.componentId, iface: drop.iface, fn: drop.fn, err: error }, 'host notification failed'));
  }
}
