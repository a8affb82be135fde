import type { Logger } from '../logger.js';
import { LATTICE_VERSION } from '../version.js';
import { tracing } from './tracing.js';

/**
 * Whether the environment asks for trace export: an OTLP endpoint (all signals or traces only),
 * and neither OTEL_SDK_DISABLED=true nor OTEL_TRACES_EXPORTER=none.
 */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return false;
  if (
    (env.OTEL_TRACES_EXPORTER ?? '')
      .split(',')
      .map((s) => s.trim())
      .includes('none')
  )
    return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

let starting: Promise<boolean> | null = null;

/**
 * Turns tracing on for this process when the environment configures an OTLP endpoint; does
 * nothing otherwise (and the OpenTelemetry SDK is never loaded). Once per process: the first
 * caller's service name and resource attributes apply (a host process names itself after its
 * host, a provider process after its provider).
 */
export function initTracing(serviceName: string, resource: Record<string, string>, log?: Logger): Promise<boolean> {
  starting ??= (async () => {
    if (!tracingRequested()) return false;
    try {
      const { startOtel } = await import('./otel.js');
      tracing.factory = startOtel(serviceName, resource, LATTICE_VERSION);
      tracing.on = true;
      log?.info({ endpoint: process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT }, 'exporting traces over OTLP');
      return true;
    } catch (error) {
      log?.error({ err: error }, 'cannot start OpenTelemetry; tracing stays off');
      return false;
    }
  })();
  return starting;
}

/** Exports what is buffered (a host stopping, a CLI command ending). */
export async function flushTracing(): Promise<void> {
  await tracing.factory?.flush().catch(() => undefined);
}

export async function shutdownTracing(): Promise<void> {
  const factory = tracing.factory;
  tracing.on = false;
  tracing.factory = null;
  starting = null;
  await factory?.shutdown().catch(() => undefined);
}
