import type { ScalerKind } from './types.js';

/**
 * Annotations wadm puts on everything it starts, so that it can tell its own resources from
 * others' after a restart, and undeploy removes exactly what the application created.
 */
export const MANAGED_BY = 'wasmcloud.dev/managed-by';
export const MANAGED_BY_WADM = 'wadm';
export const APP_SPEC = 'wasmcloud.dev/appspec';
export const SCALER = 'wasmcloud.dev/scaler';

export function scalerId(kind: ScalerKind, component: string): string {
  return `${kind}/${component}`;
}

export function ownedAnnotations(app: string, scaler: string): Record<string, string> {
  return { [MANAGED_BY]: MANAGED_BY_WADM, [APP_SPEC]: app, [SCALER]: scaler };
}

/** True when wadm started this for `app` (whichever scaler or version did it). */
export function isOwnedBy(annotations: Record<string, string> | undefined, app: string): boolean {
  return annotations?.[MANAGED_BY] === MANAGED_BY_WADM && annotations?.[APP_SPEC] === app;
}
