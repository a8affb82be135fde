import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeJson, encodeJson } from '../../protocol/codec.js';
import { KvRevisionError } from '../../store/kv-bucket.js';
import { MemoryKvBucket } from '../../store/memory-kv.js';
import { StoreError } from './errors.js';
import { ManifestStore } from './manifest-store.js';
import { demoManifest } from './test-manifests.js';

function memoryStore(bucket = new MemoryKvBucket('MANIFESTS_test')): ManifestStore {
  return ManifestStore.over(bucket, 'test');
}

/**
 * A bucket whose next `readers` reads wait until all of them are in, so that every writer
 * computes its change from the same revision and all but one lose the compare-and-set.
 */
class RacingBucket extends MemoryKvBucket {
  losses = 0;
  private readers = 0;
  private waiting: Array<() => void> = [];

  constructor() {
    super('MANIFESTS_race');
  }

  gate(readers: number): void {
    this.readers = readers;
  }

  override async entry(key: string) {
    const entry = await super.entry(key);
    if (this.readers > 0) {
      this.readers--;
      if (this.readers > 0) await new Promise<void>((resolve) => this.waiting.push(resolve));
      else for (const wake of this.waiting.splice(0)) wake();
    }
    return entry;
  }

  override async update(key: string, value: Uint8Array, revision: number): Promise<number> {
    try {
      return await super.update(key, value, revision);
    } catch (error) {
      if (error instanceof KvRevisionError) this.losses++;
      throw error;
    }
  }
}

describe('ManifestStore over a memory bucket', () => {
  it('puts versions, deploys, rolls back to the version before and settles', async () => {
    const store = memoryStore();
    assert.deepEqual(await store.put(demoManifest('app', 'v1')), { accepted: true, name: 'app', version: 'v1', created: true, problems: [] });
    assert.equal((await store.put(demoManifest('app', 'v1'))).created, false);
    assert.equal((await store.put(demoManifest('app', 'v2', 3))).accepted, true);
    assert.deepEqual(await store.deploy('app'), { ok: true, version: 'v2', previous: null });
    // Rolling back is deploying the earlier version: the reconciler is told what to take down.
    assert.deepEqual(await store.deploy('app', 'v1'), { ok: true, version: 'v1', previous: 'v2' });
    const desired = await store.desired('app');
    assert.equal(desired?.manifest?.version, 'v1');
    assert.equal(desired?.previous?.components[0]?.scaler?.instances, 3);
    await store.settle('app');
    assert.equal((await store.record('app'))?.previous_version, null);
    assert.deepEqual(
      (await store.versions('app'))?.map((v) => [v.version, v.deployed]),
      [
        ['v1', true],
        ['v2', false],
      ],
    );
  });

  it('keeps canary verdicts with their version; a rollback verdict deploys the earlier version in the same write', async () => {
    const store = memoryStore();
    await store.put(demoManifest('app', 'v1'));
    await store.put(demoManifest('app', 'v2'));
    await store.deploy('app', 'v1');
    await store.deploy('app', 'v2');
    const figures = { requests: 40, errors: 12, p50_ms: 1, p99_ms: 3 };
    const report = (state: 'promoted' | 'rolled_back', decidedAt: Date) => ({
      version: 'v2',
      component: 'web',
      image_ref: 'file://web-v2.wasm',
      weight: 10,
      window_s: 5,
      state,
      reason: 'error rate 30% against 0%',
      decided_at: decidedAt.toISOString(),
      stable: figures,
      canary: figures,
    });
    assert.equal((await store.desired('app'))?.rollbackVersion, 'v1');
    const rolledBack = report('rolled_back', new Date(Date.now() + 1_000));
    await store.noteCanary('app', rolledBack, 'v1');
    const after = await store.desired('app');
    assert.equal(after?.deployedVersion, 'v1');
    assert.deepEqual(after?.canaries, [rolledBack], 'the verdict that caused this deployment is part of it');
    assert.deepEqual(
      (await store.versions('app'))?.map((v) => [v.version, v.deployed, v.canaries?.map((c) => c.state)]),
      [
        ['v1', true, undefined],
        ['v2', false, ['rolled_back']],
      ],
    );
    // Deployed again by hand later: a new try, with a new canary (the old verdict stays in history).
    await new Promise((r) => setTimeout(r, 1_100));
    await store.deploy('app', 'v2');
    assert.deepEqual((await store.desired('app'))?.canaries, []);
    const promoted = report('promoted', new Date(Date.now() + 1_000));
    await store.noteCanary('app', promoted);
    assert.deepEqual((await store.desired('app'))?.canaries, [promoted], 'a later verdict on one component replaces the earlier one');
    assert.equal((await store.versions('app'))?.find((v) => v.version === 'v2')?.canaries?.length, 1);
  });

  it('lists problems of an invalid manifest and refuses other content under an existing version', async () => {
    const store = memoryStore();
    const broken = demoManifest('app', 'v1');
    broken.spec.components.push({ ...broken.spec.components[0]! });
    const refused = await store.put(broken);
    assert.equal(refused.accepted, false);
    assert.ok(refused.problems.some((p) => p.level === 'error' && /duplicate component name/.test(p.message)));
    assert.deepEqual(await store.list(), []);
    await store.put(demoManifest('app', 'v1'));
    const clash = await store.put(demoManifest('app', 'v1', 2));
    assert.equal(clash.accepted, false);
    assert.match(clash.problems.at(-1)!.message, /already exists with other content/);
  });

  it('undeploys, deletes an unused version, and deletes a deployed app only once its undeploy settles', async () => {
    const store = memoryStore();
    await store.put(demoManifest('app', 'v1'));
    await store.put(demoManifest('app', 'v2', 2));
    await store.deploy('app', 'v2');
    assert.deepEqual(await store.delete('app', 'v1'), { ok: true, deleted: ['v1'], undeployed: false });
    const inUse = await store.delete('app', 'v2');
    assert.ok(inUse && !inUse.ok && /undeploy first/.test(inUse.message));
    assert.deepEqual(await store.delete('app'), { ok: true, deleted: ['v2'], undeployed: true });
    assert.equal(await store.get('app'), null);
    assert.deepEqual(await store.list(), []);
    assert.deepEqual(
      (await store.list({ all: true })).map((r) => r.name),
      ['app'],
    );
    assert.equal(await store.undeploy('app'), null, 'a deleted app is gone for the API');
    await store.settle('app');
    assert.equal(await store.record('app'), null);
    assert.deepEqual(await store.list({ all: true }), []);
  });

  it('keeps the stored record in the wire format wadm instances share', async () => {
    const bucket = new MemoryKvBucket('MANIFESTS_test');
    const store = memoryStore(bucket);
    await store.put(demoManifest('app', 'v1'), new Date('2024-01-02T03:04:05.000Z'));
    assert.deepEqual(decodeJson((await bucket.get('app'))!), {
      name: 'app',
      versions: [{ version: 'v1', created_at: '2024-01-02T03:04:05.000Z', manifest: demoManifest('app', 'v1') }],
      deployed_version: null,
      previous_version: null,
      deleted: false,
    });
  });

  it('two wadm instances writing the same app at once: the loser retries and both changes land', async () => {
    const bucket = new RacingBucket();
    const [first, second] = [memoryStore(bucket), memoryStore(bucket)];
    await first.put(demoManifest('app', 'v0'));
    bucket.gate(2);
    // Both read v0's record before either writes: one deploys, the other adds a version.
    const [deployed, put] = await Promise.all([first.deploy('app', 'v0'), second.put(demoManifest('app', 'v1', 2))]);
    assert.ok(deployed?.ok && put.accepted);
    assert.equal(bucket.losses, 1, 'exactly one writer lost the compare-and-set');
    const record = await first.record('app');
    assert.deepEqual(
      record?.versions.map((v) => v.version),
      ['v0', 'v1'],
    );
    assert.equal(record?.deployed_version, 'v0');
  });

  it('gives up with a StoreError, the lost race as its cause, when another writer always wins', async () => {
    class AlwaysBeaten extends MemoryKvBucket {
      override async create(key: string, _value: Uint8Array): Promise<number> {
        throw new KvRevisionError(this.name, key, 0);
      }
    }
    const store = memoryStore(new AlwaysBeaten('MANIFESTS_test'));
    await assert.rejects(
      store.put(demoManifest('app', 'v1')),
      (e: unknown) => e instanceof StoreError && e.cause instanceof KvRevisionError && /after \d+ attempts/.test(e.message),
    );
  });

  it('names a malformed stored record instead of acting on it', async () => {
    const bucket = new MemoryKvBucket('MANIFESTS_test');
    await bucket.put('app', encodeJson({ name: 'app', versions: 'many' }));
    await assert.rejects(memoryStore(bucket).deploy('app'), (e: unknown) => e instanceof StoreError && /malformed/.test(e.message));
  });

  it('watch tells the reconciler of every record written or purged', async () => {
    const store = memoryStore();
    await store.put(demoManifest('a', 'v1'));
    const watch = await store.watch();
    const seen: string[] = [];
    const done = (async () => {
      for await (const change of watch) {
        seen.push(`${change.key}:${change.value ? 'put' : 'gone'}`);
        if (seen.length === 3) watch.stop();
      }
    })();
    await store.put(demoManifest('b', 'v1'));
    await store.delete('a');
    await done;
    assert.deepEqual(seen, ['a:put', 'b:put', 'a:gone']);
  });
});
