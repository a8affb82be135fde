/**
 * Worker thread entry: receives component versions and invocations from the runtime, runs one
 * invocation at a time (guest code is synchronous), and blocks on the bridge for host calls.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { Wasm } from '../wasm-api.js';
import type { MainToWorker, WorkerToMain } from '../worker-messages.js';
import { BridgeClient } from './bridge-client.js';
import { InstanceManager, InvocationFailure } from './instances.js';

// Node 20 has no JSPI; the glue probes WebAssembly.promising several times per instantiation,
// each failure costing ~9 ms (design.md fact 1). The identity function keeps sync behaviour.
Wasm.promising ??= (f) => f;

export interface WorkerInit {
  control: SharedArrayBuffer;
  replyPort: MessagePort;
  bridgeTimeoutMs: number;
  bridgeSpinUs: number;
}

const init = workerData as WorkerInit;
const port = parentPort!;
const post = (message: WorkerToMain): void => port.postMessage(message);
const bridge = new BridgeClient(init.control, init.replyPort, post, init.bridgeTimeoutMs, init.bridgeSpinUs);
const instances = new InstanceManager(bridge, (componentId, stream, line) => post({ type: 'log', componentId, stream, line }), post);

port.on('message', (message: MainToWorker) => {
  void handle(message);
});
post({ type: 'ready' });

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
    case 'invoke': {
      try {
        const value =
          message.kind === 'call'
            ? instances.call(message.key, message.iface, message.fn, message.args)
            : message.kind === 'http'
              ? instances.http(message.key, message.request, message.stream)
              : instances.runService(message.key);
        post({ type: 'result', id: message.id, ok: true, value });
      } catch (error) {
        const failure =
          error instanceof InvocationFailure ? error.failure : { kind: 'trap' as const, message: error instanceof Error ? error.message : String(error) };
        try {
          post({ type: 'result', id: message.id, ok: false, failure });
        } catch (cloneError) {
          // A payload that cannot cross threads (functions, host objects) must not kill the worker.
          post({ type: 'result', id: message.id, ok: false, failure: { kind: 'trap', message: `${failure.message} (error value not transferable: ${String(cloneError)})` } });
        }
      }
      // Replace the instance just used while the worker would otherwise be idle.
      setImmediate(() => {
        try {
          instances.refill();
        } catch {
          // A failing pre-instantiation shows up again, with its error, on the next invocation.
        }
      });
      return;
    }
  }
}
