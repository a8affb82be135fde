import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WitError } from '../../protocol/mod.js';
import { unknownHandleMessage } from '../../providers/shared/handle-table.js';
import { HandleCache } from './handle-cache.js';

const STORE = 'wasi:keyvalue/store@0.2.0-draft';
const ATOMICS = 'wasi:keyvalue/atomics@0.2.0-draft';

/** A provider's side of the calls: bucket handles per owner, and a log of what reached it. */
class Provider {
  readonly calls: string[] = [];
  private next = 1;
  readonly open = new Map<number, string>();

  forward = async (componentId: string, _iface: string, fn: string, args: unknown[], linkName: string): Promise<unknown> => {
    this.calls.push(`${componentId} ${linkName} ${fn} ${JSON.stringify(args, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
    if (fn === 'open') {
      if (args[0] === 'missing') throw new WitError({ tag: 'no-such-store' });
      const id = this.next++;
      this.open.set(id, args[0] as string);
      return { $resource: 'bucket', id };
    }
    const bucket = args[0] as { id: number };
    if (!this.open.has(bucket.id)) throw new WitError({ tag: 'other', val: `${unknownHandleMessage('bucket')} (dropped)` });
    if (fn === '[resource-drop]bucket') {
      this.open.delete(bucket.id);
      return undefined;
    }
    return `${fn} on ${this.open.get(bucket.id)}`;
  };

  count(fn: string): number {
    return this.calls.filter((c) => c.split(' ')[2] === fn).length;
  }
}

/** A cache in front of `provider`, and a call through it as the router makes one. */
function cached(provider: Provider): {
  cache: HandleCache;
  call(componentId: string, iface: string, fn: string, args: unknown[], linkName: string): Promise<unknown>;
} {
  const cache = new HandleCache(provider.forward);
  return {
    cache,
    call: (componentId, iface, fn, args, linkName) =>
      cache.call(componentId, iface, fn, args, linkName, (i: string, f: string, a: unknown[]) => provider.forward(componentId, i, f, a, linkName)),
  };
}

describe('HandleCache', () => {
  it('opens a bucket once per component, link name and identifier; drops of it are absorbed', async () => {
    const provider = new Provider();
    const { call } = cached(provider);
    for (let i = 0; i < 5; i++) {
      const bucket = await call('counter', STORE, 'open', ['hits'], 'default');
      assert.equal(await call('counter', ATOMICS, 'increment', [bucket, 'k', 1n], 'default'), 'increment on hits');
      assert.equal(await call('counter', STORE, '[resource-drop]bucket', [bucket], 'default'), undefined);
    }
    assert.equal(provider.count('open'), 1);
    assert.equal(provider.count('[resource-drop]bucket'), 0);
    assert.equal(provider.count('increment'), 5);
  });

  it('keeps components, link names and identifiers apart', async () => {
    const provider = new Provider();
    const { call } = cached(provider);
    const refs = await Promise.all([
      call('a', STORE, 'open', ['x'], 'default'),
      call('b', STORE, 'open', ['x'], 'default'),
      call('a', STORE, 'open', ['x'], 'cache'),
      call('a', STORE, 'open', ['y'], 'default'),
      call('a', STORE, 'open', ['x'], 'default'),
    ]);
    assert.equal(provider.count('open'), 4, 'the last open shares the first one');
    assert.deepEqual(refs[4], refs[0]);
  });

  it('opens again and retries once when the provider no longer knows the handle', async () => {
    const provider = new Provider();
    const { call } = cached(provider);
    const bucket = (await call('c', STORE, 'open', ['hits'], 'default')) as { id: number };
    provider.open.clear(); // the provider restarted
    assert.equal(await call('c', STORE, '[method]bucket.get', [bucket, 'k'], 'default'), '[method]bucket.get on hits');
    assert.equal(provider.count('open'), 2);
  });

  it('does not keep a failed open', async () => {
    const provider = new Provider();
    const { call } = cached(provider);
    for (let i = 0; i < 2; i++) await assert.rejects(call('c', STORE, 'open', ['missing'], 'default'), WitError);
    assert.equal(provider.count('open'), 2);
  });

  it('releases what a stopped component held, and the least recently used past its limit', async () => {
    const provider = new Provider();
    const { cache, call } = cached(provider);
    for (let i = 0; i < 65; i++) await call('many', STORE, 'open', [`b${i}`], 'default');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(provider.count('[resource-drop]bucket'), 1);
    assert.ok(!provider.open.has(1), 'the first bucket was released');
    cache.forget('many');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(provider.open.size, 0);
  });

  it('passes every other call through unchanged', async () => {
    const provider = new Provider();
    const { call } = cached(provider);
    await assert.rejects(call('c', ATOMICS, 'increment', [{ $resource: 'bucket', id: 99 }, 'k', 1n], 'default'), WitError);
    assert.equal(await call('c', 'lattice:demo/echo@0.1.0', 'echo', ['hi'], 'default').catch(() => 'forwarded'), 'forwarded');
    assert.equal(provider.calls.length, 2);
  });
});
