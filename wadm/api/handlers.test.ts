import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../lib/logger.js';
import { MemoryKvBucket } from '../../store/memory-kv.js';
import type { LatticeState } from '../scalers/types.js';
import { ManifestStore } from '../store/manifest-store.js';
import { StatusStore } from '../store/status-store.js';
import { demoManifest } from '../store/test-manifests.js';
import { type ApiContext, ApiFailure, deploy, put, status, undeploy, versions } from './handlers.js';

/** The API's context on memory stores; `hosts` is the lattice the deploy-time placement check sees. */
function context(hosts: LatticeState['hosts'] = []): ApiContext {
  return {
    store: ManifestStore.over(new MemoryKvBucket('MANIFESTS_test'), 'test'),
    statuses: StatusStore.over(new MemoryKvBucket('STATUS_test'), 'test'),
    observe: async () => ({ hosts, links: [], configs: {} }),
    logger: createLogger({ component: 'handlers-test' }),
  };
}

const host = { id: 'NHOST', labels: {}, components: [], providers: [] };

describe('wadm API handlers on memory stores', () => {
  it('put lists every problem of an invalid manifest, and stores a valid one', async () => {
    const ctx = context();
    const broken = demoManifest('app', 'v1');
    broken.spec.components.push({ name: 'hello', type: 'component', properties: {} });
    const refused = await put(ctx, undefined, { manifest: broken });
    assert.equal(refused.accepted, false);
    assert.ok(refused.problems.filter((p) => p.level === 'error').length >= 2, JSON.stringify(refused.problems));
    const stored = await put(ctx, undefined, { manifest: demoManifest('app', 'v1') });
    assert.deepEqual([stored.accepted, stored.version], [true, 'v1']);
    assert.deepEqual(
      (await versions(ctx, 'app')).map((v) => v.version),
      ['v1'],
    );
  });

  it('deploy records the version and says at once what cannot be placed', async () => {
    const ctx = context();
    await put(ctx, undefined, { manifest: demoManifest('app', 'v1') });
    const reply = await deploy(ctx, 'app', {});
    assert.deepEqual([reply.accepted, reply.version], [true, 'v1']);
    assert.ok(reply.placement.length > 0, 'no host: nothing can be placed');
    assert.equal((await ctx.store.record('app'))?.deployed_version, 'v1');
    assert.equal((await status(ctx, 'app')).state, reply.state);
  });

  it('deploy on a lattice with a host reports reconciling; undeploy reports it and status follows', async () => {
    const ctx = context([host]);
    await put(ctx, undefined, { manifest: demoManifest('app', 'v1') });
    const reply = await deploy(ctx, 'app', {});
    assert.deepEqual([reply.accepted, reply.placement, reply.state], [true, [], 'reconciling']);
    assert.equal((await status(ctx, 'app')).message, 'deploying version v1');
    assert.deepEqual(await undeploy(ctx, 'app'), { name: 'app', undeployed: true });
    assert.deepEqual([(await status(ctx, 'app')).state, (await status(ctx, 'app')).version], ['reconciling', null]);
  });

  it('names an unknown application or version', async () => {
    const ctx = context();
    await assert.rejects(status(ctx, 'nope'), (e: unknown) => e instanceof ApiFailure && /"nope" not found/.test(e.message));
    await put(ctx, undefined, { manifest: demoManifest('app', 'v1') });
    await assert.rejects(deploy(ctx, 'app', { version: 'v9' }), /has no version "v9"/);
  });
});
