import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Inventory } from './inventory.js';

const echo = { id: 'echo', image_ref: 'file:///echo.wasm', annotations: {}, max_instances: 3, revision: 0 };

test('every change bumps the revision once; unchanged upserts do not', () => {
  const inventory = new Inventory();
  const revisions: number[] = [];
  inventory.onChange((r) => revisions.push(r));
  inventory.upsertComponent(echo);
  inventory.upsertComponent({ ...echo });
  inventory.upsertComponent({ ...echo, max_instances: 5 });
  inventory.upsertProvider({ id: 'kv', image_ref: 'builtin:kv', annotations: {}, revision: 0 });
  assert.equal(inventory.removeProvider('nope'), false);
  inventory.touch();
  assert.deepEqual(revisions, [1, 2, 3, 4]);
  assert.deepEqual(inventory.counts(), { components: 1, providers: 1, instances: 5 });
});

test('entries are copies: callers cannot change the inventory behind its back', () => {
  const inventory = new Inventory();
  inventory.upsertComponent(echo);
  const copy = inventory.getComponent('echo')!;
  copy.max_instances = 99;
  inventory.components()[0]!.annotations.x = 'y';
  assert.deepEqual(inventory.getComponent('echo'), echo);
  assert.equal(inventory.getComponent('missing'), null);
});
