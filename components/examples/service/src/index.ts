/**
 * service: a `wasi:cli/run` component that ticks: every `interval_ms` it logs and publishes a
 * JSON tick on `subject`. Settings come from `wasi:config/store` (the component's config in the
 * manifest): `subject` (default "lattice.service.tick"), `interval_ms` (default 1000) and
 * `ticks` (how many, default 0 = until the host stops the instance).
 */
import { subscribeDuration } from 'wasi:clocks/monotonic-clock@0.2.10';
import { get } from 'wasi:config/store@0.2.0-rc.1';
import { log } from 'wasi:logging/logging@0.1.0-draft';
import { publish } from 'wasmcloud:messaging/consumer@0.2.0';

export interface ServiceSettings {
  subject: string;
  intervalMs: number;
  ticks: number;
}

function configValue(key: string): string | undefined {
  try {
    return get(key) ?? undefined;
  } catch {
    // No config link or an upstream failure: the defaults keep the service useful.
    return undefined;
  }
}

function positiveInt(text: string | undefined, fallback: number): number {
  const n = text === undefined ? NaN : Number(text);
  return Number.isInteger(n) && n >= 0 ? n : fallback;
}

export function readSettings(lookup: (key: string) => string | undefined): ServiceSettings {
  return {
    subject: lookup('subject') ?? 'lattice.service.tick',
    intervalMs: Math.max(10, positiveInt(lookup('interval_ms'), 1000)),
    ticks: positiveInt(lookup('ticks'), 0),
  };
}

/** Blocks the instance for `ms` (the guest is synchronous; the host wakes it). */
function sleep(ms: number): void {
  const pollable = subscribeDuration(BigInt(ms) * 1_000_000n);
  pollable.block();
}

export const run = {
  run(): void {
    const settings = readSettings(configValue);
    log('info', 'service', `started: publishing on ${settings.subject} every ${settings.intervalMs} ms`);
    const encoder = new TextEncoder();
    for (let tick = 1; settings.ticks === 0 || tick <= settings.ticks; tick++) {
      const body = encoder.encode(JSON.stringify({ tick, at: Date.now() }));
      try {
        publish({ subject: settings.subject, body, replyTo: undefined });
        log('debug', 'service', `tick ${tick}`);
      } catch (error) {
        log('warn', 'service', `tick ${tick}: publish failed: ${String((error as { payload?: unknown }).payload ?? error)}`);
      }
      if (settings.ticks === 0 || tick < settings.ticks) sleep(settings.intervalMs);
    }
    log('info', 'service', 'done');
  },
};
