import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * The one way library code gets a logger. Level comes from `LATTICE_LOG` (default `info`;
 * `silent` in tests unless asked). Output is JSON lines on stderr, so stdout stays free for CLI
 * output and `-o json`.
 */
export function createLogger(bindings: Record<string, unknown> = {}, options: LoggerOptions = {}): Logger {
  const level = process.env.LATTICE_LOG ?? (process.env.NODE_TEST_CONTEXT ? 'silent' : 'info');
  return pino({ level, base: { pid: process.pid, ...bindings }, ...options }, pino.destination(2));
}
