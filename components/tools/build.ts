/**
 * The TypeScript component toolchain behind `lattice build`: for each component of a project
 * (lattice.json), stage its WIT with the platform packages, generate TypeScript declarations
 * for the world, type-check, bundle with esbuild, and build the component with componentize-js's
 * `componentize()` API (not the nested CLI: docs/architecture.md, fact 7). Writes OUT/NAME.wasm plus a
 * content-hash stamp; a build whose inputs are unchanged is skipped.
 *
 *   const results = await buildProject('components/examples/http-hello', { onProgress: print });
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { bundle } from './bundle.js';
import { withBuildLock } from './build-lock.js';
import { ComponentBuildError, errorText } from './errors.js';
import { loadProject, type ComponentEntry, type ComponentProject } from './project.js';
import { inputsHash, readStamp, sha256, writeStamp } from './stamp.js';
import { typeCheck, writeExportsCheck } from './typecheck.js';
import { generateTypes } from './typegen.js';
import { allowWitReads } from './wit-reads.js';
import { readProjectWit, stageWit, worldBody } from './wit-staging.js';

export type StarlingFeature = 'stdio' | 'random' | 'clocks' | 'http' | 'fetch-event';

/** The subset of componentize-js's options and result the build uses (injectable for tests). */
export interface ComponentizeRequest {
  sourcePath: string;
  witPath: string;
  worldName: string;
  disableFeatures: StarlingFeature[];
}
export type Componentizer = (request: ComponentizeRequest) => Promise<{ component: Uint8Array }>;

export type BuildStep = 'check-stamp' | 'wit' | 'types' | 'typecheck' | 'bundle' | 'componentize' | 'write';

export interface BuildProgress {
  component: string;
  step: BuildStep;
  /** 1-based position of the step and the number of steps, for "[3/6]" displays. */
  index: number;
  total: number;
  message: string;
}

export interface BuildOptions {
  /** Rebuild even when the stamp says the inputs are unchanged. */
  force?: boolean;
  /** Build only these components of the project (by name). */
  only?: string[];
  onProgress?: (event: BuildProgress) => void;
  /** Replaces componentize-js (tests use this to prove a no-op build never calls it). */
  componentize?: Componentizer;
}

export interface BuildResult {
  name: string;
  wasmPath: string;
  /** True when the stamp matched and nothing was rebuilt. */
  skipped: boolean;
  bytes: number;
  durationMs: number;
}

const STEPS: BuildStep[] = ['check-stamp', 'wit', 'types', 'typecheck', 'bundle', 'componentize', 'write'];

async function defaultComponentize(request: ComponentizeRequest): Promise<{ component: Uint8Array }> {
  await allowWitReads();
  const { componentize } = await import('@bytecodealliance/componentize-js');
  return componentize({
    sourcePath: request.sourcePath,
    witPath: request.witPath,
    worldName: request.worldName,
    disableFeatures: request.disableFeatures,
  });
}

/**
 * Features to leave out of StarlingMonkey: a world that neither exports nor imports wasi:http
 * gets no `http`/`fetch-event`, so the component does not import wasi:http (which no link would
 * satisfy for, say, a messaging handler).
 */
export function featuresToDisable(world: string, witText: string, explicit?: StarlingFeature[]): StarlingFeature[] {
  if (explicit) return explicit;
  const body = worldBody(witText, world);
  if (body === null) throw new ComponentBuildError('wit', `world "${world}" is not defined in the project's WIT`);
  return /\bwasi:http\//.test(body) ? [] : ['http', 'fetch-event'];
}

/**
 * Builds one component of a loaded project. Concurrent builds of the same component (other
 * terminals, parallel test files) wait for each other; the later ones then skip on the stamp.
 */
export async function buildComponent(project: ComponentProject, entry: ComponentEntry, options: BuildOptions = {}): Promise<BuildResult> {
  const lockPath = join(project.workDir, `${entry.name}.lock`);
  return withBuildLock(lockPath, () => buildUnlocked(project, entry, options), {
    onWait: (pid) =>
      options.onProgress?.({ component: entry.name, step: 'check-stamp', index: 1, total: STEPS.length, message: `waiting for the build in process ${pid}` }),
  });
}

async function buildUnlocked(project: ComponentProject, entry: ComponentEntry, options: BuildOptions): Promise<BuildResult> {
  const started = performance.now();
  const progress = (step: BuildStep, message: string): void =>
    options.onProgress?.({ component: entry.name, step, index: STEPS.indexOf(step) + 1, total: STEPS.length, message });
  const wasmPath = join(project.outDir, `${entry.name}.wasm`);
  const stampPath = `${wasmPath}.stamp`;
  const work = join(project.workDir, entry.name);

  progress('check-stamp', 'hashing inputs');
  const witText = await readProjectWit(project.witDir).catch((cause: unknown) => {
    throw new ComponentBuildError('wit', `cannot read ${project.witDir}: ${errorText(cause)}`, { cause });
  });
  const disableFeatures = featuresToDisable(entry.world, witText, entry.disableFeatures);
  const inputs = await inputsHash(project.dir, basename(project.outDir), { entry, disableFeatures });
  if (!options.force) {
    const stamp = await readStamp(stampPath);
    const existing = stamp ? await readFile(wasmPath).catch(() => null) : null;
    if (stamp && existing && stamp.inputs === inputs && stamp.output === sha256(existing)) {
      return { name: entry.name, wasmPath, skipped: true, bytes: existing.length, durationMs: performance.now() - started };
    }
  }

  progress('wit', 'staging WIT with the platform packages');
  const witDir = await stageWit(project.witDir, work);

  progress('types', `generating TypeScript declarations for world ${entry.world}`);
  const typesDir = join(work, 'types');
  const generated = await generateTypes(witDir, entry.world, typesDir);
  const entryPath = resolve(project.dir, entry.entry);
  const exportsCheck = await writeExportsCheck(typesDir, entryPath, generated.worldModule);

  progress('typecheck', 'type-checking');
  await typeCheck(project.dir, [entryPath, ...generated.files, exportsCheck]);

  progress('bundle', 'bundling with esbuild');
  const bundled = join(work, `${entry.name}.js`);
  await bundle(entryPath, bundled, project.dir);

  progress('componentize', 'building the component with componentize-js (about 10 s)');
  const componentize = options.componentize ?? defaultComponentize;
  let component: Uint8Array;
  try {
    ({ component } = await componentize({ sourcePath: bundled, witPath: witDir, worldName: entry.world, disableFeatures }));
  } catch (cause) {
    throw new ComponentBuildError('componentize', `componentize-js failed for ${entry.name}:\n${errorText(cause)}`, { cause });
  }

  progress('write', `writing ${wasmPath}`);
  await mkdir(project.outDir, { recursive: true });
  // Write then rename, so a reader never sees half a component.
  await writeFile(`${wasmPath}.tmp`, component);
  await rename(`${wasmPath}.tmp`, wasmPath);
  await writeStamp(stampPath, { inputs, output: sha256(component) });
  return { name: entry.name, wasmPath, skipped: false, bytes: component.length, durationMs: performance.now() - started };
}

/** Builds the components of the project in DIR, one after another (each takes ~0.8 GB). */
export async function buildProject(dir: string, options: BuildOptions = {}): Promise<BuildResult[]> {
  const project = await loadProject(dir);
  const selected = options.only ? project.components.filter((c) => options.only?.includes(c.name)) : project.components;
  const unknown = options.only?.filter((name) => !project.components.some((c) => c.name === name)) ?? [];
  if (unknown.length > 0) {
    const known = project.components.map((c) => c.name).join(', ');
    throw new ComponentBuildError('config', `no component named ${unknown.join(', ')} in ${project.dir} (components: ${known})`);
  }
  const results: BuildResult[] = [];
  for (const entry of selected) results.push(await buildComponent(project, entry, options));
  return results;
}
