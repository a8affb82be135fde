/**
 * The main-thread side of the worker ingress (types.ts): which workers listen on which public
 * addresses, what they may serve, and the watchdog that ends a request a worker serves when it
 * passes its deadline.
 *
 * Where the kernel can spread one port over several listeners (SO_REUSEPORT: Linux, Node 22.12
 * and later) every pool worker listens and connections are balanced between them. Elsewhere (Node
 * 20) one worker listens for each address, and the others serve what reaches them by the rings.
 */
import { writeSync } from 'node:fs';
import type { Logger } from '../../lib/logger.js';
import { InvocationTimeoutError } from '../errors.js';
import type { MainToWorker, WorkerToMain } from '../worker-messages.js';
import {
  ADMISSION_WORDS,
  RUNNING,
  W_FD,
  W_HEAD_SENT,
  W_SLOT,
  W_STATE,
  WATCH_RUNNING,
  WATCH_TAKEN,
  type IngressRoute,
  type IngressSpec,
  type IngressTarget,
  type WorkerStats,
} from './types.js';

/** What the controller needs of a pool worker. */
export interface IngressWorker {
  post(message: MainToWorker): void;
  readonly watch: Int32Array;
  readonly deadline: Float64Array;
  /** Admissions its ingress holds, per component slot (ingress/types.ts, HELD_BYTES). */
  readonly held: Int32Array;
  /** Ends the worker (a replacement starts) because `reason`. */
  retire(reason: Error): void;
}

/** Linux with Node 22.12+ / 23.1+: `listen({ reusePort })` lets every worker share a port. */
export function reusePortSupported(): boolean {
  if (process.platform !== 'linux') return false;
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 12);
}

/** How often the watchdog looks at the workers' deadlines (the resolution of a deadline). */
const WATCH_INTERVAL_MS = 20;
/** A replaced worker's socket closes within milliseconds of its termination. */
const TAKEOVER_ATTEMPTS = 40;
const TAKEOVER_RETRY_MS = 25;

interface Pending {
  resolve(message: WorkerToMain): void;
}

export class IngressController {
  private readonly specs = new Map<string, { spec: IngressSpec; port: number }>();
  /** The workers listening on each address. */
  private readonly listening = new Map<string, Set<IngressWorker>>();
  private readonly targets = new Map<string, IngressTarget>();
  private readonly workers = new Set<IngressWorker>();
  /** Without reusePort: the one worker that listens. */
  private primary: IngressWorker | null = null;
  private readonly replies = new Map<IngressWorker, Map<string, Pending[]>>();
  private watchdog: NodeJS.Timeout | undefined;
  readonly sharedPort = reusePortSupported();
  private paused = false;
  private statsSink: ((route: IngressRoute, stats: WorkerStats) => void) | null = null;
  private statsBounds: readonly number[] | null = null;

  constructor(
    private readonly admission: Int32Array,
    private readonly logger: Logger,
    /** Starts the pool's workers if none run yet (an address can be fronted before any component). */
    private readonly ensureWorkers: () => Promise<void>,
  ) {}

  /** Listens on `spec.address` in the workers; resolves the bound port (useful for port 0). */
  async open(spec: IngressSpec): Promise<number> {
    await this.ensureWorkers();
    const requested = Number(spec.address.slice(spec.address.lastIndexOf(':') + 1));
    const serving = this.serving();
    if (serving.length === 0) throw new Error('no runtime worker is available to listen');
    const first = serving[0]!;
    const port = await this.openOn(first, spec, requested);
    this.specs.set(spec.address, { spec, port });
    try {
      // Workers that became ready while the first opened found no address to take over: they
      // listen now with the others (from here on `attach` gives it to the ones still to come).
      await Promise.all(
        this.serving()
          .filter((worker) => worker !== first)
          .map((worker) => this.openOn(worker, spec, port)),
      );
    } catch (error) {
      await this.close(spec.address);
      throw error;
    }
    this.watch();
    return port;
  }

  routes(address: string, routes: IngressRoute[]): void {
    const entry = this.specs.get(address);
    if (!entry) return;
    entry.spec = { ...entry.spec, routes };
    for (const worker of this.serving()) worker.post({ type: 'ingress-routes', address, routes });
  }

  /** How many workers listen on `address` now (all of them with a shared port, else one). */
  listeners(address: string): number {
    return this.listening.get(address)?.size ?? 0;
  }

  async close(address: string): Promise<void> {
    this.listening.delete(address);
    if (!this.specs.delete(address)) return;
    await Promise.all(this.serving().map((worker) => this.request(worker, { type: 'ingress-close', address }, 'ingress-closed', address)));
    if (this.specs.size === 0) this.unwatch();
  }

  /** A component the workers may serve routes of (null: not any more). */
  setTarget(componentId: string, target: IngressTarget | null): void {
    if (target) this.targets.set(componentId, target);
    else this.targets.delete(componentId);
    for (const worker of this.workers) worker.post({ type: 'ingress-targets', targets: [[componentId, this.shown(target)]] });
  }

  /**
   * While paused (someone spies on calls, which the workers' own requests would bypass) every
   * request is relayed to the provider's listener.
   */
  pause(paused: boolean): void {
    if (this.paused === paused) return;
    this.paused = paused;
    const targets = [...this.targets].map(([id, t]) => [id, this.shown(t)] as [string, IngressTarget | null]);
    for (const worker of this.workers) worker.post({ type: 'ingress-targets', targets });
  }

  private shown(target: IngressTarget | null): IngressTarget | null {
    return target && this.paused ? { ...target, relayOnly: true } : target;
  }

  /**
   * Counts of what the workers serve themselves go to `sink` (per route, about once a second),
   * so that the host's metrics include them; off until called.
   */
  reportTo(sink: (route: IngressRoute, stats: WorkerStats) => void, bounds: readonly number[]): void {
    this.statsSink = sink;
    this.statsBounds = bounds;
    for (const worker of this.workers) worker.post({ type: 'ingress-metrics', bounds: [...bounds] });
  }

  /** A pool worker became ready: it gets the targets and, if it is to listen, the addresses. */
  attach(worker: IngressWorker): void {
    this.workers.add(worker);
    worker.post({ type: 'ingress-targets', targets: [...this.targets].map(([id, t]) => [id, this.shown(t)] as [string, IngressTarget | null]) });
    if (this.statsBounds) worker.post({ type: 'ingress-metrics', bounds: [...this.statsBounds] });
    if (!this.sharedPort) {
      if (this.primary) return;
      this.primary = worker;
    }
    for (const { spec, port } of this.specs.values()) {
      this.takeOver(worker, spec, port).catch((error: unknown) =>
        this.logger.error({ err: error, address: spec.address }, 'a new runtime worker could not listen; its share of connections goes to the others'),
      );
    }
  }

  detach(worker: IngressWorker): void {
    this.workers.delete(worker);
    for (const workers of this.listening.values()) workers.delete(worker);
    for (const pending of this.replies.get(worker)?.values() ?? [])
      for (const p of pending) p.resolve({ type: 'ingress-opened', address: '', error: 'the worker ended' });
    this.replies.delete(worker);
    if (this.primary !== worker) return;
    // Without a shared port the next worker takes the listeners over.
    this.primary = null;
    const next = this.workers.values().next().value;
    if (next) {
      this.workers.delete(next);
      this.attach(next);
    }
  }

  onMessage(worker: IngressWorker, message: WorkerToMain): void {
    if (message.type === 'ingress-relay') {
      // It made an outgoing HTTP request: it may call this host's own listener, which a worker
      // blocked in its invocation could not accept.
      const componentId = this.componentAt(message.slot);
      const target = componentId ? this.targets.get(componentId) : undefined;
      if (componentId && target && !target.relayOnly) {
        this.logger.info({ component_id: componentId }, 'component makes outgoing HTTP requests: its requests are relayed to the runtime pool from now on');
        this.setTarget(componentId, { ...target, relayOnly: true });
      }
      return;
    }
    if (message.type === 'ingress-stats') {
      for (const [routeId, stats] of message.entries) {
        const route = this.routeById(routeId);
        if (route) this.statsSink?.(route, stats);
      }
      return;
    }
    if (message.type !== 'ingress-opened' && message.type !== 'ingress-closed') return;
    const waiting = this.replies.get(worker)?.get(`${message.type}:${message.address}`);
    waiting?.shift()?.resolve(message);
  }

  private routeById(id: string): IngressRoute | undefined {
    for (const { spec } of this.specs.values()) for (const route of spec.routes) if (route.id === id) return route;
    return undefined;
  }

  private componentAt(slot: number): string | undefined {
    for (const [id, target] of this.targets) if (target.slot === slot) return id;
    return undefined;
  }

  private serving(): IngressWorker[] {
    if (this.sharedPort) return [...this.workers];
    return this.primary ? [this.primary] : [];
  }

  /**
   * Listens on an address another worker listened on: without a shared port that worker may not
   * have let go of the socket yet (it is being ended), so an address in use is tried again.
   */
  private async takeOver(worker: IngressWorker, spec: IngressSpec, port: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.openOn(worker, spec, port);
        return;
      } catch (error) {
        if (attempt >= TAKEOVER_ATTEMPTS || !/EADDRINUSE/.test((error as Error).message) || !this.workers.has(worker)) throw error;
        await new Promise((resolve) => setTimeout(resolve, TAKEOVER_RETRY_MS));
      }
    }
  }

  private async openOn(worker: IngressWorker, spec: IngressSpec, port: number): Promise<number> {
    const reply = await this.request(worker, { type: 'ingress-open', spec, port, reusePort: this.sharedPort }, 'ingress-opened', spec.address);
    if (reply.type !== 'ingress-opened' || reply.error !== undefined || reply.port === undefined) {
      throw new Error(`cannot listen on ${spec.address}: ${reply.type === 'ingress-opened' ? reply.error : 'no answer'}`);
    }
    if (this.workers.has(worker)) {
      let workers = this.listening.get(spec.address);
      if (!workers) this.listening.set(spec.address, (workers = new Set()));
      workers.add(worker);
    }
    return reply.port;
  }

  private request(worker: IngressWorker, message: MainToWorker, replyType: string, address: string): Promise<WorkerToMain> {
    return new Promise((resolve) => {
      let byKey = this.replies.get(worker);
      if (!byKey) this.replies.set(worker, (byKey = new Map()));
      const key = `${replyType}:${address}`;
      const list = byKey.get(key) ?? [];
      list.push({ resolve });
      byKey.set(key, list);
      worker.post(message);
    });
  }

  /** The pool stops (its workers end, and their listeners with them). */
  stop(): void {
    this.unwatch();
    this.specs.clear();
    this.workers.clear();
    this.primary = null;
  }

  private watch(): void {
    this.watchdog ??= setInterval(() => this.check(), WATCH_INTERVAL_MS);
    this.watchdog.unref();
  }

  private unwatch(): void {
    clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  /**
   * A worker stuck in guest code past a request's deadline cannot answer: answer 504 on its
   * socket from here (the descriptor is the process's), then end the worker, as the pool does
   * for any invocation past its deadline. Its component is relayed from now on, so a second
   * runaway costs only its own invocation.
   */
  private check(): void {
    const now = Date.now();
    for (const worker of this.workers) {
      const { watch, deadline } = worker;
      if (Atomics.load(watch, W_STATE) !== WATCH_RUNNING || now <= deadline[0]!) continue;
      if (Atomics.compareExchange(watch, W_STATE, WATCH_RUNNING, WATCH_TAKEN) !== WATCH_RUNNING) continue;
      const slot = Atomics.load(watch, W_SLOT);
      const componentId = this.componentAt(slot) ?? 'unknown';
      if (Atomics.load(watch, W_HEAD_SENT) === 0) answerTimeout(Atomics.load(watch, W_FD));
      Atomics.sub(this.admission, slot * ADMISSION_WORDS + RUNNING, 1);
      Atomics.sub(worker.held, slot, 1);
      const target = this.targets.get(componentId);
      if (target) this.setTarget(componentId, { ...target, relayOnly: true });
      this.logger.warn(
        { component_id: componentId },
        'a request served in a runtime worker passed its deadline: the worker is replaced and the component relayed from now on',
      );
      worker.retire(new InvocationTimeoutError(componentId, Math.round(now - deadline[0]!)));
    }
  }
}

const TIMEOUT_BODY = 'component did not answer in time\n';
const TIMEOUT_RESPONSE = `HTTP/1.1 504 Gateway Timeout\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${TIMEOUT_BODY.length}\r\nconnection: close\r\n\r\n${TIMEOUT_BODY}`;

function answerTimeout(fd: number): void {
  if (fd < 0) return;
  try {
    writeSync(fd, TIMEOUT_RESPONSE);
  } catch {
    // The client went away, or the socket's buffer is full: the connection closes with the worker.
  }
}
