import { WitError } from '../../protocol/mod.js';
import { HandleTable, unknownHandleMessage } from '../shared/handle-table.js';
import type { InterfaceHandlers, ProviderCall } from '../sdk/types.js';
import type { BlobContainer, BlobResult, BlobstoreBackend, ObjectId } from './backends/types.js';
import { BodyTooLarge, InputReader, NameStream, OutgoingValue, type IncomingValue, type OutputStreamState } from './values.js';

export interface BlobHandlerDeps {
  /** The backend of the link a call came through; throws a message when it cannot be had. */
  backendFor(call: ProviderCall): Promise<BlobstoreBackend>;
  maxObjectBytes(): number;
  maxHandles: number;
}

/** The interface's error is a string. */
function fail(message: string): never {
  throw new WitError(message);
}

function unwrap<T>(result: BlobResult<T>): T {
  if (result.tag === 'err') fail(result.val);
  return result.val;
}

function str(value: unknown, what: string): string {
  if (typeof value !== 'string') fail(`${what} must be a string`);
  return value;
}

function u64(value: unknown, what: string): bigint {
  if (typeof value === 'bigint' && value >= 0n) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  fail(`${what} must be a u64`);
}

function objectId(value: unknown, what: string): ObjectId {
  const v = value as Partial<ObjectId> | null;
  if (typeof v !== 'object' || v === null || typeof v.container !== 'string' || typeof v.object !== 'string') {
    fail(`${what} must be an object-id { container, object }`);
  }
  return { container: v.container, object: v.object };
}

function bytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return Uint8Array.from(value as number[]);
  throw new WitError({ tag: 'closed' });
}

/** Lengths a guest asks to read come as u64; a chunk is capped so one call stays small. */
const MAX_READ_CHUNK = 4 * 1024 * 1024;

/** The wasi:io `stream-error` for a finished or unusable provider stream. */
const CLOSED = { tag: 'closed' } as const;

/** Every handle kind the blobstore hands out, each scoped to the component that opened it. */
export function blobTables(maxPerOwner: number) {
  return {
    containers: new HandleTable<BlobContainer>({ resource: 'container', maxPerOwner }),
    outgoing: new HandleTable<OutgoingValue>({ resource: 'outgoing-value', maxPerOwner }),
    outputs: new HandleTable<OutputStreamState>({ resource: 'output-stream', maxPerOwner }),
    incoming: new HandleTable<IncomingValue>({ resource: 'incoming-value', maxPerOwner, release: (v) => v.reader.close() }),
    inputs: new HandleTable<InputReader>({ resource: 'input-stream', maxPerOwner, release: (r) => r.close() }),
    names: new HandleTable<NameStream>({ resource: 'stream-object-names', maxPerOwner }),
  };
}
export type BlobTables = ReturnType<typeof blobTables>;

/**
 * `wasi:blobstore@0.2.0-draft` (`blobstore`, `container`, `types`) and the `wasi:io/streams`
 * methods of the streams this provider hands out, with WIT function names exactly as the runtime
 * forwards them. Failures are the interface's `error` string; a handle of another component, or
 * one evicted from the bounded tables, is such an error too.
 */
export function blobHandlers(deps: BlobHandlerDeps, t: BlobTables): InterfaceHandlers {
  const streams = streamHandlers(t);
  const need = <T>(table: HandleTable<T>, call: ProviderCall, index = 0): T => {
    const value = table.get(call.source, call.args[index]);
    if (value === null) fail(`${unknownHandleMessage(table.resource)} (dropped, expired or not opened by this component)`);
    return value;
  };
  const backend = async (call: ProviderCall) => {
    try {
      return await deps.backendFor(call);
    } catch (error) {
      fail(`blobstore backend is unavailable: ${(error as Error).message}`);
    }
  };
  const drop =
    <T>(table: HandleTable<T>) =>
    (call: ProviderCall) =>
      table.drop(call.source, call.args[0]);

  return {
    // The runtime forwards methods of a resource to the interface whose function returned it:
    // output- and input-streams come from `types` functions, so their wasi:io methods arrive
    // there. They are also served under wasi:io/streams for a runtime that routes them by type.
    'wasi:io/streams': streams,
    'wasi:blobstore/blobstore': {
      'create-container': async (call) => t.containers.add(call.source, unwrap(await (await backend(call)).createContainer(str(call.args[0], 'name')))),
      'get-container': async (call) => t.containers.add(call.source, unwrap(await (await backend(call)).getContainer(str(call.args[0], 'name')))),
      'delete-container': async (call) => {
        unwrap(await (await backend(call)).deleteContainer(str(call.args[0], 'name')));
      },
      'container-exists': async (call) => unwrap(await (await backend(call)).containerExists(str(call.args[0], 'name'))),
      'copy-object': async (call) => {
        unwrap(await (await backend(call)).copyObject(objectId(call.args[0], 'src'), objectId(call.args[1], 'dest')));
      },
      'move-object': async (call) => {
        unwrap(await (await backend(call)).moveObject(objectId(call.args[0], 'src'), objectId(call.args[1], 'dest')));
      },
    },

    'wasi:blobstore/container': {
      '[resource-drop]container': drop(t.containers),
      '[method]container.name': (call) => need(t.containers, call).name,
      '[method]container.info': async (call) => unwrap(await need(t.containers, call).info()),
      '[method]container.get-data': async (call) => {
        const container = need(t.containers, call);
        const name = str(call.args[1], 'name');
        const start = u64(call.args[2], 'start');
        const end = u64(call.args[3], 'end');
        const info = unwrap(await container.objectInfo(name));
        const last = end < info.size - 1n ? end : info.size - 1n;
        const size = last >= start ? last - start + 1n : 0n;
        const stream = unwrap(await container.read(name, start, end));
        return t.incoming.add(call.source, { reader: new InputReader(stream), size });
      },
      '[method]container.write-data': async (call) => {
        const container = need(t.containers, call);
        const value = need(t.outgoing, call, 2);
        unwrap(await container.write(str(call.args[1], 'name'), value.bytes()));
      },
      '[method]container.list-objects': async (call) => t.names.add(call.source, new NameStream(unwrap(await need(t.containers, call).list()))),
      '[method]container.delete-object': async (call) => {
        unwrap(await need(t.containers, call).delete(str(call.args[1], 'name')));
      },
      '[method]container.delete-objects': async (call) => {
        const names = call.args[1];
        if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) fail('names must be a list of strings');
        unwrap(await need(t.containers, call).deleteMany(names as string[]));
      },
      '[method]container.has-object': async (call) => unwrap(await need(t.containers, call).has(str(call.args[1], 'name'))),
      '[method]container.object-info': async (call) => unwrap(await need(t.containers, call).objectInfo(str(call.args[1], 'name'))),
      '[method]container.clear': async (call) => {
        unwrap(await need(t.containers, call).clear());
      },
      '[resource-drop]stream-object-names': drop(t.names),
      '[method]stream-object-names.read-stream-object-names': (call) =>
        need(t.names, call).read(Number(u64(call.args[1], 'len') > 1_000_000n ? 1_000_000n : u64(call.args[1], 'len'))),
      '[method]stream-object-names.skip-stream-object-names': (call) =>
        need(t.names, call).skip(Number(u64(call.args[1], 'num') > 1_000_000_000n ? 1_000_000_000n : u64(call.args[1], 'num'))),
    },

    'wasi:blobstore/types': {
      ...streams,
      '[static]outgoing-value.new-outgoing-value': (call) => t.outgoing.add(call.source, new OutgoingValue(deps.maxObjectBytes())),
      '[method]outgoing-value.outgoing-value-write-body': (call) => {
        const value = need(t.outgoing, call);
        // `result<output-stream>`: the error case has no payload.
        if (value.streamTaken) throw new WitError(undefined);
        value.streamTaken = true;
        return t.outputs.add(call.source, { value });
      },
      '[resource-drop]outgoing-value': drop(t.outgoing),
      '[static]incoming-value.incoming-value-consume-sync': async (call) => {
        const value = t.incoming.take(call.source, call.args[0]);
        if (value === null) fail(`${unknownHandleMessage('incoming-value')} (dropped, expired or not opened by this component)`);
        try {
          return await value.reader.readAll(deps.maxObjectBytes());
        } catch (error) {
          fail(error instanceof BodyTooLarge ? error.message : `reading the object failed: ${(error as Error).message}`);
        }
      },
      '[static]incoming-value.incoming-value-consume-async': (call) => {
        // The reader moves to the stream: the value is forgotten without closing what it holds.
        const value = t.incoming.take(call.source, call.args[0]);
        if (value === null) fail(`${unknownHandleMessage('incoming-value')} (dropped, expired or not opened by this component)`);
        return t.inputs.add(call.source, value.reader);
      },
      '[method]incoming-value.size': (call) => need(t.incoming, call).size,
      '[resource-drop]incoming-value': drop(t.incoming),
    },
  };
}

/** wasi:io/streams methods of the streams this provider created (handles from the tables). */
function streamHandlers(t: BlobTables): Record<string, (call: ProviderCall) => unknown> {
  const need = <T>(table: HandleTable<T>, call: ProviderCall): T => {
    const value = table.get(call.source, call.args[0]);
    // A stream the provider does not know is a stream-error, the only error these methods have.
    if (value === null) throw new WitError(CLOSED);
    return value;
  };
  const drop =
    <T>(table: HandleTable<T>) =>
    (call: ProviderCall) =>
      table.drop(call.source, call.args[0]);
  return {
    '[method]output-stream.check-write': (call) => BigInt(need(t.outputs, call).value.room()),
    '[method]output-stream.write': (call) => writeTo(need(t.outputs, call), call.args[1]),
    '[method]output-stream.blocking-write-and-flush': (call) => writeTo(need(t.outputs, call), call.args[1]),
    '[method]output-stream.flush': () => undefined,
    '[method]output-stream.blocking-flush': () => undefined,
    '[resource-drop]output-stream': drop(t.outputs),
    '[method]input-stream.read': (call) => readFrom(need(t.inputs, call), call.args[1]),
    '[method]input-stream.blocking-read': (call) => readFrom(need(t.inputs, call), call.args[1]),
    '[method]input-stream.skip': async (call) => BigInt((await readFrom(need(t.inputs, call), call.args[1])).length),
    '[method]input-stream.blocking-skip': async (call) => BigInt((await readFrom(need(t.inputs, call), call.args[1])).length),
    '[resource-drop]input-stream': drop(t.inputs),
    // Provider streams are always ready: every call above completes before it returns.
    '[method]output-stream.subscribe': () => ({ $resource: 'pollable', id: 0 }),
    '[method]input-stream.subscribe': () => ({ $resource: 'pollable', id: 0 }),
    '[method]pollable.ready': () => true,
    '[method]pollable.block': () => undefined,
    '[resource-drop]pollable': () => undefined,
  };
}

function writeTo(stream: OutputStreamState, data: unknown): void {
  try {
    stream.value.write(bytes(data));
  } catch (error) {
    if (error instanceof BodyTooLarge) throw new WitError(CLOSED);
    throw error;
  }
}

async function readFrom(reader: InputReader, len: unknown): Promise<Uint8Array> {
  const n = typeof len === 'bigint' ? len : BigInt(typeof len === 'number' ? len : 0);
  const chunk = await reader.read(Number(n > BigInt(MAX_READ_CHUNK) ? BigInt(MAX_READ_CHUNK) : n));
  if (chunk === null) throw new WitError(CLOSED);
  return chunk;
}
