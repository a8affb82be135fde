import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ControlClient } from '../../protocol/mod.js';
import type { Host } from '../../host/mod.js';
import type { NatsConnection } from 'nats';
import { startTestLattice, type TestLattice } from '../kit/lattice.js';
import { buildProject } from '../../components/tools/build.js';
import { EXAMPLES_DIR } from '../../components/tools/paths.js';
import { freePort } from '../kit/ports.js';
import { waitFor } from '../kit/wait.js';

/** Builds (or reuses) an example's components; returns their file:// image references by name. */
async function example(project: string): Promise<Record<string, string>> {
  const results = await buildProject(join(EXAMPLES_DIR, project));
  return Object.fromEntries(results.map((r) => [r.name, pathToFileURL(r.wasmPath).href]));
}

/**
 * The TypeScript examples running on a real host with real providers: what a user gets from
 * `lattice build` + deploy. (Examples that need keyvalue, blobstore or messaging providers are
 * tested with those providers in test/providers.)
 */
describe('examples on a host', () => {
  let t: TestLattice;
  let nc: NatsConnection;
  let ctl: ControlClient;
  let host: Host;
  let port: number;

  before(async () => {
    t = await startTestLattice({ perHost: () => ({ runtime: { poolSize: 2 } }) });
    ({ nc, ctl } = t);
    host = t.hosts[0]!;
    port = await freePort();
    await ctl.putConfig('ingress', { address: `127.0.0.1:${port}` });
    await ctl.startProvider(host.id, { provider_id: 'http', provider_ref: 'ghcr.io/wasmcloud/http-server:0.23.0', config: ['ingress'] });
  });

  after(() => t?.dispose());

  const route = async (target: string, path: string) => {
    await ctl.putConfig(`route-${target}`, { path });
    await ctl.putLink({
      source_id: 'http',
      target,
      wit_namespace: 'wasi',
      wit_package: 'http',
      interfaces: ['incoming-handler'],
      source_config: [`route-${target}`],
    });
  };

  const get = (path: string) =>
    waitFor(`GET ${path}`, async () => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`).catch(() => null);
      return res && res.status !== 404 ? { status: res.status, body: await res.text() } : null;
    });

  it('http-hello answers through the http-server', { timeout: 120_000 }, async () => {
    const images = await example('http-hello');
    await ctl.scaleComponent(host.id, { component_id: 'hello', image_ref: images['http-hello']!, count: 4 }, { timeoutMs: 60_000 });
    await route('hello', '/hello');
    const res = await get('/hello?name=Ada');
    assert.equal(res.status, 200);
    assert.match(res.body, /Hello, Ada!/);
  });

  it('pipeline: one component calls another through a custom interface link', { timeout: 120_000 }, async () => {
    const images = await example('pipeline');
    await ctl.scaleComponent(host.id, { component_id: 'front', image_ref: images['pipeline-front']!, count: 2 }, { timeoutMs: 60_000 });
    await route('front', '/shout');
    // No link yet: the import fails with the interface's error, not a hang or a crash.
    const unlinked = await get('/shout?text=hello');
    assert.notEqual(unlinked.status, 200);
    await ctl.scaleComponent(host.id, { component_id: 'shout', image_ref: images['pipeline-shout']!, count: 2 }, { timeoutMs: 60_000 });
    await ctl.putLink({ source_id: 'front', target: 'shout', wit_namespace: 'lattice', wit_package: 'pipeline', interfaces: ['transform'] });
    const linked = await waitFor('the linked pipeline', async () => {
      const res = await fetch(`http://127.0.0.1:${port}/shout?text=hello`);
      return res.status === 200 ? res.text() : null;
    });
    assert.equal((JSON.parse(linked) as { output: string }).output, 'HELLO');
  });

  it('service: a wasi:cli/run component reads its config, publishes ticks, and stops at scale 0', { timeout: 120_000 }, async () => {
    const images = await example('service');
    await ctl.startProvider(host.id, { provider_id: 'msg', provider_ref: 'ghcr.io/wasmcloud/messaging-nats:0.27.0' });
    await ctl.putConfig('ticker-settings', { subject: 'test.ticks', interval_ms: '50' });
    await ctl.putLink({ source_id: 'ticker', target: 'msg', wit_namespace: 'wasmcloud', wit_package: 'messaging', interfaces: ['consumer'] });
    const ticks: number[] = [];
    const sub = nc.subscribe('test.ticks', {
      callback: (_err, msg) => ticks.push((JSON.parse(new TextDecoder().decode(msg.data)) as { tick: number }).tick),
    });
    await nc.flush();
    await ctl.scaleComponent(host.id, { component_id: 'ticker', image_ref: images.service!, count: 1, config: ['ticker-settings'] }, { timeoutMs: 60_000 });
    await waitFor('three ticks on the configured subject', () => ticks.length >= 3, { timeoutMs: 30_000 });
    assert.deepEqual(ticks.slice(0, 3), [1, 2, 3]);
    await ctl.scaleComponent(host.id, { component_id: 'ticker', image_ref: images.service!, count: 0 });
    const stoppedAt = ticks.length;
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(ticks.length <= stoppedAt + 1, `ticks kept coming after scale 0 (${stoppedAt} -> ${ticks.length})`);
    sub.unsubscribe();
  });
});
