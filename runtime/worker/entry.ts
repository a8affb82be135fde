/**
 * Worker thread entry: receives component versions (postMessage) and invocations (the invocation
 * ring, or postMessage when one does not fit) and runs them. Guest code is synchronous: a host
 * call blocks the worker, except under JSPI, where a guest waiting on a provider is suspended and
 * its result is sent when it has finished.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { Wasm } from '../wasm-api.js';
import type { MainToWorker, WorkerToMain } from '../worker-messages.js';
import { RecordKind, RecordReader, RecordWriter, type ChannelMemory } from '../channel/records.js';
import { BridgeClient } from './bridge-client.js';
import { InstanceManager, type Answer } from './instances.js';
import { InvocationFailure } from './invocation-failure.js';
import { beginInvocation, invocation, publishSuspendHook, type InvocationState } from './invocation-state.js';
import type { WorkerIngress } from './ingress.js';
import { WATCH_DEADLINE_OFFSET } from '../ingress/types.js';
import { workerHandles } from './handle-cache.js';

// Node 20 has no JSPI; the glue probes WebAssembly.promising several times per instantiation,
// each failure costing ~9 ms (docs/architecture.md, fact 1). The identity function
// keeps sync behaviour.
Wasm.promising ??= (f) => f;
publishSuspendHook();

export interface WorkerInit {
  replyPort: MessagePort;
  channel: ChannelMemory;
  /** Admission counters shared by the pool (ingress/types.ts). */
  admission: SharedArrayBuffer;
  /** This worker's watch words (ingress/types.ts). */
  watch: SharedArrayBuffer;
  /** The admissions this worker's ingress holds (ingress/types.ts, HELD_BYTES). */
  held: SharedArrayBuffer;
  /** The handle cache's control words, shared by the pool (worker/handle-cache.ts). */
  handles: SharedArrayBuffer;
  bridgeTimeoutMs: number;
  bridgeSpinUs: number;
  /** wasi:logging lines below this pino level value are dropped in the worker (RuntimeOptions.guestLogLevel). */
  guestLogLevel: number;
}

type Invoke = Extract<MainToWorker, { type: 'invoke' }>;
type Result = Extract<WorkerToMain, { type: 'result' }>;

const init = workerData as WorkerInit;
workerHandles.attach(init.handles);
const port = parentPort!;
const post = (message: WorkerToMain): void => port.postMessage(message);
const invocations = new RecordReader(init.channel.toWorker);
const WAKE: WorkerToMain = { type: 'wake' };
/** Results and host calls: one producer (this thread) for the ring to the main thread. */
const results = new RecordWriter(init.channel.toMain, () => post(WAKE));
const bridge = new BridgeClient(results, new RecordReader(init.channel.replies), init.replyPort, post, init.bridgeTimeoutMs, init.bridgeSpinUs);
const instances = new InstanceManager(
  bridge,
  (componentId, stream, line) => post({ type: 'log', componentId, stream, line, invocation: invocation.current.id }),
  post,
  init.guestLogLevel,
);

/** Invocations whose guest is suspended (JSPI) or still running its async task (WASIp3). */
let unfinished = 0;

port.on('message', (message: MainToWorker) => {
  void handle(message);
});
post({ type: 'ready' });
pump();

/**
 * Runs every invocation waiting in the ring, then sleeps in the event loop until the main thread
 * posts `wake` (it does so only when this worker announced its sleep).
 */
function pump(): void {
  do {
    for (let record = invocations.next(); record; record = invocations.next()) {
      if (record.kind === RecordKind.Invoke) respond({ ...(record.message as object), id: record.id } as Invoke, true);
    }
    // One wake-up of the main thread for the whole batch: waking a thread costs more than a result.
    results.wake();
    // A suspended guest resumes from this thread's event loop: instantiating spares now would
    // come first (a WASIp3 handler waited 2-3 ms per request on it). The last one to finish refills.
    if (unfinished === 0) refill();
  } while (!invocations.sleep());
}

async function handle(message: MainToWorker): Promise<void> {
  switch (message.type) {
    case 'load':
      try {
        await instances.load(message.key, message.gluePath, message.modules, message.settings, message.spares);
        post({ type: 'loaded', key: message.key });
      } catch (error) {
        post({ type: 'loaded', key: message.key, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      }
      return;
    case 'unload':
      instances.unload(message.key);
      return;
    case 'wake':
      invocations.awake();
      pump();
      return;
    case 'ingress-open':
      try {
        const port = await (await ingress()).open(message.spec, message.port, message.reusePort);
        post({ type: 'ingress-opened', address: message.spec.address, port });
      } catch (error) {
        post({ type: 'ingress-opened', address: message.spec.address, error: error instanceof Error ? error.message : String(error) });
      }
      return;
    case 'ingress-routes':
      (await ingress()).routes(message.address, message.routes);
      return;
    case 'ingress-close':
      await (await ingress()).close(message.address);
      post({ type: 'ingress-closed', address: message.address });
      return;
    case 'ingress-targets':
      (await ingress()).setTargets(message.targets);
      return;
    case 'ingress-metrics':
      (await ingress()).countFor(message.bounds);
      return;
    case 'invoke':
      respond(message, false);
      // Replace or reset the instance just used while the worker would otherwise be idle.
      refillSoon();
      return;
  }
}

/** Runs an invocation and sends its result, now or when its suspended guest has finished. */
function respond(message: Invoke, ringAllowed: boolean): void {
  const state = beginInvocation(message.id);
  const result = run(message, state);
  if (!(result instanceof Promise)) {
    deliver(result, ringAllowed && !state.streamed, true);
    return;
  }
  unfinished++;
  void result.then((late) => {
    unfinished--;
    deliver(late, !state.streamed, false);
    if (unfinished === 0) refillSoon();
  });
}

function run(message: Invoke, state: InvocationState): Answer<Result> {
  let answer: Answer<unknown>;
  try {
    answer =
      message.kind === 'call'
        ? instances.call(message.key, message.iface, message.fn, message.args, state)
        : message.kind === 'http'
          ? instances.http(
              message.key,
              message.request,
              {
                bodyStream: message.stream?.bodyStream,
                sink: message.stream?.responseStream === undefined ? undefined : instances.postingSink(message.key, message.stream.responseStream),
              },
              state,
            )
          : instances.runService(message.key, state);
  } catch (error) {
    return failed(message.id, error);
  }
  if (answer instanceof Promise) {
    return answer.then(
      (value): Result => ({ type: 'result', id: message.id, ok: true, value }),
      (error: unknown) => failed(message.id, error),
    );
  }
  return { type: 'result', id: message.id, ok: true, value: answer };
}

function failed(id: number, error: unknown): Result {
  const failure =
    error instanceof InvocationFailure ? error.failure : { kind: 'trap' as const, message: error instanceof Error ? error.message : String(error) };
  return { type: 'result', id, ok: false, failure };
}

/**
 * Sends a result by the ring when it can (`quiet`: the wake-up of the main thread comes once for
 * the batch); by postMessage when it does not fit, cannot be encoded there, or must follow the
 * streamed response chunks already posted on that channel.
 */
function deliver(result: Result, ringAllowed: boolean, quiet: boolean): void {
  const { type: _type, id, ...rest } = result;
  if (ringAllowed && results.tryWrite(RecordKind.Result, id, rest, quiet)) return;
  try {
    post(result);
  } catch (cloneError) {
    // A payload that cannot cross threads (functions, host objects) must not kill the worker.
    const message = result.ok ? 'the result' : result.failure.message;
    post({ type: 'result', id, ok: false, failure: { kind: 'trap', message: `${message} is not transferable: ${String(cloneError)}` } });
  }
}

let ingressModule: Promise<WorkerIngress> | undefined;

/** The HTTP listeners of this worker, loaded with the first one (most workers never listen). */
function ingress(): Promise<WorkerIngress> {
  ingressModule ??= import('./ingress.js').then(
    ({ WorkerIngress }) =>
      new WorkerIngress({
        instances,
        admission: new Int32Array(init.admission),
        watch: new Int32Array(init.watch, 0, 6),
        held: new Int32Array(init.held),
        deadline: new Float64Array(init.watch, WATCH_DEADLINE_OFFSET, 1),
        released: (slot) => post({ type: 'released', slot }),
        refillSoon,
        report: (entries) => post({ type: 'ingress-stats', entries }),
        relayFromNowOn: (slot) => post({ type: 'ingress-relay', slot }),
      }),
  );
  return ingressModule;
}

let refillScheduled = false;

/** Resets the instances used since the last time once the worker has nothing else to do. */
function refillSoon(): void {
  if (refillScheduled) return;
  refillScheduled = true;
  setImmediate(() => {
    refillScheduled = false;
    if (unfinished === 0) refill();
  });
}

function refill(): void {
  try {
    instances.refill();
  } catch {
    // A failing pre-instantiation shows up again, with its error, on the next invocation.
  }
}
