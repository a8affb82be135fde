import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { createLogger } from '../lib/logger.js';
import { encodeJson } from '../protocol/mod.js';
import { StoredValueError } from './kv.js';
import type { ViewChange } from './kv-view.js';
import { MemoryKvBucket } from './memory-kv.js';
import { TypedKvStore } from './typed-kv.js';

const log = createLogger({ component: 'typed-kv-test' });
const Point = z.strictObject({ x: z.number(), y: z.number() });
type Point = z.infer<typeof Point>;

function store(bucket = new MemoryKvBucket('POINTS')): TypedKvStore<Point> {
  return TypedKvStore.over(bucket, Point, log);
}

/** Resolves when `changes` holds `count` entries (the view applies watch changes asynchronously). */
async function until(changes: ViewChange<Point>[], count: number): Promise<void> {
  for (let i = 0; i < 100 && changes.length < count; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(changes.length, count, `expected ${count} changes, saw ${JSON.stringify(changes)}`);
}

describe('MemoryKvBucket', () => {
  it('copies values in and out: a caller cannot change what is stored', async () => {
    const bucket = new MemoryKvBucket('B');
    const value = new Uint8Array([1, 2, 3]);
    await bucket.put('k', value);
    value[0] = 9;
    const read = await bucket.get('k');
    assert.deepEqual(read, new Uint8Array([1, 2, 3]));
    read![1] = 9;
    assert.deepEqual(await bucket.get('k'), new Uint8Array([1, 2, 3]));
  });

  it('a watch hands out the live values, then calls initialized, then the changes, until stopped', async () => {
    const bucket = new MemoryKvBucket('B');
    await bucket.put('a', new Uint8Array([1]));
    const seen: string[] = [];
    const watch = await bucket.watch(() => seen.push('initialized'));
    await bucket.put('b', new Uint8Array([2]));
    await bucket.delete('a');
    const done = (async () => {
      for await (const change of watch) {
        seen.push(`${change.key}=${change.value ? change.value[0] : 'deleted'}`);
        if (seen.length === 4) watch.stop();
      }
    })();
    await done;
    assert.deepEqual(seen, ['a=1', 'initialized', 'b=2', 'a=deleted']);
  });
});

describe('TypedKvStore over memory', () => {
  it('puts, gets, lists sorted keys, deletes and names the missing keys', async () => {
    const points = store();
    await points.put('b', { x: 1, y: 2 });
    await points.put('a', { x: 3, y: 4 });
    assert.deepEqual(await points.get('b'), { x: 1, y: 2 });
    assert.equal(await points.get('nope'), null);
    assert.deepEqual(await points.keys(), ['a', 'b']);
    assert.deepEqual(await points.missing(['a', 'c', 'c', 'd']), ['c', 'd']);
    assert.equal(await points.delete('a'), true);
    assert.equal(await points.delete('a'), false);
    assert.deepEqual(await points.keys(), ['b']);
  });

  it('refuses a stored value that is not JSON or not of the schema, naming bucket and key', async () => {
    const bucket = new MemoryKvBucket('POINTS');
    const points = store(bucket);
    await bucket.put('text', new TextEncoder().encode('not json'));
    await bucket.put('shape', encodeJson({ x: 'one' }));
    await assert.rejects(
      points.get('text'),
      (e: unknown) => e instanceof StoredValueError && e.key === 'text' && /in POINTS is invalid: not JSON/.test(e.message),
    );
    await assert.rejects(points.get('shape'), (e: unknown) => e instanceof StoredValueError && e.bucket === 'POINTS' && e.key === 'shape');
  });

  it('an empty value counts as absent for reads but as present for missing()', async () => {
    const bucket = new MemoryKvBucket('POINTS');
    await bucket.put('empty', new Uint8Array());
    const points = store(bucket);
    assert.equal(await points.get('empty'), null);
    assert.deepEqual(await points.missing(['empty']), []);
  });

  it('the live view loads the current values, reports every change with its previous value, and freezes values', async () => {
    const bucket = new MemoryKvBucket('POINTS');
    const points = store(bucket);
    await points.put('a', { x: 1, y: 1 });
    const view = await points.live();
    assert.equal(view, await points.live(), 'one view shared by every reader');
    assert.deepEqual(view.get('a'), { x: 1, y: 1 });
    assert.ok(Object.isFrozen(view.get('a')));
    const changes: ViewChange<Point>[] = [];
    view.onChange((change) => changes.push(change));
    await points.put('b', { x: 2, y: 2 });
    await points.put('a', { x: 5, y: 5 });
    await points.delete('b');
    await until(changes, 3);
    assert.deepEqual(changes, [
      { key: 'b', value: { x: 2, y: 2 }, previous: null },
      { key: 'a', value: { x: 5, y: 5 }, previous: { x: 1, y: 1 } },
      { key: 'b', value: null, previous: { x: 2, y: 2 } },
    ]);
    assert.deepEqual(view.keys(), ['a']);
    assert.equal(view.size, 1);
    await points.close();
  });

  it('the live view skips a value that does not decode and keeps serving the others', async () => {
    const bucket = new MemoryKvBucket('POINTS');
    const points = store(bucket);
    await bucket.put('bad', encodeJson({ x: 'one' }));
    await points.put('good', { x: 1, y: 2 });
    const view = await points.live();
    assert.deepEqual(view.keys(), ['good']);
    assert.equal(view.has('bad'), false);
    await points.close();
  });

  it('a listener that throws does not keep the others from hearing the change', async () => {
    const points = store();
    const view = await points.live();
    const changes: ViewChange<Point>[] = [];
    view.onChange(() => {
      throw new Error('listener bug');
    });
    const unsubscribe = view.onChange((change) => changes.push(change));
    await points.put('a', { x: 1, y: 1 });
    await until(changes, 1);
    unsubscribe();
    await points.put('a', { x: 2, y: 2 });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(changes.length, 1, 'an unsubscribed listener hears nothing more');
    await points.close();
  });
});
