import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../lib/logger.js';
import { encodeJson, Link, type LinkDelInput, LinkDelRequest } from '../protocol/mod.js';
import { memoryStores } from './memory-stores.js';

const log = createLogger({ component: 'link-store-test' });

function link(source: string, target: string, pkg = 'keyvalue', name = 'default'): Link {
  return Link.parse({ source_id: source, target, wit_namespace: 'wasi', wit_package: pkg, name, interfaces: ['store'] });
}

const del = (input: LinkDelInput): LinkDelRequest => LinkDelRequest.parse(input);

describe('LinkStore over memory', () => {
  it('a link with the same identity (target included) replaces the stored one; list is ordered by key', async () => {
    const { links } = memoryStores(log);
    await links.put(link('web', 'kv-redis'));
    await links.put({ ...link('web', 'kv-redis'), interfaces: ['store', 'atomics'] });
    await links.put(link('web', 'kv-nats'));
    await links.put(link('api', 'kv-nats'));
    assert.deepEqual(
      (await links.list()).map((l) => [l.source_id, l.target, l.interfaces.join(',')]),
      [
        ['api', 'kv-nats', 'store'],
        ['web', 'kv-nats', 'store'],
        ['web', 'kv-redis', 'store,atomics'],
      ],
    );
    const identity = { source_id: 'web', wit_namespace: 'wasi', wit_package: 'keyvalue', name: 'default', target: 'kv-redis' };
    assert.deepEqual((await links.get(identity))?.interfaces, ['store', 'atomics']);
    assert.equal(await links.get({ ...identity, target: 'kv-memory' }), null);
  });

  it('delete removes what the request names and returns it; nothing named, nothing removed', async () => {
    const { links } = memoryStores(log);
    await links.put(link('web', 'kv-redis'));
    await links.put(link('web', 'kv-redis', 'keyvalue', 'cache'));
    await links.put(link('web', 'blob', 'blobstore'));
    const removed = await links.delete(del({ source_id: 'web', wit_namespace: 'wasi', wit_package: 'keyvalue', name: 'cache' }));
    assert.deepEqual(
      removed.map((l) => l.name),
      ['cache'],
    );
    assert.deepEqual(await links.delete(del({ source_id: 'web', wit_namespace: 'wasi', wit_package: 'keyvalue', target: 'elsewhere' })), []);
    assert.equal((await links.list()).length, 2);
  });

  it('list skips a stored value that is not a link', async () => {
    const { links, buckets } = memoryStores(log);
    await links.put(link('web', 'kv-redis'));
    await buckets.links.put('web.wasi.broken.default', encodeJson({ source_id: 'web' }));
    assert.deepEqual(
      (await links.list()).map((l) => l.source_id),
      ['web'],
    );
  });

  it('the live view answers from, to and find, and follows puts and deletes', async () => {
    const { links, close } = memoryStores(log);
    await links.put(link('web', 'kv-redis'));
    await links.put(link('web', 'kv-redis', 'keyvalue', 'cache'));
    await links.put(link('http-server', 'web', 'http'));
    const view = await links.live();
    assert.deepEqual(
      view.from('web').map((l) => l.name),
      ['cache', 'default'],
    );
    assert.deepEqual(
      view.to('web').map((l) => l.source_id),
      ['http-server'],
    );
    assert.deepEqual(
      view.find('web', 'wasi', 'keyvalue', 'cache').map((l) => l.target),
      ['kv-redis'],
    );
    assert.deepEqual(view.find('web', 'wasi', 'blobstore'), []);
    const heard = new Promise((resolve) => view.onChange(resolve));
    await links.delete(del({ source_id: 'web', wit_namespace: 'wasi', wit_package: 'keyvalue' }));
    await heard;
    assert.deepEqual(
      view.from('web').map((l) => l.name),
      ['cache'],
    );
    await close();
  });
});
