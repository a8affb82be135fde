/**
 * The workers' copies of open handles (runtime/worker/handle-cache.ts): a component that
 * opens its bucket on every invocation gets it without a host call once the host holds it, and
 * no copy outlives the handle it copies: after a link change the next open reaches the new
 * provider, never a handle of the old one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { invoke } from '../../protocol/mod.js';
import type { Host } from '../../host/mod.js';
import { startTestLattice, type TestLattice } from '../kit/lattice.js';
import { waitFor } from '../kit/wait.js';
import { telemetryFixture } from '../telemetry/fixtures.js';

const KV_LINK = { source_id: 'kvup', wit_namespace: 'wasi', wit_package: 'keyvalue', interfaces: ['store', 'atomics'] };

/** Calls through the link kvup -> `target` (open, increment, drop per invocation), from the host's metrics. */
async function linkCalls(host: Host, target: string): Promise<number> {
  const text = await (await fetch(`http://${host.metricsAddress}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('lattice_link_invocations_total{') && l.includes('source="kvup"') && l.includes(`target="${target}"`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('handles open in the runtime workers', { timeout: 120_000 }, () => {
  let t: TestLattice;
  let host: Host;
  const call = (key: string) =>
    invoke(t.nc, 'default', { target: 'kvup', interface: 'lattice:fixtures/upstream@0.1.0', function: 'call', args: [key], source: 'tester' });

  before(async () => {
    t = await startTestLattice({ perHost: () => ({ runtime: { poolSize: 1 }, metricsAddress: '127.0.0.1:0' }) });
    host = t.hosts[0]!;
    await t.ctl.scaleComponent(host.id, { component_id: 'kvup', image_ref: await telemetryFixture('kv-upstream'), count: 1 });
    await t.ctl.startProvider(host.id, { provider_id: 'kv', provider_ref: 'wasmcloud+builtin://keyvalue' });
    await t.ctl.startProvider(host.id, { provider_id: 'kv2', provider_ref: 'wasmcloud+builtin://keyvalue' });
    await t.ctl.putLink({ ...KV_LINK, target: 'kv' });
    await waitFor('kvup to count through kv', async () => {
      const answer = (await call('warm').catch(() => null)) as { tag?: string } | null;
      return answer?.tag === 'ok';
    });
  });

  after(() => t?.dispose());

  it('opens the bucket through the host once, then answers opens in the worker', async () => {
    const before = await linkCalls(host, 'kv');
    for (let i = 0; i < 20; i++) assert.deepEqual(await call('visits'), { tag: 'ok', val: 'visits' });
    // Per invocation the host still sees the increment and the (absorbed) drop; without the
    // workers' copies it would also see 20 opens (60 calls).
    const seen = (await linkCalls(host, 'kv')) - before;
    assert.ok(seen >= 40 && seen <= 41, `calls through the link for 20 invocations: ${seen}`);
  });

  it('forgets the copies when the link moves: the next open reaches the new provider', async () => {
    await t.ctl.deleteLink({ source_id: 'kvup', wit_namespace: 'wasi', wit_package: 'keyvalue', name: 'default' });
    await t.ctl.putLink({ ...KV_LINK, target: 'kv2' });
    await waitFor('the link to kv2 to be in force', async () => {
      await call('moved');
      return (await linkCalls(host, 'kv2')) > 0;
    });
    // A worker still answering with kv's handle would present it to kv2, which refuses it: the
    // component would answer err("keyvalue failed").
    for (let i = 0; i < 5; i++) assert.deepEqual(await call('moved'), { tag: 'ok', val: 'moved' });
  });
});
