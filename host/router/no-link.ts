import { WitError, type InterfaceRef } from '../../protocol/mod.js';

/**
 * When an import cannot be served (no link, target not running, deadline passed), the component
 * gets its interface's own error value where the interface has one, so that guest code handles it
 * like any other backend failure. Interfaces without an error type trap the invocation instead
 * (a plain Error), with the same message.
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

export function unavailable(ref: InterfaceRef, message: string): Error {
  const shape = shapers[`${ref.namespace}:${ref.package}`];
  return shape ? new WitError(shape(message)) : new Error(message);
}
