/**
 * Streams that live on the host side of the bridge: the JS blobby example (components/examples)
 * stores request bodies through a wasi:blobstore output-stream and serves them back through an
 * input-stream, against a small in-memory blobstore written here as the import handler.
 */
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { buildProject } from '../../components/tools/build.js';
import { concatBytes } from '../../lib/bytes.js';
import { WitError, type ComponentRuntime, type ImportHandler, type ResourceRef } from '../../runtime/mod.js';
import { startRuntime, text } from './helpers.js';

const examples = resolve(import.meta.dirname, '../../../components/examples');

/** Just enough of wasi:blobstore@0.2.0-draft for blobby, keyed by resource ids. */
function memoryBlobstore(): { handler: ImportHandler; objects: Map<string, Uint8Array>; dropped: string[] } {
  const objects = new Map<string, Uint8Array>();
  const outgoing = new Map<number, Uint8Array[]>();
  const streamToValue = new Map<number, number>();
  const incoming = new Map<number, Uint8Array>();
  const readers = new Map<number, { data: Uint8Array; at: number }>();
  const dropped: string[] = [];
  let next = 1;
  const ref = ($resource: string, id: number | string): ResourceRef => ({ $resource, id });

  const handler: ImportHandler = async (_id, iface, fn, args) => {
    const [self] = args as [ResourceRef];
    if (iface.startsWith('wasi:logging/')) return undefined;
    if (fn.startsWith('[resource-drop]')) {
      dropped.push(fn);
      return undefined;
    }
    switch (fn) {
      case 'container-exists':
        return args[0] === 'blobby';
      case 'create-container':
      case 'get-container':
        return ref('container', args[0] as string);
      case '[static]outgoing-value.new-outgoing-value': {
        const id = next++;
        outgoing.set(id, []);
        return ref('outgoing-value', id);
      }
      case '[method]outgoing-value.outgoing-value-write-body': {
        const id = next++;
        streamToValue.set(id, self.id as number);
        return ref('output-stream', id);
      }
      case '[method]output-stream.write':
        outgoing.get(streamToValue.get(self.id as number)!)!.push(args[1] as Uint8Array);
        return undefined;
      case '[method]container.write-data':
        objects.set(args[1] as string, concatBytes(outgoing.get((args[2] as ResourceRef).id as number)!));
        return undefined;
      case '[method]container.has-object':
        return objects.has(args[1] as string);
      case '[method]container.object-info': {
        const name = args[1] as string;
        return { name, container: 'blobby', createdAt: 0n, size: BigInt(objects.get(name)!.length) };
      }
      case '[method]container.get-data': {
        const [, name, start, end] = args as [ResourceRef, string, bigint, bigint];
        const id = next++;
        incoming.set(id, objects.get(name)!.subarray(Number(start), Number(end) + 1));
        return ref('incoming-value', id);
      }
      case '[static]incoming-value.incoming-value-consume-async': {
        const id = next++;
        readers.set(id, { data: incoming.get(self.id as number)!, at: 0 });
        return ref('input-stream', id);
      }
      case '[method]input-stream.read': {
        const reader = readers.get(self.id as number)!;
        if (reader.at >= reader.data.length) throw new WitError({ tag: 'closed' });
        const chunk = reader.data.slice(reader.at, reader.at + Number(args[1] as bigint));
        reader.at += chunk.length;
        return chunk;
      }
      case '[method]container.delete-object':
        objects.delete(args[1] as string);
        return undefined;
      case '[method]container.list-objects':
        return ref('stream-object-names', next++);
      case '[method]stream-object-names.read-stream-object-names':
        return [[...objects.keys()], true];
      default:
        throw new Error(`memory blobstore: unexpected ${iface}#${fn}`);
    }
  };
  return { handler, objects, dropped };
}

describe('host-side streams (wasi:blobstore through the bridge)', { timeout: 300_000 }, () => {
  let runtime: ComponentRuntime;
  let dispose: () => Promise<void>;
  const store = memoryBlobstore();

  before(async () => {
    ({ runtime, dispose } = await startRuntime({ importHandler: store.handler }));
    const [built] = await buildProject(join(examples, 'blobby'));
    assert.ok(built);
    await runtime.scale({ componentId: 'blobby', imageRef: pathToFileURL(built.wasmPath).href, count: 2 });
  });
  after(() => dispose());

  it('streams a request body into the store and back out', async () => {
    // 300 KiB: many 4 KiB writes in, many 64 KiB reads out.
    const body = new Uint8Array(300 * 1024).map((_, i) => (i * 7) % 251);
    const put = await runtime.handleHttp('blobby', { method: 'PUT', pathWithQuery: '/data.bin', body });
    assert.equal(put.status, 201, text(put.body));
    assert.equal(text(put.body), `stored data.bin (${body.length} bytes)\n`);
    assert.deepEqual(store.objects.get('data.bin'), body);
    assert.ok(store.dropped.includes('[resource-drop]output-stream'), 'the guest dropped its body stream');

    const get = await runtime.handleHttp('blobby', { method: 'GET', pathWithQuery: '/data.bin' });
    assert.equal(get.status, 200);
    assert.deepEqual(get.body, body);

    const list = await runtime.handleHttp('blobby', { method: 'GET', pathWithQuery: '/' });
    assert.deepEqual(JSON.parse(text(list.body)), { container: 'blobby', objects: ['data.bin'] });

    const del = await runtime.handleHttp('blobby', { method: 'DELETE', pathWithQuery: '/data.bin' });
    assert.equal(del.status, 200);
    assert.equal(store.objects.has('data.bin'), false);
    const missing = await runtime.handleHttp('blobby', { method: 'GET', pathWithQuery: '/data.bin' });
    assert.equal(missing.status, 404);
  });
});
