/**
 * The worker side of the worker ingress (ingress/types.ts): HTTP listeners in this worker, the
 * route tables of the http-server links behind them, and per request the choice between running
 * the route's component right here and relaying the request to the provider's own listener.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { splitAddress } from '../../providers/http-server/config.js';
import { createRouteTable, type RouteTable } from '../../providers/http-server/router.js';
import { statusFor } from '../../providers/http-server/status.js';
import { failureError } from '../failures.js';
import type { HttpRequest, HttpResponse } from '../worker-messages.js';
import {
  ADMISSION_WORDS,
  MAX,
  RUNNING,
  W_FD,
  W_HEAD_SENT,
  W_SLOT,
  W_STATE,
  WAITING,
  WATCH_IDLE,
  WATCH_RUNNING,
  WATCH_TAKEN,
  WORKER_BODY_LIMIT,
  type IngressRoute,
  type IngressSpec,
  type IngressTarget,
  type WorkerStats,
} from '../ingress/types.js';
import type { ResponseSink } from './incoming-http.js';
import type { InstanceManager } from './instances.js';
import { InvocationFailure } from './invocation-failure.js';
import { beginInvocation, type InvocationState } from './invocation-state.js';
import { hasBody, headerPairs, plain, readWhole, sendNow, socketFd, writeWhole } from './ingress-http.js';
import { IngressRelay } from './ingress-relay.js';
import { IngressStats } from './ingress-stats.js';

interface Fronted {
  spec: IngressSpec;
  server: Server;
  table: RouteTable;
  routes: Map<string, IngressRoute>;
  relay: { host: string; port: number };
}

export interface IngressDeps {
  instances: InstanceManager;
  /** Shared with the main thread: per component [running, max, waiting]. */
  admission: Int32Array;
  /** Admissions this worker holds, per component slot (ingress/types.ts, HELD_BYTES). */
  held: Int32Array;
  /** This worker's watch words (ingress/types.ts). */
  watch: Int32Array;
  deadline: Float64Array;
  /** Says a component slot was freed while invocations wait for one on the main thread. */
  released(slot: number): void;
  /** Resets the instance just used once the worker is idle. */
  refillSoon(): void;
  /** Sends what this worker served itself (countFor) to the main thread. */
  report(entries: Array<[string, WorkerStats]>): void;
  /** Asks that the component at `slot` be relayed from now on (it makes outgoing HTTP requests). */
  relayFromNowOn(slot: number): void;
}

export class WorkerIngress {
  private readonly fronted = new Map<string, Fronted>();
  private readonly targets = new Map<string, IngressTarget>();
  private readonly relayer: IngressRelay;
  private readonly stats: IngressStats;
  /** The invocation whose guest the watch words describe now (several are in flight under JSPI). */
  private watching: InvocationState | null = null;

  constructor(private readonly deps: IngressDeps) {
    this.relayer = new IngressRelay(deps.watch);
    this.stats = new IngressStats((entries) => deps.report(entries));
  }

  /** Counts what this worker serves itself per route, reported about once a second. */
  countFor(bounds: number[]): void {
    this.stats.countFor(bounds);
  }

  /** Listens on `spec.address` (on `port` when the first worker chose it); resolves the bound port. */
  async open(spec: IngressSpec, port: number, reusePort: boolean): Promise<number> {
    await this.close(spec.address);
    const { host } = splitAddress(spec.address);
    const fronted: Fronted = {
      spec,
      server: createServer({ keepAlive: true, requestTimeout: 0 }, (req, res) => this.onRequest(fronted, req, res)),
      table: createRouteTable(),
      routes: new Map(),
      relay: splitAddress(spec.relayTo),
    };
    fronted.server.keepAliveTimeout = 5_000;
    this.setRoutes(fronted, spec.routes);
    await new Promise<void>((resolve, reject) => {
      fronted.server.once('error', reject);
      fronted.server.listen({ host, port, ...(reusePort ? { reusePort: true } : {}) }, () => {
        fronted.server.off('error', reject);
        resolve();
      });
    });
    this.fronted.set(spec.address, fronted);
    return (fronted.server.address() as AddressInfo).port;
  }

  routes(address: string, routes: IngressRoute[]): void {
    const fronted = this.fronted.get(address);
    if (fronted) this.setRoutes(fronted, routes);
  }

  private setRoutes(fronted: Fronted, routes: IngressRoute[]): void {
    const table = createRouteTable();
    const byId = new Map<string, IngressRoute>();
    for (const route of routes) {
      // The provider already refused conflicting routes; a refusal here would only be a race.
      if (table.add({ id: route.id, target: route.target, pathPrefix: route.pathPrefix, host: route.host }).ok) byId.set(route.id, route);
    }
    fronted.table = table;
    fronted.routes = byId;
  }

  async close(address: string): Promise<void> {
    const fronted = this.fronted.get(address);
    if (!fronted) return;
    this.fronted.delete(address);
    fronted.server.closeIdleConnections();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => fronted.server.closeAllConnections(), 2_000);
      fronted.server.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  setTargets(targets: Array<[string, IngressTarget | null]>): void {
    for (const [componentId, target] of targets) {
      if (target) this.targets.set(componentId, target);
      else this.targets.delete(componentId);
    }
  }

  private onRequest(fronted: Fronted, req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const match = fronted.table.match(req.headers.host, url);
    const route = match ? fronted.routes.get(match.route.id) : undefined;
    if (!match || !route || !this.servable(route)) return this.relay(fronted, req, res);
    const path = route.stripPrefix ? match.remainder + (url.includes('?') ? url.slice(url.indexOf('?')) : '') : url;
    if (!hasBody(req)) return this.serve(fronted, req, res, route, path, undefined);
    const length = Number(req.headers['content-length']);
    if (req.headers['transfer-encoding'] !== undefined || !Number.isInteger(length) || length > WORKER_BODY_LIMIT || length > route.maxBodyBytes) {
      return this.relay(fronted, req, res);
    }
    readWhole(req, length).then(
      (body) => (this.servable(route) ? this.serve(fronted, req, res, route, path, body) : this.relay(fronted, req, res, body)),
      (error: Error) => res.destroy(error),
    );
  }

  private servable(route: IngressRoute): boolean {
    const target = this.targets.get(route.target);
    return target !== undefined && !target.relayOnly && this.deps.instances.has(target.key);
  }

  /**
   * Runs the route's component here, if it has an instance slot free; relays otherwise. Under
   * JSPI the guest may suspend on a provider call: the watch words are this request's only while
   * its guest runs (the watchdog ends a guest stuck in code, not one that waits), a timer answers
   * 504 if it waits past the deadline, and the response goes out when it has finished.
   */
  private serve(fronted: Fronted, req: IncomingMessage, res: ServerResponse, route: IngressRoute, path: string, body: Uint8Array | undefined): void {
    const target = this.targets.get(route.target)!;
    const { admission, held, watch, deadline } = this.deps;
    const base = target.slot * ADMISSION_WORDS;
    if (Atomics.add(admission, base + RUNNING, 1) >= Atomics.load(admission, base + MAX)) {
      Atomics.sub(admission, base + RUNNING, 1);
      this.announceRelease(target.slot);
      return this.relay(fronted, req, res, body);
    }
    Atomics.add(held, target.slot, 1);
    const request: HttpRequest = { method: req.method ?? 'GET', pathWithQuery: path, scheme: 'http', authority: req.headers.host, headers: headerPairs(req) };
    if (body) request.body = body;
    const sink: ResponseSink = {
      head: (status, headers) => {
        Atomics.store(watch, W_HEAD_SENT, 1);
        const flat: string[] = [];
        for (const [name, value] of headers) if (!['content-length', 'transfer-encoding'].includes(name.toLowerCase())) flat.push(name, value);
        res.writeHead(status, flat);
        res.flushHeaders();
        sendNow(res);
      },
      chunk: (bytes) => {
        res.write(bytes);
        sendNow(res);
      },
    };
    const state = beginInvocation();
    let fd = socketFd(req);
    let deadlineAt = Date.now() + route.timeoutMs;
    const watchThis = (): void => {
      Atomics.store(watch, W_FD, fd);
      Atomics.store(watch, W_HEAD_SENT, state.streamed ? 1 : 0);
      Atomics.store(watch, W_SLOT, target.slot);
      deadline[0] = deadlineAt;
      Atomics.store(watch, W_STATE, WATCH_RUNNING);
      this.watching = state;
    };
    let timer: NodeJS.Timeout | undefined;
    let abandoned = false;
    state.onSuspend = () => {
      if (this.watching === state) {
        Atomics.compareExchange(watch, W_STATE, WATCH_RUNNING, WATCH_IDLE);
        this.watching = null;
      }
      timer ??= setTimeout(() => {
        // Waited past its deadline: answered here; the guest finishes unwatched by the client.
        abandoned = true;
        if (res.headersSent) res.destroy();
        else plain(res, 504, 'component did not answer in time');
      }, deadlineAt - Date.now());
    };
    state.onResume = () => {
      if (abandoned) {
        // Nobody to answer any more; a guest that then runs away is still stopped.
        fd = -1;
        deadlineAt = Date.now() + route.timeoutMs;
      }
      watchThis();
    };
    watchThis();
    const started = this.stats.on ? performance.now() : 0;
    const finish = (response: HttpResponse | null, failure: unknown): void => {
      clearTimeout(timer);
      if (this.stats.on) this.stats.count(route.id, (performance.now() - started) / 1000, response === null || abandoned);
      // The watchdog may have taken the request at its deadline (and answered it): then it ends
      // this worker; nothing more is written here.
      if (Atomics.load(watch, W_STATE) === WATCH_TAKEN) return;
      if (this.watching === state) {
        if (Atomics.compareExchange(watch, W_STATE, WATCH_RUNNING, WATCH_IDLE) !== WATCH_RUNNING) return;
        this.watching = null;
      }
      this.release(target.slot);
      if (state.outgoingHttp) this.deps.relayFromNowOn(target.slot);
      this.deps.refillSoon();
      if (abandoned) return;
      this.answer(res, route, state.streamed, response, failure);
    };
    let answer: HttpResponse | Promise<HttpResponse>;
    try {
      answer = this.deps.instances.http(target.key, request, { sink }, state);
    } catch (error) {
      return finish(null, error);
    }
    if (answer instanceof Promise)
      answer.then(
        (response) => finish(response, null),
        (error: unknown) => finish(null, error),
      );
    else finish(answer, null);
  }

  private answer(res: ServerResponse, route: IngressRoute, streamed: boolean, response: HttpResponse | null, failure: unknown): void {
    if (response) {
      if (streamed) res.end();
      else writeWhole(res, response);
      return;
    }
    if (streamed) {
      res.destroy();
      return;
    }
    const why = failure instanceof InvocationFailure ? failure.failure : { kind: 'trap' as const, message: String(failure) };
    const { status, message } = statusFor(failureError(route.target, 'wasi:http/incoming-handler', 'handle', why));
    plain(res, status, message);
  }

  private release(slot: number): void {
    Atomics.sub(this.deps.admission, slot * ADMISSION_WORDS + RUNNING, 1);
    Atomics.sub(this.deps.held, slot, 1);
    this.announceRelease(slot);
  }

  private announceRelease(slot: number): void {
    if (Atomics.load(this.deps.admission, slot * ADMISSION_WORDS + WAITING) > 0) this.deps.released(slot);
  }

  /** Hands the request to the provider's own listener and relays its answer. */
  private relay(fronted: Fronted, req: IncomingMessage, res: ServerResponse, body?: Uint8Array): void {
    this.relayer.relay(fronted.relay, req, res, body);
  }

  async stop(): Promise<void> {
    this.stats.stop();
    await Promise.all([...this.fronted.keys()].map((address) => this.close(address)));
    this.relayer.stop();
  }
}
