import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../lib/logger.js';
import { BinaryProblem, InvalidComponentError, UnsupportedComponentError } from './errors.js';
import { worldItems } from './imports.js';
import type { GlueReport } from './glue/transform.js';
import { CLAIM_POLL_MS, CLAIM_TTL_MS, decodeEntry, encodeEntry, type SharedEntry, type TranspileShare } from './transpile-share.js';
import { transpileInWorker, type TranspileOutput } from './transpile-worker.js';

/** Bump when the cached layout or the glue transform changes: old entries are then ignored. */
const CACHE_FORMAT = 'v6';
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
  /** True when the entry came from disk or from the lattice rather than from running jco now. */
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

/** The jco version that produced an entry: part of its name, since a new jco writes other glue. */
const JCO_VERSION = (() => {
  try {
    const main = createRequire(import.meta.url).resolve('@bytecodealliance/jco');
    let dir = dirname(main);
    while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
})();

/**
 * jco output per content digest, on disk under `<cacheDir>/transpiled/v4-<sha256>/` (`v4-jspi-`
 * for glue whose provider calls suspend: a host with JSPI and one without share a cache dir). A
 * warm cache (a second host start) reads the files and never runs jco. Concurrent loads of one
 * digest share one transpile. With a `share` (transpile-share.ts), a digest this host never saw
 * is fetched from the lattice when another host transpiled it, and what this host transpiles is
 * offered to the others.
 */
export class TranspileCache {
  /** How many times jco actually ran (tests and benchmarks read this). */
  transpileCount = 0;
  /** How many entries came from the lattice's share instead. */
  sharedCount = 0;
  private readonly inflight = new Map<string, Promise<Transpiled>>();

  constructor(
    readonly cacheDir: string,
    private readonly logger: Logger,
    /** Transpile provider imports to suspend (runtime/jspi.ts). */
    readonly jspi = false,
    private readonly share?: TranspileShare,
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

  /** What the output of `digest` depends on besides the digest: the cache format and JSPI mode. */
  private prefix(): string {
    return `${CACHE_FORMAT}-${this.jspi ? 'jspi-' : ''}`;
  }

  private entryDir(digest: string): string {
    return join(this.cacheDir, 'transpiled', `${this.prefix()}${digest}`);
  }

  /** The entry's name in the lattice's share: every input of the output, jco's version too. */
  entryName(digest: string): string {
    return `${this.prefix()}jco-${JCO_VERSION}-${digest}`;
  }

  private async load(digest: string, bytes: Uint8Array): Promise<Transpiled> {
    const dir = this.entryDir(digest);
    const cached = await this.read(dir).catch(() => null);
    if (cached) return cached;
    const shared = (await this.fromShare(digest)) ?? (await this.waitForClaim(digest));
    if (shared) {
      this.sharedCount++;
      return this.store(dir, shared.meta, shared.files, true);
    }
    const name = this.entryName(digest);
    let transpiled: SharedEntry<Meta>;
    try {
      transpiled = await this.transpile(digest, bytes);
    } catch (error) {
      this.releaseClaim(name);
      throw error;
    }
    const entry = await this.store(dir, transpiled.meta, transpiled.files, false);
    if (this.share) {
      this.share.put(name, encodeEntry(transpiled)).then(
        () => this.logger.debug({ digest, name }, 'transpiled component shared with the lattice'),
        (error: unknown) => {
          this.logger.warn({ digest, err: error }, 'could not share the transpiled component with the lattice');
          this.releaseClaim(name);
        },
      );
    }
    return entry;
  }

  /**
   * When another host holds the claim on `digest`'s transpile, waits for its entry; null once this
   * host holds the claim (taken now, or after the other one gave it up or lapsed) or the share
   * has no claims: this host transpiles.
   */
  private async waitForClaim(digest: string): Promise<SharedEntry<Meta> | null> {
    const share = this.share;
    if (!share?.claim) return null;
    const name = this.entryName(digest);
    const deadline = Date.now() + CLAIM_TTL_MS;
    let logged = false;
    try {
      while (!(await share.claim(name))) {
        if (!logged) this.logger.info({ digest, name }, 'another host is transpiling this component; waiting for its output');
        logged = true;
        await delay(CLAIM_POLL_MS);
        const entry = await this.fromShare(digest);
        if (entry) return entry;
        if (Date.now() > deadline) return null;
      }
    } catch (error) {
      this.logger.info({ digest, err: error }, 'cannot coordinate the transpile with the lattice; transpiling here');
    }
    return null;
  }

  private releaseClaim(name: string): void {
    this.share?.release?.(name).catch((error: unknown) => this.logger.debug({ name, err: error }, 'transpile claim not released (it lapses)'));
  }

  /** Another host's output for `digest`, or null (none, unreachable, or not what it claims). */
  private async fromShare(digest: string): Promise<SharedEntry<Meta> | null> {
    if (!this.share) return null;
    const name = this.entryName(digest);
    let bytes: Uint8Array | null;
    try {
      bytes = await this.share.get(name);
    } catch (error) {
      this.logger.info({ digest, err: error }, 'the lattice share of transpiled components is unreachable; transpiling here');
      return null;
    }
    if (!bytes) return null;
    const entry = decodeEntry<Meta>(bytes);
    const glueFile = `${GLUE_NAME}.js`;
    if (!entry || entry.meta.digest !== digest || !entry.files[glueFile] || entry.meta.coreModules.some((m) => !entry.files[m])) {
      this.logger.warn({ digest, name }, 'a shared transpiled component is damaged or mislabelled; transpiling here');
      return null;
    }
    this.logger.info({ digest, name }, 'transpiled component fetched from the lattice');
    return entry;
  }

  private async read(dir: string): Promise<Transpiled> {
    const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as Meta;
    const coreModules = new Map<string, Uint8Array>();
    for (const name of meta.coreModules) coreModules.set(name, new Uint8Array(await readFile(join(dir, name))));
    return { ...meta, jspi: meta.jspi === true, gluePath: join(dir, `${GLUE_NAME}.js`), coreModules, fromCache: true };
  }

  /** Runs jco (in a worker thread): the files to keep (no `.d.ts`) and their metadata. */
  private async transpile(digest: string, bytes: Uint8Array): Promise<SharedEntry<Meta>> {
    const started = performance.now();
    let output: TranspileOutput;
    try {
      output = await transpileInWorker(bytes, GLUE_NAME, this.jspi);
    } catch (cause) {
      if (cause instanceof UnsupportedComponentError) throw cause;
      throw new InvalidComponentError(BinaryProblem.Corrupt, `jco cannot read the component: ${firstLine(cause)}`, { cause });
    }
    this.transpileCount++;
    const { files, wit, glue, jspi } = output;
    const { imports, exports } = worldItems(wit);
    const kept = Object.fromEntries(Object.entries(files).filter(([name]) => !name.endsWith('.d.ts')));
    const coreModules = Object.keys(kept).filter((name) => name.endsWith('.wasm'));
    this.logger.info(
      {
        digest,
        ms: Math.round(performance.now() - started),
        lean_glue: glue.lean ?? 'yes',
        resettable_glue: glue.stateHook ?? 'yes',
        jspi,
        ...(glue.asyncWake ? { async_wake: glue.asyncWake } : {}),
      },
      'component transpiled',
    );
    return { meta: { digest, imports, exports, coreModules, glue, jspi }, files: kept };
  }

  /** Writes an entry into the disk cache (staged, then renamed into place) and returns it. */
  private async store(dir: string, meta: Meta, files: Record<string, Uint8Array>, fromCache: boolean): Promise<Transpiled> {
    const staging = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    await mkdir(staging, { recursive: true });
    for (const [name, content] of Object.entries(files)) {
      await mkdir(dirname(join(staging, name)), { recursive: true });
      await writeFile(join(staging, name), content);
    }
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
    const coreModules = new Map(meta.coreModules.map((name) => [name, files[name]!]));
    return { ...meta, jspi: meta.jspi === true, gluePath: join(dir, `${GLUE_NAME}.js`), coreModules, fromCache };
  }
}

function firstLine(cause: unknown): string {
  const text = cause instanceof Error ? cause.message : String(cause);
  return text.split('\n').slice(0, 3).join(' ').trim();
}
