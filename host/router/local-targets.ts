import type { NatsConnection } from 'nats';
import type { Logger } from '../../lib/logger.js';
import { parseInterfaceName, serveTarget, toOutcome, type CallOutcome, type IncomingCall, type TargetServer } from '../../protocol/mod.js';

/**
 * What a target running in this process does with a call: answer the function's value or throw
 * WitError for the interface's own error. Components (through the runtime) and builtin providers
 * both register one.
 */
export type TargetHandler = (call: IncomingCall) => Promise<unknown> | unknown;

interface Entry {
  handler: TargetHandler;
  server: TargetServer | null;
}

export interface LocalCall {
  target: string;
  interface: string;
  function: string;
  args: unknown[];
  source: string;
  linkName: string;
  deadline: number;
  traceparent?: string;
}

/**
 * An in-process call as its target sees it. The abort signal exists only if the target asks for
 * it: components (most local calls) never do, and a timer per call is measurable on the request
 * path.
 */
class LocalIncomingCall implements IncomingCall {
  readonly target: string;
  readonly interface: string;
  readonly ref: IncomingCall['ref'];
  readonly function: string;
  readonly args: unknown[];
  readonly source: string;
  readonly linkName: string;
  readonly traceparent: string | undefined;
  readonly deadline: number;
  private abort: AbortSignal | undefined;

  constructor(
    readonly lattice: string,
    call: LocalCall,
  ) {
    this.target = call.target;
    this.interface = call.interface;
    this.ref = parseInterfaceName(call.interface);
    this.function = call.function;
    this.args = call.args;
    this.source = call.source;
    this.linkName = call.linkName;
    this.traceparent = call.traceparent;
    this.deadline = call.deadline;
  }

  get signal(): AbortSignal {
    this.abort ??= AbortSignal.timeout(Math.max(0, this.deadline - Date.now()));
    return this.abort;
  }
}

/**
 * Targets that run in this host process. A call from this process goes straight to the handler
 * (no NATS); the same handler is also served on the target's invocation subject, in the target's
 * queue group, so that callers on other hosts reach it and share the load with other hosts that
 * run the same target.
 */
export class LocalTargets {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly lattice: string,
    private readonly log: Logger,
  ) {}

  has(targetId: string): boolean {
    return this.entries.has(targetId);
  }

  /** Registers (or replaces) the handler of `targetId` and serves it on the lattice. */
  async register(targetId: string, handler: TargetHandler, opts: { serveRemote?: boolean } = {}): Promise<void> {
    const existing = this.entries.get(targetId);
    if (existing) {
      existing.handler = handler;
      return;
    }
    const entry: Entry = { handler, server: null };
    this.entries.set(targetId, entry);
    if (opts.serveRemote === false) return;
    try {
      // The wire answer is always a CallOutcome so WIT errors cross hosts as values.
      entry.server = await serveTarget(this.nc, this.lattice, targetId, (call) => toOutcome(() => entry.handler(call)), {
        log: this.log.child({ target: targetId }),
      });
    } catch (error) {
      this.entries.delete(targetId);
      throw error;
    }
  }

  /** Stops serving `targetId`; calls in flight finish first. */
  async unregister(targetId: string): Promise<void> {
    const entry = this.entries.get(targetId);
    if (!entry) return;
    this.entries.delete(targetId);
    await entry.server?.stop();
  }

  /** Calls a local target in-process. The caller checked `has()` first. */
  async call(call: LocalCall): Promise<CallOutcome> {
    const entry = this.entries.get(call.target);
    if (!entry) throw new Error(`target ${call.target} is not running in this host`);
    return toOutcome(() => entry.handler(new LocalIncomingCall(this.lattice, call)));
  }

  /**
   * The first step of a graceful stop: every target stops taking calls from other hosts (NATS
   * routes them to the targets' other instances from now on) and the calls already taken finish,
   * response bodies included. Calls from this process still work until the targets stop.
   */
  async quiesce(): Promise<void> {
    await Promise.all([...this.entries.values()].map((entry) => entry.server?.stop()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((id) => this.unregister(id)));
  }
}
