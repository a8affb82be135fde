/**
 * Chaos on a 3-node NATS cluster with the lattice's buckets (links, config, secrets, wadm's
 * manifests and statuses) at three replicas: one node is SIGKILLed under HTTP load. Per the
 * figures: requests failed while clients moved to the other nodes and the streams elected new
 * leaders, time to serving again; asserted: nothing of the stored state is lost and the
 * application serves again (docs/architecture.md, fact 11: KV operations fail for a few seconds
 * while a stream leader is re-elected).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import type { Host } from '../../host/mod.js';
import { createLogger } from '../../lib/logger.js';
import { connectLongLived } from '../../lib/nats-connection.js';
import { createWadmClient } from '../../protocol/wadm-client.js';
import { startWadm, type Wadm } from '../../wadm/mod.js';
import { describeLoad, HttpLoad } from '../kit/http-load.js';
import { startTestHost, stopHosts } from '../kit/hosts.js';
import { startCluster, type NatsServer } from '../kit/nats-server.js';
import { freePort } from '../kit/ports.js';
import { waitFor } from '../kit/wait.js';
import { fixture } from '../runtime/helpers.js';
import { component, httpServer, LATTICE, manifest } from '../wadm/lattice.js';
import { lostState, report, seed, type SeededState } from './kit.js';

const APP = 'chaos-r3';

describe('chaos on a 3-node NATS cluster with the lattice buckets at R3', { timeout: 240_000 }, () => {
  let servers: NatsServer[];
  let nc: NatsConnection;
  let wadmNc: NatsConnection;
  let wadm: Wadm;
  const hosts: Host[] = [];
  let dataDir: string;
  let url: string;
  let state: SeededState;

  before(async () => {
    servers = await startCluster(3);
    const urls = servers.map((s) => s.url).join(',');
    dataDir = await mkdtemp(join(tmpdir(), 'lattice-chaos-r3-'));
    nc = await connect({ servers: servers.map((s) => s.url) });
    // A new cluster elects its JetStream meta leader first: until then every JetStream call times out.
    await waitFor(
      'JetStream on the cluster',
      async () => {
        const jsm = await nc.jetstreamManager({ timeout: 1_000 });
        return (await jsm.getAccountInfo()) !== null;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    for (const [name, zone] of [
      ['r3-ingress', 'cloud'],
      ['r3-edge-1', 'edge'],
      ['r3-edge-2', 'edge'],
    ] as const) {
      hosts.push(await startTestHost(urls, { name, labels: { zone }, dataDir: join(dataDir, name), kvReplicas: 3, runtime: { poolSize: 1 } }));
    }
    wadmNc = await connectLongLived({ url: urls }, 'lattice-wadm-chaos', createLogger({ component: 'wadm-chaos' }));
    wadm = await startWadm({ nc: wadmNc, lattice: LATTICE, tickMs: 1_000, kvReplicas: 3 });
    const port = await freePort();
    const hello = await fixture('http-hello');
    const app = (version: string) =>
      manifest(APP, version, [
        component('hello', hello, { type: 'spreadscaler', properties: { instances: 2, spread: [{ name: 'edge', requirements: { zone: 'edge' } }] } }),
        httpServer('hello', `127.0.0.1:${port}`, { zone: 'cloud', configName: 'r3-listen' }),
      ]);
    const client = createWadmClient(nc, LATTICE, { timeoutMs: 10_000 });
    assert.ok((await client.put(app('v1'))).accepted);
    await client.deploy(APP);
    state = {
      app: APP,
      versions: ['v1'],
      links: [{ source_id: 'r3-caller', target: 'chaos_r3-hello', wit_namespace: 'lattice', wit_package: 'fixtures', interfaces: ['probe'] }],
      configs: { 'r3-settings': { region: 'three-nodes' } },
      secrets: { 'r3-token': 'kept on three nodes' },
    };
    await seed(nc, LATTICE, state, 3);
    url = `http://127.0.0.1:${port}/`;
    await waitFor('the app to serve', async () => (await fetch(url).catch(() => null))?.status === 200, { timeoutMs: 60_000 });
  });

  after(async () => {
    await stopHosts(hosts);
    await wadm?.stop();
    await wadmNc?.close().catch(() => undefined);
    await nc?.close().catch(() => undefined);
    await Promise.all((servers ?? []).map((s) => s.dispose()));
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('one node SIGKILLed: the app serves again and nothing stored is lost', async (t) => {
    const load = HttpLoad.start({ url, connections: 8 });
    await load.successes(100);
    const victim = servers[Math.floor(Math.random() * servers.length)]!;
    const killedAt = Date.now();
    await victim.kill();
    await load.successes(200, 60_000);
    const report1 = await load.stop();
    const during = load.since(killedAt);
    const failedLast = during.failures.at(-1);
    report(
      t,
      'cluster node kill',
      `${victim.name} killed; ${describeLoad(during)}${failedLast ? `; last failure ${failedLast.sentAt - killedAt} ms after the kill` : ''}`,
    );
    assert.ok(report1.ok > 300, describeLoad(report1));
    const lost = await lostState(nc, LATTICE, state);
    report(t, 'cluster node kill', `state lost: ${lost.length ? lost.join(', ') : 'nothing'}`);
    assert.deepEqual(lost, []);
  });
});
