import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { ManifestStore, MAX_RECORD_BYTES, MAX_VERSIONS } from '../../wadm/store/mod.js';
import { StatusStore } from '../../wadm/store/status-store.js';
import type { AppStatus } from '../../protocol/schemas/wadm.js';
import { NatsServer } from '../kit/nats-server.js';
import { fixture, type ManifestDoc } from './manifest-files.js';

const kvCounter = (): ManifestDoc => fixture('valid', 'http-counter.yaml');

function withVersion(m: ManifestDoc, version: string | undefined): ManifestDoc {
  const copy = structuredClone(m);
  if (version === undefined) delete copy.metadata.annotations.version;
  else copy.metadata.annotations.version = version;
  return copy;
}

describe('ManifestStore on JetStream KV', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let store: ManifestStore;

  before(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
    store = await ManifestStore.open(nc, 'store-test');
  });
  after(async () => {
    await nc.close();
    await server.dispose();
  });

  it('puts versions, refuses a changed manifest under an existing version, and generates versions', async () => {
    const v1 = await store.put(kvCounter());
    assert.deepEqual([v1.accepted, v1.name, v1.version, v1.created], [true, 'http-counter', 'v0.0.1', true]);
    const again = await store.put(kvCounter());
    assert.deepEqual([again.accepted, again.created], [true, false]);
    const changed = kvCounter();
    changed.spec.components[0].traits[0].properties.instances = 5;
    const clash = await store.put(changed);
    assert.equal(clash.accepted, false);
    assert.match(clash.problems.at(-1)!.message, /already exists with other content/);
    const generated = await store.put(withVersion(changed, undefined));
    assert.equal(generated.accepted, true);
    assert.match(generated.version!, /^\d{17}-[0-9a-f]{6}$/);
    assert.deepEqual(
      (await store.versions('http-counter'))!.map((v) => v.version),
      ['v0.0.1', generated.version],
    );
    assert.equal((await store.get('http-counter'))!.version.version, generated.version);
    assert.equal((await store.get('http-counter', 'v0.0.1'))!.version.version, 'v0.0.1');
  });

  it('rejects an invalid manifest with every problem and stores nothing', async () => {
    const r = await store.put(fixture('invalid', 'duplicate-component.yaml'));
    assert.equal(r.accepted, false);
    assert.equal(r.problems.filter((p) => p.level === 'error').length, 2);
    assert.equal(await store.record('bookshop'), null);
  });

  it('deploys latest or a named version, remembers the previous one, undeploys and settles', async () => {
    const app = 'http-counter';
    const latest = await store.deploy(app);
    assert.ok(latest?.ok);
    const named = await store.deploy(app, 'v0.0.1');
    assert.ok(named?.ok && named.version === 'v0.0.1' && named.previous === latest.version);
    let desired = await store.desired(app);
    assert.equal(desired!.manifest!.version, 'v0.0.1');
    assert.equal(desired!.previousVersion, latest.version);
    assert.equal(desired!.previous!.components[0]!.scaler!.instances, 5);
    await store.settle(app);
    assert.equal((await store.record(app))!.previous_version, null);
    const missing = await store.deploy(app, 'v9');
    assert.ok(missing && !missing.ok && /no version "v9"/.test(missing.message));
    assert.equal(await store.deploy('nope'), null);
    // a deployed version cannot be deleted
    const refuse = await store.delete(app, 'v0.0.1');
    assert.ok(refuse && !refuse.ok);
    assert.deepEqual(await store.undeploy(app), { undeployed: true });
    assert.deepEqual(await store.undeploy(app), { undeployed: false });
    desired = await store.desired(app);
    assert.equal(desired!.manifest, null);
    assert.equal(desired!.previousVersion, 'v0.0.1');
  });

  it('deletes a deployed app by undeploying it first, then purges it when the undeploy settles', async () => {
    const named = await store.put({ ...withVersion(kvCounter(), 'd1'), metadata: { name: 'gone', annotations: { version: 'd1' } } });
    assert.ok(named.accepted);
    await store.deploy('gone');
    const del = await store.delete('gone');
    assert.deepEqual(del, { ok: true, deleted: ['d1'], undeployed: true });
    assert.equal(await store.get('gone'), null);
    assert.ok(!(await store.list()).some((r) => r.name === 'gone'));
    const pending = await store.desired('gone');
    assert.equal(pending!.deleted, true);
    assert.equal(pending!.previous!.name, 'gone');
    await store.settle('gone');
    assert.equal(await store.record('gone'), null);
  });

  it('keeps every concurrent put (compare-and-set) and caps the history', async () => {
    const base = { ...kvCounter(), metadata: { name: 'busy', annotations: {} } };
    const puts = await Promise.all(Array.from({ length: 12 }, (_, i) => store.put(withVersion(base, `c${i}`))));
    assert.ok(puts.every((p) => p.accepted && p.created));
    assert.equal((await store.versions('busy'))!.length, 12);
    await store.deploy('busy', 'c0');
    for (let i = 12; i < MAX_VERSIONS + 5; i++) await store.put(withVersion(base, `c${i}`));
    const kept = (await store.versions('busy'))!.map((v) => v.version);
    assert.equal(kept.length, MAX_VERSIONS);
    assert.equal(kept[0], 'c0', 'the deployed version is never pruned');
    assert.ok(!kept.includes('c1'));
  });

  it('survives a second store instance (another wadm) writing the same app', async () => {
    const nc2 = await connect({ servers: server.url });
    try {
      const other = await ManifestStore.open(nc2, 'store-test');
      const base = { ...kvCounter(), metadata: { name: 'shared-writes', annotations: {} } };
      await Promise.all([store.put(withVersion(base, 'a')), other.put(withVersion(base, 'b')), store.put(withVersion(base, 'c'))]);
      assert.deepEqual((await store.versions('shared-writes'))!.map((v) => v.version).sort(), ['a', 'b', 'c']);
    } finally {
      await nc2.close();
    }
  });

  it('drops old versions to stay under the KV payload limit and refuses a manifest too large to store', async () => {
    const big = (version: string, kib: number) => {
      const m = withVersion({ ...kvCounter(), metadata: { name: 'big', annotations: {} } }, version);
      m.metadata.annotations.description = 'x'.repeat(kib * 1024);
      return m;
    };
    for (const v of ['b1', 'b2', 'b3', 'b4']) assert.ok((await store.put(big(v, 250))).accepted, v);
    const kept = (await store.versions('big'))!.map((v) => v.version);
    assert.ok(kept.length < 4 && kept.at(-1) === 'b4', kept.join(','));
    const huge = await store.put(big('b5', 900));
    assert.equal(huge.accepted, false);
    assert.match(huge.problems.at(-1)!.message, new RegExp(`too large to store .*limit ${MAX_RECORD_BYTES / 1024} KiB`));
  });
});

describe('StatusStore', () => {
  let server: NatsServer;
  let nc: NatsConnection;

  before(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
  });
  after(async () => {
    await nc.close();
    await server.dispose();
  });

  it("never lets the API's early status overwrite one the reconciler wrote after it looked", async () => {
    const statuses = await StatusStore.open(nc, 'status-test');
    const status = (state: AppStatus['state'], message: string): AppStatus => ({
      name: 'app',
      version: 'v1',
      state,
      message,
      scalers: [],
      updated_at: new Date().toISOString(),
    });
    // No status yet: the API's write lands.
    const none = await statuses.revision('app');
    assert.equal(none, 0);
    assert.equal(await statuses.putIfUnchanged(status('reconciling', 'deploying v1'), none), true);
    // The API looks, then the reconciler reports before the API writes: the API's write is dropped.
    const seen = await statuses.revision('app');
    await statuses.put(status('deployed', 'reconciler: 1 instance running'));
    assert.equal(await statuses.putIfUnchanged(status('reconciling', 'deploying v1 again'), seen), false);
    assert.equal((await statuses.get('app'))?.message, 'reconciler: 1 instance running');
    // Nobody in between: it lands.
    assert.equal(await statuses.putIfUnchanged(status('reconciling', 'deploying v2'), await statuses.revision('app')), true);
    // A status created by someone else while the API believed there was none: dropped too.
    await statuses.delete('app');
    const gone = await statuses.revision('app');
    await statuses.put(status('deployed', 'reconciler first'));
    assert.equal(await statuses.putIfUnchanged(status('reconciling', 'api late'), gone), false);
  });
});
