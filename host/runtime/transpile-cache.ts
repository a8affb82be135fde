import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Logger } from '../../lib/logger.js';
import { BinaryProblem, InvalidComponentError } from './errors.js';
import { worldItems } from './imports.js';
import type { GlueReport } from './glue/transform.js';
import { transpileInWorker } from './transpile-worker.js';

/** Bump when the cached layout or the glue transform changes: old entries are then ignored. */
const CACHE_FORMAT = 'v3';
const GLUE_NAME = 'component';

export function defaultCacheDir(): string {
  return join(homedir(), '.lattice', 'cache');
}

/** What a transpiled component is made of, as stored in the cache. */
export interface Transpiled {
  digest: string;
  /** Absolute path of the generated ES module (exports `instantiate`). */
  gluePath: string;
  /** Core module file names the glue asks for, and their bytes. */
  coreModules: Map<string, Uint8Array>;
  /** Versioned WIT import names (`wasi:http/types@0.2.0`). */
  imports: string[];
  /** Versioned WIT export names (`wasi:http/incoming-handler@0.2.0`, `run`). */
  exports: string[];
  /** What the glue transform applied (lean sync calls, the state hook instances are reset with). */
  glue: GlueReport;
  /** True when the glue's provider imports suspend the guest (JSPI) instead of blocking. */
  jspi: boolean;
  /** True when the entry came from disk rather than from running jco now. */
  fromCache: boolean;
}

interface Meta {
  digest: string;
  imports: string[];
  exports: string[];
  coreModules: string[];
  glue: GlueReport;
  jspi: boolean;
}

export function digestOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * jco output per content digest, on disk under `<cacheDir>/transpiled/v3-<sha256>/` (`v3-jspi-`
 * for glue whose provider calls suspend: a host with JSPI and one without share a cache dir). A
 * warm cache (a second host start) reads the files and never runs jco. Concurrent loads of one
 * digest share one transpile.
 */
export class TranspileCache {
  /** How many times jco actually ran (tests and benchmarks read this). */
  transpileCount = 0;
  private readonly inflight = new Map<string, Promise<Transpiled>>();

  constructor(
    readonly cacheDir: string,
    private readonly logger: Logger,
    /** Transpile provider imports to suspend (host/runtime/jspi.ts). */
    readonly jspi = false,
  ) {}

  get(bytes: Uint8Array): Promise<Transpiled> {
    const digest = digestOf(bytes);
    let pending = this.inflight.get(digest);
    if (!pending) {
      pending = this.load(digest, bytes).finally(() => this.inflight.delete(digest));
      this.inflight.set(digest, pending);
    }
    return pending;
  }

  private entryDir(digest: string): string {
    return join(this.cacheDir, 'transpiled', `${CACHE_FORMAT}-${this.jspi ? 'jspi-' : ''}${digest}`);
  }

  private async load(digest: string, bytes: Uint8Array): Promise<Transpiled> {
    const dir = this.entryDir(digest);
    const cached = await this.read(dir).catch(() => null);
    if (cached) return cached;
    return this.transpileInto(dir, digest, bytes);
  }

  private async read(dir: string): Promise<Transpiled> {
    const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as Meta;
    const coreModules = new Map<string, Uint8Array>();
    for (const name of meta.coreModules) coreModules.set(name, new Uint8Array(await readFile(join(dir, name))));
    return { ...meta, jspi: meta.jspi === true, gluePath: join(dir, `${GLUE_NAME}.js`), coreModules, fromCache: true };
  }

  private async transpileInto(dir: string, digest: string, bytes: Uint8Array): Promise<Transpiled> {
    const started = performance.now();
    let files: Record<string, Uint8Array>;
    let wit: string;
    let glue: GlueReport;
    let jspi: boolean;
    try {
      ({ files, wit, glue, jspi } = await transpileInWorker(bytes, GLUE_NAME, this.jspi));
    } catch (cause) {
      throw new InvalidComponentError(BinaryProblem.Corrupt, `jco cannot read the component: ${firstLine(cause)}`, { cause });
    }
    this.transpileCount++;
    const { imports, exports } = worldItems(wit);
    const coreModules = new Map<string, Uint8Array>();
    const staging = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    await mkdir(staging, { recursive: true });
    for (const [name, content] of Object.entries(files)) {
      if (name.endsWith('.d.ts')) continue;
      if (name.endsWith('.wasm')) coreModules.set(name, content);
      await mkdir(dirname(join(staging, name)), { recursive: true });
      await writeFile(join(staging, name), content);
    }
    const meta: Meta = { digest, imports, exports, coreModules: [...coreModules.keys()], glue, jspi };
    await writeFile(join(staging, 'meta.json'), JSON.stringify(meta, null, 2));
    await mkdir(dirname(dir), { recursive: true });
    try {
      await rename(staging, dir);
    } catch (cause) {
      if (!['ENOTEMPTY', 'EEXIST'].includes((cause as NodeJS.ErrnoException).code ?? '')) throw cause;
      // Another host process cached the same digest first (its entry is identical), or a broken
      // entry is in the way (a crash mid-write by an older version): replace only the latter.
      if (
        await this.read(dir).then(
          () => true,
          () => false,
        )
      ) {
        await rm(staging, { recursive: true, force: true });
      } else {
        await rm(dir, { recursive: true, force: true });
        await rename(staging, dir);
      }
    }
    this.logger.info(
      { digest, ms: Math.round(performance.now() - started), lean_glue: glue.lean ?? 'yes', resettable_glue: glue.stateHook ?? 'yes', jspi },
      'component transpiled',
    );
    return { ...meta, gluePath: join(dir, `${GLUE_NAME}.js`), coreModules, fromCache: false };
  }
}

function firstLine(cause: unknown): string {
  const text = cause instanceof Error ? cause.message : String(cause);
  return text.split('\n').slice(0, 3).join(' ').trim();
}
