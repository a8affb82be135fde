/**
 * `wasi:logging/logging` inside the worker. A log line needs no answer, so it is not a host call
 * the guest waits for: a line below the level the host records is dropped here, and the others
 * go to the main thread as a notification on the ring (ordered with the invocation's other host
 * traffic, and still served by the import handler, which writes it into the host's log). When
 * the ring is full the line is sent as a blocking call instead, so that a guest logging in a
 * tight loop waits for the host rather than queueing without bound.
 */
import type { BridgeClient } from '../bridge-client.js';
import { linkNameFor } from '../link-names.js';

/** pino's level values for the wasi:logging levels (`critical` is pino's `fatal`). */
const LEVEL_VALUES: Readonly<Record<string, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, critical: 60 };

/** The level value of a wasi:logging level; an unknown one counts as `info`, as the host logs it. */
function levelValue(level: string): number {
  return LEVEL_VALUES[level] ?? LEVEL_VALUES.info!;
}

/**
 * @param iface the versioned interface name the component imports
 * @param threshold the lowest pino level value the host records (0: every line)
 */
export function loggingImports(componentId: string, iface: string, bridge: BridgeClient, threshold: number): Record<string, unknown> {
  return {
    log(level: string, context: string, message: string): void {
      if (levelValue(level) < threshold) return;
      const args = [level, context, message];
      const linkName = linkNameFor('wasi:logging/logging');
      if (!bridge.tryNotify(componentId, iface, 'log', args, linkName)) bridge.call(componentId, iface, 'log', args, linkName);
    },
  };
}
