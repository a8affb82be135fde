import type { Logger } from '../lib/logger.js';
import { WitError } from './errors.js';
import type { HostCallReply } from './worker-messages.js';

/**
 * Serves an import the runtime does not implement itself. `iface` is the versioned interface
 * name the component imports (`wasi:keyvalue/store@0.2.0-draft`, `lattice:fixtures/upstream@0.1.0`);
 * `fn` is the WIT function name (`get`, `[method]bucket.get`, `[static]bucket.open`,
 * `[constructor]bucket`, `[resource-drop]bucket`). Resolve with the WIT value; reject with
 * `WitError(payload)` to make a `result` import return `err(payload)`. Any other rejection traps
 * the invocation. Resources are returned as `{ $resource: 'bucket', id }` and come back as the
 * first argument of their methods.
 *
 * @example
 *   const importHandler: ImportHandler = async (componentId, iface, fn, args) => {
 *     if (iface.startsWith('wasi:keyvalue/store') && fn === 'open') return { $resource: 'bucket', id: 1 };
 *     throw new WitError({ tag: 'other', val: `no ${iface}#${fn}` });
 *   };
 */
export type ImportHandler = (componentId: string, iface: string, fn: string, args: unknown[], context?: HostCallContext) => Promise<unknown>;

/** What the guest said about the call besides its arguments. */
export interface HostCallContext {
  /** The link name the guest selected for this interface (`wasmcloud:bus/lattice.set-link-name`), else `default`. */
  linkName: string;
  /** The trace context of the invocation making the call, when it is traced. */
  traceparent?: string;
}

export const noImportHandler: ImportHandler = async (_componentId, iface, fn) => {
  throw new Error(`no import handler is configured for ${iface}#${fn}`);
};

/** Runs the handler and shapes its outcome as the bridge reply. */
export async function serveHostCall(
  handler: ImportHandler,
  logger: Logger,
  seq: number,
  componentId: string,
  iface: string,
  fn: string,
  args: unknown[],
  linkName = 'default',
  traceparent?: string,
): Promise<HostCallReply> {
  try {
    return { seq, ok: true, value: await handler(componentId, iface, fn, args, { linkName, traceparent }) };
  } catch (error) {
    if (error instanceof WitError) return { seq, ok: false, witError: true, payload: error.payload };
    logger.warn({ component_id: componentId, iface, fn, err: error }, 'host call failed; the invocation traps');
    return { seq, ok: false, witError: false, message: error instanceof Error ? error.message : String(error) };
  }
}
