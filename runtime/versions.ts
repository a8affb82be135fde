/**
 * Component versions: what one image at one set of limits becomes in the workers (its glue,
 * compiled core modules and instance settings under a version key), loaded before anything
 * switches to it, and unloaded once replaced or stopped and its last invocation has ended.
 */
import type { Logger } from '../lib/logger.js';
import type { LoadSpec } from './invocation.js';
import { instanceSettings, type ImageCompiler, type LoadedImage } from './loader.js';
import type { ComponentLimits } from './settings.js';
import type { PoolWorkers } from './pool-workers.js';

export type ComponentKind = 'http' | 'service' | 'messaging' | 'custom';

/** What a version is made of (of a ScaleRequest, components.ts). */
export interface VersionSource {
  componentId: string;
  imageRef: string;
  baseDir?: string;
  env?: Record<string, string>;
  args?: string[];
}

export interface Version {
  image: LoadedImage;
  spec: LoadSpec;
  inflight: number;
  /** Set when the version was replaced: unloads it from the workers once its last call ends. */
  onIdle?: () => void;
}

/**
 * Loads `request`'s image as revision `revision` and preloads it in the pool's workers (a
 * service's runs in a worker of its own, started by services.ts).
 */
export async function loadVersion(
  compiler: ImageCompiler,
  workers: PoolWorkers,
  logger: Logger,
  request: VersionSource,
  limits: ComponentLimits,
  revision: number,
): Promise<Version> {
  const image = await compiler.load(request.componentId, request.imageRef, request.baseDir, limits.memoryMiB);
  const spec: LoadSpec = {
    key: `${request.componentId}#${revision}:${image.transpiled.digest.slice(0, 12)}`,
    gluePath: image.transpiled.gluePath,
    modules: image.modules,
    spares: 1,
    settings: instanceSettings(request.componentId, image, {
      env: Object.entries(request.env ?? {}),
      args: request.args ?? [],
      reuse: limits.reuse,
      maxResponseBytes: limits.maxResponseBytes,
    }),
  };
  if (!limits.reuse && !image.reset.resettable) {
    logger.info(
      { component_id: request.componentId, reason: image.reset.reason },
      'instances cannot be reset: each invocation instantiates the component anew',
    );
  }
  if (kindOf(image.transpiled.exports) !== 'service') await workers.preload(spec);
  return { image, spec, inflight: 0 };
}

export function kindOf(exports: string[]): ComponentKind {
  const has = (prefix: string): boolean => exports.some((e) => e.startsWith(prefix));
  if (has('wasi:http/incoming-handler') || has('wasi:http/handler@')) return 'http';
  if (has('wasmcloud:messaging/handler')) return 'messaging';
  if (has('wasi:cli/run')) return 'service';
  return 'custom';
}

/** Unloads a replaced or stopped version from the workers once its last invocation ends. */
export function retireVersion(version: Version, unload: (key: string) => void): void {
  if (version.inflight === 0) unload(version.spec.key);
  else version.onIdle = () => unload(version.spec.key);
}
