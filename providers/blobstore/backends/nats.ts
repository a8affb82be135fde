import type { JetStreamManager, NatsConnection, ObjectStore } from 'nats';
import { checkRange, chunksOf, fail, guard, ok, toSeconds, type BlobContainer, type BlobResult, type BlobstoreBackend, type ObjectId } from './types.js';
import { withTimeout } from '../../../lib/timeout.js';

export interface NatsBlobBackendOptions {
  nc: NatsConnection;
  /** JetStream domain (a leaf node reaching the hub's stores, or the reverse). */
  domain?: string;
  replicas?: number;
  /**
   * Limit on each object-store read step. `get` can hang during a stream-leader failover (measured,
   * docs/architecture.md, fact 11); a read that stalls this long fails with an error value instead.
   */
  readTimeoutMs?: number;
}

const DEFAULT_READ_TIMEOUT_MS = 5_000;
/** JetStream's "stream not found". */
const STREAM_NOT_FOUND = 10059;

/**
 * Backend on the NATS JetStream object store: one object-store bucket per container. Container
 * names are any UTF-8 string; bucket names allow only `[A-Za-z0-9_-]`, so other characters (and
 * '_' itself) are written `_XX` per UTF-8 byte: `photos` stays `photos`, `my.files` becomes
 * `my_2Efiles`. The object store has no ranged read: a range is cut from the stream.
 */
export function createNatsBlobBackend(options: NatsBlobBackendOptions): BlobstoreBackend {
  const { nc } = options;
  const scope = options.domain ? { domain: options.domain } : {};
  const js = nc.jetstream(scope);
  const readTimeout = options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  let jsm: Promise<JetStreamManager> | null = null;
  const manager = () => (jsm ??= nc.jetstreamManager(scope));

  const exists = async (name: string): Promise<boolean> => {
    try {
      await (await manager()).streams.info(`OBJ_${encodeContainer(name)}`);
      return true;
    } catch (error) {
      if ((error as { api_error?: { err_code?: number } }).api_error?.err_code === STREAM_NOT_FOUND) return false;
      throw error;
    }
  };
  const store = (name: string) => js.views.os(encodeContainer(name), { replicas: options.replicas ?? 1 });
  const timed = <T>(p: Promise<T>, what: string) => withTimeout(p, readTimeout, what);

  /** The object's bytes in [start, end] as a stream; null when the object does not exist. */
  const readRange = async (os: ObjectStore, object: string, start: bigint, end: bigint) => {
    const result = await timed(os.get(object), `read ${object}`);
    if (!result) return null;
    const reader = result.data.getReader();
    async function* chunks(): AsyncIterable<Uint8Array> {
      let offset = 0n;
      try {
        while (offset <= end) {
          const { done, value } = await timed(reader.read(), `read ${object}`);
          if (done) break;
          const from = offset;
          offset += BigInt(value.length);
          if (offset <= start) continue;
          const a = Number((start > from ? start : from) - from);
          const b = Number((end + 1n < offset ? end + 1n : offset) - from);
          yield value.subarray(a, b);
        }
        if (offset > end) await reader.cancel();
        const error = await timed(result!.error, `read ${object}`);
        if (error) throw error;
      } finally {
        reader.releaseLock();
      }
    }
    return chunks();
  };

  const write = async (os: ObjectStore, object: string, body: AsyncIterable<Uint8Array> | Uint8Array) => {
    const iterator = chunksOf(body)[Symbol.asyncIterator]();
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await iterator.next();
        if (done) controller.close();
        else controller.enqueue(value);
      },
    });
    await os.put({ name: object }, stream);
  };

  const container = (name: string, os: ObjectStore): BlobContainer => ({
    name,
    info: () =>
      guard('info', async () => {
        const status = await os.status();
        return ok({ name, createdAt: toSeconds(status.streamInfo.created) });
      }),
    read: (object, start = 0n, end = 2n ** 64n - 1n) =>
      guard(`read ${object}`, async (): Promise<BlobResult<AsyncIterable<Uint8Array>>> => {
        const bad = checkRange(start, end);
        if (bad) return fail(bad);
        const stream = await readRange(os, object, start, end);
        return stream ? ok(stream) : fail(`object ${JSON.stringify(object)} does not exist in ${JSON.stringify(name)}`);
      }),
    write: (object, body) =>
      guard(`write ${object}`, async () => {
        if (object === '') return fail('object name must not be empty');
        await write(os, object, body);
        return ok(undefined);
      }),
    list: () =>
      guard('list', async () => {
        const infos = await timed(os.list(), 'list');
        return ok(
          infos
            .filter((i) => !i.deleted)
            .map((i) => i.name)
            .sort(),
        );
      }),
    delete: (object) =>
      guard(`delete ${object}`, async () => {
        await os.delete(object);
        return ok(undefined);
      }),
    deleteMany: (objects) =>
      guard('delete-objects', async () => {
        for (const o of objects) await os.delete(o);
        return ok(undefined);
      }),
    has: (object) =>
      guard(`has ${object}`, async () => {
        const info = await timed(os.info(object), `has ${object}`);
        return ok(info !== null && !info.deleted);
      }),
    objectInfo: (object) =>
      guard(`info ${object}`, async () => {
        const info = await timed(os.info(object), `info ${object}`);
        if (!info || info.deleted) return fail(`object ${JSON.stringify(object)} does not exist in ${JSON.stringify(name)}`);
        return ok({ name: object, container: name, createdAt: toSeconds(info.mtime), size: BigInt(info.size) });
      }),
    clear: () =>
      guard('clear', async () => {
        for (const info of await timed(os.list(), 'list')) if (!info.deleted) await os.delete(info.name);
        return ok(undefined);
      }),
  });

  const open = async (name: string): Promise<BlobResult<ObjectStore>> => {
    if (name === '') return fail('container name must not be empty');
    if (!(await exists(name))) return fail(`container ${JSON.stringify(name)} does not exist`);
    return ok(await store(name));
  };

  const copy = async (src: ObjectId, dest: ObjectId): Promise<BlobResult<undefined>> => {
    const from = await open(src.container);
    if (from.tag === 'err') return from;
    const to = await open(dest.container);
    if (to.tag === 'err') return to;
    const stream = await readRange(from.val, src.object, 0n, 2n ** 64n - 1n);
    if (!stream) return fail(`object ${JSON.stringify(src.object)} does not exist in ${JSON.stringify(src.container)}`);
    await write(to.val, dest.object, stream);
    return ok(undefined);
  };

  return {
    kind: 'nats',
    createContainer: (name) =>
      guard(`create container ${name}`, async () => {
        if (name === '') return fail('container name must not be empty');
        return ok(container(name, await store(name)));
      }),
    getContainer: (name) =>
      guard(`get container ${name}`, async () => {
        const os = await open(name);
        return os.tag === 'err' ? os : ok(container(name, os.val));
      }),
    deleteContainer: (name) =>
      guard(`delete container ${name}`, async () => {
        const os = await open(name);
        if (os.tag === 'err') return os;
        await os.val.destroy();
        return ok(undefined);
      }),
    containerExists: (name) => guard(`container exists ${name}`, async () => ok(name !== '' && (await exists(name)))),
    copyObject: (src, dest) => guard('copy object', () => copy(src, dest)),
    moveObject: (src, dest) =>
      guard('move object', async () => {
        if (src.container === dest.container && src.object === dest.object) {
          const os = await open(src.container);
          return os.tag === 'err' ? os : ok(undefined);
        }
        const copied = await copy(src, dest);
        if (copied.tag === 'err') return copied;
        const from = await open(src.container);
        if (from.tag === 'err') return from;
        await from.val.delete(src.object);
        return ok(undefined);
      }),
    async close() {
      // The connection belongs to the caller.
    },
  };
}

/** Reversible mapping of a container name to an object-store bucket name. */
export function encodeContainer(name: string): string {
  let out = '';
  for (const b of new TextEncoder().encode(name)) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9-]/.test(c) ? c : `_${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function decodeContainer(bucket: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < bucket.length; i++) {
    if (bucket[i] === '_') {
      bytes.push(parseInt(bucket.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(bucket.charCodeAt(i));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
