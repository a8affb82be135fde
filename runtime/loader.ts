/**
 * From an image reference to something the workers can run: read the bytes, check them,
 * transpile (or hit the cache), check the imports, compile the core modules with the memory cap.
 */
import { checkComponentBytes } from './binary-check.js';
import { BinaryProblem, InvalidComponentError, UnsatisfiedImportsError } from './errors.js';
import { resolveImage, type ImageLoader } from './image-loader.js';
import { parseImportName, servedInWorker, unsatisfiedImports, type CanSatisfy } from './imports.js';
import { capMemory, WASM_PAGE } from './wasm/memory-cap.js';
import { exposeInstanceState } from './wasm/instance-state.js';
import type { Transpiled, TranspileCache } from './transpile-cache.js';
import { Wasm } from './wasm-api.js';
import type { InstanceSettings } from './worker-messages.js';

export interface LoadedImage {
  imageRef: string;
  transpiled: Transpiled;
  modules: Record<string, WebAssembly.Module>;
  /** Unversioned import key the glue reads, to the versioned interface name. */
  importNames: Record<string, string>;
  builtins: string[];
  reset: ResetPlan;
}

/** What a worker needs to instantiate `image` as `componentId`: the image's facts and the grants and limits given. */
export function instanceSettings(
  componentId: string,
  image: LoadedImage,
  given: { env?: Array<[string, string]>; args?: string[]; reuse: boolean; maxResponseBytes: number },
): InstanceSettings {
  return {
    componentId,
    env: given.env ?? [],
    args: given.args ?? [],
    reuse: given.reuse,
    reset: { resettable: image.reset.resettable, tables: image.reset.tables },
    maxResponseBytes: given.maxResponseBytes,
    importNames: image.importNames,
    builtins: image.builtins,
    jspi: image.transpiled.jspi,
    httpHandler: image.transpiled.exports.some((name) => name.startsWith('wasi:http/handler@')) ? 'handler' : 'incoming-handler',
  };
}

/**
 * Whether instances of a component can be reset to their post-instantiation state instead of
 * being instantiated again (worker/instance-reset.ts), and what resetting them involves.
 */
export interface ResetPlan {
  resettable: boolean;
  /** Why not, when not (logged; a component that is not resettable is instantiated per invocation). */
  reason: string | null;
  /** Some core module can write a table after instantiation: table contents are restored too. */
  tables: boolean;
}

interface Compiled {
  modules: Record<string, WebAssembly.Module>;
  reset: ResetPlan;
}

export interface LoaderDeps {
  cache: TranspileCache;
  loaders: readonly ImageLoader[];
  canSatisfy: CanSatisfy;
}

/** Interfaces implemented inside the worker even though they are not plain WASI. */

export class ImageCompiler {
  /** Compiled modules per digest and memory cap: compiled once per process, shared by workers. */
  private readonly compiled = new Map<string, Promise<Compiled>>();

  constructor(private readonly deps: LoaderDeps) {}

  async load(componentId: string, imageRef: string, baseDir: string | undefined, memoryMiB: number): Promise<LoadedImage> {
    const bytes = await resolveImage(imageRef, { loaders: this.deps.loaders, ...(baseDir ? { baseDir } : {}) });
    checkComponentBytes(bytes);
    const transpiled = await this.deps.cache.get(bytes);
    const missing = unsatisfiedImports(transpiled.imports, this.deps.canSatisfy);
    if (missing.length) throw new UnsatisfiedImportsError(componentId, missing);
    const { modules, reset } = await this.compile(transpiled, Math.floor((memoryMiB * 2 ** 20) / WASM_PAGE));
    const importNames: Record<string, string> = {};
    const builtins: string[] = [];
    for (const full of transpiled.imports) {
      const name = parseImportName(full);
      if (!name) continue;
      importNames[name.unversioned] ??= full;
      if (servedInWorker(name.unversioned)) builtins.push(name.unversioned);
    }
    return { imageRef, transpiled, modules, importNames, builtins, reset };
  }

  private compile(transpiled: Transpiled, maxPages: number): Promise<Compiled> {
    const key = `${transpiled.digest}:${maxPages}`;
    let pending = this.compiled.get(key);
    if (!pending) {
      pending = (async () => {
        const modules: Record<string, WebAssembly.Module> = {};
        const glueRefusal = transpiled.glue.lean ?? transpiled.glue.stateHook;
        const reset: ResetPlan = { resettable: glueRefusal === null, reason: glueRefusal && `glue: ${glueRefusal}`, tables: false };
        for (const [name, bytes] of transpiled.coreModules) {
          const { bytes: exposed, facts } = exposeInstanceState(capMemory(bytes, maxPages));
          if (!facts.resettable && reset.resettable) Object.assign(reset, { resettable: false, reason: `${name}: ${facts.reason}` });
          reset.tables ||= facts.tablesMutable;
          try {
            modules[name] = await Wasm.compile(exposed);
          } catch (cause) {
            throw new InvalidComponentError(BinaryProblem.Corrupt, `core module ${name} does not compile: ${String(cause)}`, { cause });
          }
        }
        return { modules, reset };
      })();
      pending.catch(() => this.compiled.delete(key));
      this.compiled.set(key, pending);
    }
    return pending;
  }
}
