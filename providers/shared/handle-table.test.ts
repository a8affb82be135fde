import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HandleTable } from './handle-table.js';

describe('HandleTable', () => {
  it('gives each owner only its own handles', () => {
    const t = new HandleTable<string>({ resource: 'bucket' });
    const h = t.add('a', 'value-a');
    assert.deepEqual(h, { $resource: 'bucket', id: 1 });
    assert.equal(t.get('a', h), 'value-a');
    assert.equal(t.get('b', h), null);
    assert.equal(t.get('a', { $resource: 'container', id: h.id }), null, 'another resource kind with the same id');
    assert.equal(t.get('a', { $resource: 'bucket', id: String(h.id) }), 'value-a', 'ids that crossed a process boundary as text');
  });

  it('evicts the least recently used entry of an owner past the bound, releasing it', () => {
    const released: string[] = [];
    const t = new HandleTable<string>({ resource: 'bucket', maxPerOwner: 2, release: (v) => released.push(v) });
    const one = t.add('a', 'one');
    const two = t.add('a', 'two');
    t.get('a', one); // `one` is now more recent than `two`
    t.add('a', 'three');
    t.add('b', 'other owner');
    assert.deepEqual(released, ['two']);
    assert.equal(t.get('a', two), null);
    assert.equal(t.get('a', one), 'one');
    assert.equal(t.size('a'), 2);
    assert.equal(t.size(), 3);
  });

  it('drops and takes: a drop releases, a take hands the value on without releasing', () => {
    const released: string[] = [];
    const t = new HandleTable<string>({ resource: 'incoming-value', release: (v) => released.push(v) });
    const a = t.add('o', 'a');
    const b = t.add('o', 'b');
    assert.equal(t.take('o', a), 'a');
    t.drop('o', b);
    t.drop('o', b); // dropping twice is harmless
    assert.deepEqual(released, ['b']);
    assert.equal(t.size(), 0);
  });
});
