import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { pino, type Logger } from 'pino';
import { buildFixtures } from '../../components/tools/wat.js';
import { ComponentRuntime, type RuntimeOptions } from '../../runtime/mod.js';

let fixturesDir: Promise<string> | undefined;

/** Builds the WAT fixtures once per process (skipped when the sources did not change). */
export function fixtures(): Promise<string> {
  fixturesDir ??= buildFixtures();
  return fixturesDir;
}

/** `file://` URL of a built fixture. */
export async function fixture(name: string): Promise<string> {
  return pathToFileURL(join(await fixtures(), `${name}.wasm`)).href;
}

export interface LogRecord {
  msg: string;
  component_id?: string;
  stream?: string;
  level: number;
  [key: string]: unknown;
}

/** A real pino logger whose records the test can read. */
export function capturingLogger(): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) records.push(JSON.parse(line) as LogRecord);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), records };
}

export async function tempDir(prefix: string): Promise<{ path: string; [Symbol.asyncDispose](): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }) };
}

/** A runtime with a private cache dir; `dispose` stops it and removes the cache. */
export async function startRuntime(options: RuntimeOptions = {}): Promise<{ runtime: ComponentRuntime; cacheDir: string; dispose(): Promise<void> }> {
  const cacheDir = options.cacheDir ?? (await mkdtemp(join(tmpdir(), 'lattice-rt-cache-')));
  const runtime = new ComponentRuntime({ poolSize: 2, ...options, cacheDir });
  return {
    runtime,
    cacheDir,
    async dispose() {
      await runtime.stop();
      if (!options.cacheDir) await rm(cacheDir, { recursive: true, force: true });
    },
  };
}

export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
