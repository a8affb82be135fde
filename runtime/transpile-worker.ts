/**
 * Runs jco off the main thread. Transpiling a JS (StarlingMonkey) component takes 1 to 2 s and
 * stalls the event loop for up to ~240 ms at a time when done on the main thread, long enough to
 * delay heartbeats and in-flight requests; in a worker it costs the host nothing but a core.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { jspiPlan } from './glue/jspi-plan.js';
import { worldItems } from './imports.js';
import { UnsupportedComponentError } from './errors.js';
import { asyncRefusal, wasip3Refusal } from './wasip3.js';
import { transformGlue, type GlueReport } from './glue/transform.js';

export interface TranspileOutput {
  files: Record<string, Uint8Array>;
  wit: string;
  /** What the glue transform applied to `<name>.js` (glue/transform.ts). */
  glue: GlueReport;
  /** True when the glue suspends on provider calls (JSPI, glue/jspi-plan.ts). */
  jspi: boolean;
}

type Reply = { ok: true; output: TranspileOutput } | { ok: false; message: string; unsupported?: boolean };

/**
 * Transpiles `bytes` with `--instantiation sync` in a one-off worker thread; with `jspi`, provider
 * imports suspend the guest instead of blocking its worker where the component has any.
 */
export function transpileInWorker(bytes: Uint8Array, name: string, jspi = false): Promise<TranspileOutput> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { bytes, name, jspi } });
    let settled = false;
    worker.once('message', (reply: Reply) => {
      settled = true;
      void worker.terminate();
      if (reply.ok) resolve(reply.output);
      else reject(reply.unsupported ? new UnsupportedComponentError(reply.message) : new Error(reply.message));
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`transpile worker exited with code ${code}`));
    });
  });
}

async function work(): Promise<void> {
  const { bytes, name, jspi } = workerData as { bytes: Uint8Array; name: string; jspi: boolean };
  let reply: Reply;
  try {
    // jco (and the native modules it loads) costs ~33 MB: only this short-lived worker loads it,
    // never the host's main thread.
    const { componentWit, transpile } = await import('@bytecodealliance/jco');
    const wit = await componentWit(bytes);
    // Refused before jco transpiles what it may not even read (component-model async).
    const refusal = wasip3Refusal(worldItems(wit));
    if (refusal) {
      parentPort!.postMessage({ ok: false, message: refusal, unsupported: true } satisfies Reply);
      return;
    }
    const options = { name, instantiation: 'sync' as const, noTypescript: true, quiet: true };
    let { files } = await transpile(bytes, options);
    // The plan is read from the sync output's core modules; they are the same in both modes.
    const cores = Object.entries(files).flatMap(([file, content]) => (file.endsWith('.wasm') ? [content] : []));
    const needsJspi = asyncRefusal(cores);
    if (needsJspi) {
      parentPort!.postMessage({ ok: false, message: needsJspi, unsupported: true } satisfies Reply);
      return;
    }
    const plan = jspi ? jspiPlan(cores, worldItems(wit)) : null;
    if (plan) ({ files } = await transpile(bytes, { ...options, asyncMode: 'jspi', ...plan }));
    const glueName = `${name}.js`;
    const glueFile = files[glueName];
    if (!glueFile) throw new Error(`jco produced no ${glueName}`);
    const { source, report } = transformGlue(Buffer.from(glueFile).toString('utf8'));
    files[glueName] = new TextEncoder().encode(source);
    reply = { ok: true, output: { files, wit, glue: report, jspi: plan !== null } };
  } catch (error) {
    reply = { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(reply);
}

if (!isMainThread && parentPort && (workerData as { bytes?: unknown } | null)?.bytes) void work();
