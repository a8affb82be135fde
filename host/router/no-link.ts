import { WitError, type InterfaceRef } from '../../protocol/mod.js';

/**
 * When an import cannot be served (no link, target not running, deadline passed), the component
 * gets its interface's own error value where the interface has one, so that guest code handles it
 * like any other backend failure. For interfaces the host does not know (custom ones) the error is
 * the message as a string: a function returning `result<_, string>` (the common custom shape)
 * gets `err(message)`; any other function cannot take it and its invocation traps, with the same
 * message.
 */
const shapers: Record<string, (message: string) => unknown> = {
  'wasi:keyvalue': (message) => ({ tag: 'other', val: message }),
  // wasi:blobstore@0.2.0-draft: `type error = string`.
  'wasi:blobstore': (message) => message,
  // wasi:config/store: `variant error { upstream(string), io(string) }`.
  'wasi:config': (message) => ({ tag: 'upstream', val: message }),
  // wasmcloud:messaging/consumer: `result<_, string>`.
  'wasmcloud:messaging': (message) => message,
  // wasi:http/types error-code: `internal-error(option<string>)`.
  'wasi:http': (message) => ({ tag: 'internal-error', val: message }),
};

export function unavailable(ref: InterfaceRef, message: string): WitError {
  const shape = shapers[`${ref.namespace}:${ref.package}`];
  return new WitError(shape ? shape(message) : message);
}
