/**
 * Partitions and slow links with real network namespaces. The edge host runs in its own namespace
 * and reaches NATS over a veth pair to a gateway namespace (which forwards to the test's server).
 * Cutting that veth (`ip link set down`): the lattice notices from missing heartbeats, wadm
 * re-places the edge host's share on the cloud host, the edge host keeps serving locally; after
 * the link comes back the count converges to exactly what the manifest declares. A component
 * deploy over a `tc tbf` rate-limited link still succeeds.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import type { Host } from '../../host/mod.js';
import { openArtifactStore } from '../../store/artifact-store.js';
import { createControlClient, type ControlClient } from '../../protocol/mod.js';
import { createWadmClient, type WadmClient } from '../../protocol/wadm-client.js';
import { startWadm, type Wadm } from '../../wadm/mod.js';
import { spawnEdgeHost } from '../kit/edge/host-process.js';
import { NetLab, netnsUnavailable, type VethPair } from '../kit/edge/netns.js';
import { startTestHost, type HostProcess } from '../kit/hosts.js';
import { NatsServer } from '../kit/nats-server.js';
import { freePort } from '../kit/ports.js';
import { waitFor } from '../kit/wait.js';
import { fixture } from '../runtime/helpers.js';

const unavailable = await netnsUnavailable();
if (unavailable) process.stdout.write(`# partition tests skipped: ${unavailable}\n`);

const EDGE_HTTP_PORT = 8080;
const NATS_PORT = 4222;

describe('an edge host behind a link that fails', { skip: unavailable ?? false, timeout: 180_000 }, () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let ctl: ControlClient;
  let client: WadmClient;
  let wadm: Wadm;
  let lab: NetLab;
  let link: VethPair;
  let edge: HostProcess;
  let cloud: Host | undefined;
  let dataDir: string;
  let monitorPort: number;

  /** Names of the clients the server holds a connection for (its monitoring endpoint). */
  async function serverClients(): Promise<string[]> {
    const res = await fetch(`http://127.0.0.1:${monitorPort}/connz?limit=1000`);
    return ((await res.json()) as { connections?: Array<{ name?: string }> }).connections?.map((c) => c.name ?? '') ?? [];
  }

  /** max_instances of `id` per host id. */
  async function placement(id: string): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const h of await ctl.pingHosts({ timeoutMs: 500 })) {
      const inv = await ctl.getInventory(h.id).catch(() => null);
      const c = inv?.components.find((x) => x.id === id);
      if (c) out.set(h.id, c.max_instances);
    }
    return out;
  }

  /** GET from inside the edge namespace (where the edge host's http-server listens). */
  async function edgeGet(path: string): Promise<string> {
    const script = `fetch('http://127.0.0.1:${EDGE_HTTP_PORT}${path}').then(async r => console.log(r.status, await r.text()), e => console.log('ERR', e.cause?.code ?? e.message))`;
    return (await lab.exec(link.b.ns, [process.execPath, '-e', script])).stdout.trim();
  }

  before(async () => {
    // The server drops a client that stops answering its pings after ~3 s, as it would across a
    // real partition (defaults: 2 min x 2), so the edge host reconnects and re-announces itself.
    monitorPort = await freePort();
    server = await NatsServer.start({ extraConfig: `ping_interval: "1s"\nping_max: 2\nhttp: 127.0.0.1:${monitorPort}\n` });
    nc = await connect({ servers: server.url });
    ctl = createControlClient(nc, 'default', { timeoutMs: 30_000 });
    client = createWadmClient(nc, 'default', { timeoutMs: 20_000 });
    dataDir = await mkdtemp(join(tmpdir(), 'lattice-partition-'));
    lab = await NetLab.create();
    const gw = await lab.namespace('gw');
    const edgeNs = await lab.namespace('edge');
    link = await lab.connect(gw, edgeNs);
    await lab.expose(gw, link.a.ip, NATS_PORT, server.port);
    const ns = lab.command(edgeNs);
    edge = await spawnEdgeHost(ns, {
      natsUrl: `nats://${link.a.ip}:${NATS_PORT}`,
      name: 'edge',
      labels: { zone: 'edge' },
      flags: ['--heartbeat-interval', '500', '--max-memory', '128'],
      env: { LATTICE_DATA_DIR: join(dataDir, 'edge') },
      startTimeoutMs: 30_000,
    });
    wadm = await startWadm({ nc, lattice: 'default', tickMs: 500 });
  });

  after(async () => {
    await wadm?.stop().catch(() => undefined);
    await lab?.setLink(link.b.ns, link.b.dev, 'up').catch(() => undefined);
    edge?.kill('SIGTERM');
    await edge?.waitForExit(15_000).catch(() => edge.dispose());
    await cloud?.stop({ timeoutMs: 2_000 });
    await lab?.dispose();
    await nc?.close();
    await server?.dispose();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('re-places the share of a cut-off edge host, keeps it serving locally, and converges back to the declared count', { timeout: 120_000 }, async () => {
    const image = await fixture('http-hello');
    const manifest = {
      apiVersion: 'core.oam.dev/v1beta1',
      kind: 'Application',
      metadata: { name: 'part', annotations: { version: 'v1' } },
      spec: { components: [{ name: 'svc', type: 'component', properties: { image }, traits: [{ type: 'spreadscaler', properties: { instances: 1 } }] }] },
    };
    // Only the edge host exists yet: wadm places the one instance there.
    assert.ok((await client.put(manifest)).accepted);
    assert.ok((await client.deploy('part')).accepted);
    await waitFor('svc on the edge host', async () => (await placement('part-svc')).get(edge.hostId) === 1, { timeoutMs: 30_000, intervalMs: 200 });
    // A local ingress on the edge host (not part of the app).
    await ctl.startProvider(edge.hostId, { provider_id: 'edge-http', provider_ref: 'wasmcloud+builtin://http-server' });
    await ctl.putConfig('edge-ingress', { address: `127.0.0.1:${EDGE_HTTP_PORT}` });
    await ctl.putLink({
      source_id: 'edge-http',
      target: 'part-svc',
      wit_namespace: 'wasi',
      wit_package: 'http',
      interfaces: ['incoming-handler'],
      source_config: ['edge-ingress'],
    });
    await waitFor('the edge ingress to answer', async () => /^200 /.test(await edgeGet('/before')), { timeoutMs: 20_000, intervalMs: 300 });

    cloud = await startTestHost(server.url, { name: 'cloud', labels: { zone: 'cloud' }, dataDir: join(dataDir, 'cloud'), runtime: { poolSize: 1 } });
    assert.equal((await placement('part-svc')).get(cloud.id), undefined, 'nothing moves while the edge host is healthy');

    await lab.setLink(link.b.ns, link.b.dev, 'down');
    // Heartbeats every 500 ms; wadm gives up after 3 missed ones and re-places on the cloud host.
    await waitFor(
      'wadm to re-place svc on the cloud host',
      async () => {
        const hosts = await ctl.pingHosts({ timeoutMs: 300 });
        return !hosts.some((h) => h.id === edge.hostId) && (await placement('part-svc')).get(cloud!.id) === 1;
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    // Cut off, the edge host still serves what it runs, with its last known links and config.
    assert.match(await edgeGet('/while-cut'), /^200 .*hello/is);
    await waitFor('the server to drop the silent edge connection', async () => !(await serverClients()).includes('lattice-host-edge'), {
      timeoutMs: 15_000,
      intervalMs: 250,
    });

    await lab.setLink(link.b.ns, link.b.dev, 'up');
    await waitFor('the edge host to be back', async () => (await ctl.pingHosts({ timeoutMs: 300 })).some((h) => h.id === edge.hostId), {
      timeoutMs: 40_000,
      intervalMs: 250,
    }).catch((error: Error) => assert.fail(`${error.message}; edge host log:\n${edge.stderr().slice(-3000)}`));
    assert.match(edge.stderr(), /NATS connection back; announcing the host again/);
    // Back together: exactly one instance in the lattice again, and it stays that way.
    await waitFor(
      'exactly one svc in the lattice',
      async () => {
        const p = await placement('part-svc');
        return [...p.values()].reduce((a, b) => a + b, 0) === 1;
      },
      { timeoutMs: 30_000, intervalMs: 300 },
    );
    await new Promise((r) => setTimeout(r, 3_000));
    const settled = await placement('part-svc');
    assert.equal(
      [...settled.values()].reduce((a, b) => a + b, 0),
      1,
      `still exactly one after settling: ${JSON.stringify([...settled])}`,
    );
    await client.undeploy('part');
  });

  it('deploys a component over a rate-limited link (tc tbf)', { timeout: 60_000 }, async () => {
    const bytes = new Uint8Array(await readFile(fileURLToPath(await fixture('http-hello'))));
    const pushed = await (await openArtifactStore(nc, 'default')).push(bytes, { name: 'slow', tag: 'v1' });
    await lab.exec(link.a.ns, ['tc', 'qdisc', 'add', 'dev', link.a.dev, 'root', 'tbf', 'rate', '64kbit', 'burst', '4kb', 'latency', '500ms']);
    try {
      await ctl.scaleComponent(edge.hostId, { component_id: 'slow', image_ref: pushed.ref, count: 1 }, { timeoutMs: 60_000 });
      const inv = await ctl.getInventory(edge.hostId);
      assert.ok(inv.components.some((c) => c.id === 'slow' && c.image_ref === 'nats://slow:v1'));
      // The artifact crossed the shaped link: the tbf qdisc counted at least its bytes.
      const stats = (await lab.exec(link.a.ns, ['tc', '-s', 'qdisc', 'show', 'dev', link.a.dev])).stdout;
      const sent = Number(/tbf[\s\S]*?Sent (\d+) bytes/.exec(stats)?.[1] ?? 0);
      assert.ok(sent >= bytes.length, `tbf saw ${sent} bytes, the artifact has ${bytes.length}:\n${stats}`);
    } finally {
      await lab.exec(link.a.ns, ['tc', 'qdisc', 'del', 'dev', link.a.dev, 'root']).catch(() => undefined);
    }
  });
});
