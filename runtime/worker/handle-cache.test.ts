import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHandleControl, HandleControl, WorkerHandleCache } from './handle-cache.js';

const STORE = 'wasi:keyvalue/store@0.2.0-draft';

/** A host that answers each open with a new bucket handle and records what it was asked. */
function fakeHost() {
  const asked: string[] = [];
  let next = 1;
  const send = (fn: string, args: unknown[]): unknown => {
    asked.push(`${fn} ${String(args[0])}`);
    if (fn === 'open' && args[0] === 'missing') throw new Error('no such store');
    return fn === 'open' ? { $resource: 'bucket', id: next++ } : 'other';
  };
  return { asked, send };
}

function setUp(enabled = true) {
  const control = new HandleControl(createHandleControl());
  if (enabled) control.enable();
  const cache = new WorkerHandleCache();
  cache.attach(control.memory);
  return { control, cache, host: fakeHost() };
}

describe('WorkerHandleCache', () => {
  it('asks the host for the first open only, per component, link and identifier', () => {
    const { cache, host } = setUp();
    const open = (component: string, link: string, bucket: string) => cache.call(component, STORE, link, 'open', [bucket], host.send);
    assert.deepEqual(open('a', 'default', 'x'), { $resource: 'bucket', id: 1 });
    assert.deepEqual(open('a', 'default', 'x'), { $resource: 'bucket', id: 1 });
    assert.deepEqual(open('a', 'other', 'x'), { $resource: 'bucket', id: 2 });
    assert.deepEqual(open('b', 'default', 'x'), { $resource: 'bucket', id: 3 });
    assert.deepEqual(open('a', 'default', 'y'), { $resource: 'bucket', id: 4 });
    assert.equal(host.asked.length, 4);
    // Every other call goes to the host.
    assert.equal(cache.call('a', STORE, 'default', '[method]bucket.get', [{ $resource: 'bucket', id: 1 }], host.send), 'other');
    assert.equal(host.asked.length, 5);
  });

  it('forgets every copy when the host lets a handle go', () => {
    const { control, cache, host } = setUp();
    cache.call('a', STORE, 'default', 'open', ['x'], host.send);
    control.invalidate();
    assert.deepEqual(cache.call('a', STORE, 'default', 'open', ['x'], host.send), { $resource: 'bucket', id: 2 });
    assert.equal(host.asked.length, 2);
  });

  it('keeps nothing while off, while someone spies, or when the open failed', () => {
    const off = setUp(false);
    off.cache.call('a', STORE, 'default', 'open', ['x'], off.host.send);
    off.cache.call('a', STORE, 'default', 'open', ['x'], off.host.send);
    assert.equal(off.host.asked.length, 2);

    const { control, cache, host } = setUp();
    control.spying(true);
    cache.call('a', STORE, 'default', 'open', ['x'], host.send);
    cache.call('a', STORE, 'default', 'open', ['x'], host.send);
    assert.equal(host.asked.length, 2);
    control.spying(false);

    assert.throws(() => cache.call('a', STORE, 'default', 'open', ['missing'], host.send), /no such store/);
    assert.throws(() => cache.call('a', STORE, 'default', 'open', ['missing'], host.send), /no such store/);
    assert.equal(host.asked.filter((a) => a === 'open missing').length, 2);
  });

  it('hands out copies: a guest cannot change what the next one gets', () => {
    const { cache, host } = setUp();
    const first = cache.call('a', STORE, 'default', 'open', ['x'], host.send) as { id: number };
    first.id = 99;
    assert.deepEqual(cache.call('a', STORE, 'default', 'open', ['x'], host.send), { $resource: 'bucket', id: 1 });
  });
});
