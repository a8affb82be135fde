import { WitError } from '../../protocol/mod.js';
import { unknownHandleMessage, type HandleTable } from '../shared/handle-table.js';
import type { InterfaceHandlers, ProviderCall } from '../sdk/types.js';
import type { KeyValueBucket, KvError, KvResult } from './backends/types.js';

/** Opens the bucket a component asks for through the link the call came in on. */
export type BucketOpener = (call: ProviderCall, identifier: string) => Promise<KvResult<KeyValueBucket>>;

/** The value of a backend result, or the interface's error thrown as the WIT `err`. */
function unwrap<T>(result: KvResult<T>): T {
  if (result.tag === 'err') throw new WitError(result.val);
  return result.val;
}

function other(message: string): WitError {
  return new WitError({ tag: 'other', val: message } satisfies KvError);
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string') throw other(`${what} must be a string`);
  return value;
}

function bytes(value: unknown, what: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  // Across a process boundary a list<u8> may arrive as a Node Buffer's plain array form.
  if (Array.isArray(value) && value.every((b) => Number.isInteger(b) && b >= 0 && b < 256)) return Uint8Array.from(value as number[]);
  throw other(`${what} must be bytes (list<u8>)`);
}

function u64(value: unknown, what: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  throw other(`${what} must be a u64`);
}

function keys(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((k) => typeof k === 'string')) throw other('keys must be a list of strings');
  return value as string[];
}

/**
 * `wasi:keyvalue@0.2.0-draft` `store`, `atomics` and `batch` over the bucket handles in `buckets`:
 * WIT function names exactly as the runtime forwards them. Every failure is the interface's own
 * `error` (a handle from another component, an evicted handle and malformed arguments included),
 * so a guest never traps because of what the provider or its backend did.
 */
export function keyValueHandlers(buckets: HandleTable<KeyValueBucket>, open: BucketOpener): InterfaceHandlers {
  const bucketOf = (call: ProviderCall): KeyValueBucket => {
    const bucket = buckets.get(call.source, call.args[0]);
    if (!bucket) throw other(`${unknownHandleMessage('bucket')} (dropped, expired or not opened by this component)`);
    return bucket;
  };

  return {
    'wasi:keyvalue/store': {
      open: async (call) => {
        const bucket = unwrap(await open(call, text(call.args[0], 'identifier')));
        return buckets.add(call.source, bucket);
      },
      '[resource-drop]bucket': (call) => {
        buckets.drop(call.source, call.args[0]);
      },
      '[method]bucket.get': async (call) => unwrap(await bucketOf(call).get(text(call.args[1], 'key'))),
      '[method]bucket.set': async (call) => {
        unwrap(await bucketOf(call).set(text(call.args[1], 'key'), bytes(call.args[2], 'value')));
      },
      '[method]bucket.delete': async (call) => {
        unwrap(await bucketOf(call).delete(text(call.args[1], 'key')));
      },
      '[method]bucket.exists': async (call) => unwrap(await bucketOf(call).exists(text(call.args[1], 'key'))),
      '[method]bucket.list-keys': async (call) => {
        const cursor = call.args[1] === null || call.args[1] === undefined ? null : u64(call.args[1], 'cursor');
        return unwrap(await bucketOf(call).listKeys(cursor));
      },
    },
    'wasi:keyvalue/atomics': {
      increment: async (call) => unwrap(await bucketOf(call).increment(text(call.args[1], 'key'), u64(call.args[2], 'delta'))),
    },
    'wasi:keyvalue/batch': {
      'get-many': async (call) => unwrap(await bucketOf(call).getMany(keys(call.args[1]))),
      'set-many': async (call) => {
        const entries = call.args[1];
        if (!Array.isArray(entries)) throw other('key-values must be a list of (key, value) tuples');
        const pairs = entries.map((entry, i): [string, Uint8Array] => {
          if (!Array.isArray(entry) || entry.length !== 2) throw other(`key-values[${i}] is not a (key, value) tuple`);
          return [text(entry[0], `key-values[${i}] key`), bytes(entry[1], `key-values[${i}] value`)];
        });
        unwrap(await bucketOf(call).setMany(pairs));
      },
      'delete-many': async (call) => {
        unwrap(await bucketOf(call).deleteMany(keys(call.args[1])));
      },
    },
  };
}
