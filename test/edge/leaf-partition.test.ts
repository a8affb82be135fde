/**
 * A site cut off from the hub: the site's leaf nats-server and its edge host run in one network
 * namespace whose only way out is a veth pair to a gateway namespace (which forwards to the hub's
 * leaf-node port). With that link down the edge host, still connected to its leaf, keeps serving
 * the component it runs through its local http-server; a link deleted at the hub meanwhile
 * reaches the edge host once the link is back (its listener closes).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { createControlClient, type ControlClient } from '../../protocol/mod.js';
import { spawnEdgeHost } from '../kit/edge/host-process.js';
import { NetLab, netnsUnavailable, type VethPair } from '../kit/edge/netns.js';
import type { Host } from '../../host/mod.js';
import { startTestHost, type HostProcess } from '../kit/hosts.js';
import { NATS_SERVER_BIN, NatsServer } from '../kit/nats-server.js';
import { freePort } from '../kit/ports.js';
import { waitFor } from '../kit/wait.js';
import { fixture } from '../runtime/helpers.js';

const unavailable = await netnsUnavailable();
if (unavailable) process.stdout.write(`# leaf partition tests skipped: ${unavailable}\n`);

const LEAF_PORT = 4222;
const HUB_LEAF_PORT = 7422;
const HTTP_PORT = 8080;
/** Both sides drop a silent peer after ~3 s instead of the default 2 min x 2. */
const FAST_PINGS = 'ping_interval: "1s"\nping_max: 2\n';

describe('an edge site whose leaf is cut off from the hub', { skip: unavailable ?? false, timeout: 150_000 }, () => {
  let hub: NatsServer;
  let nc: NatsConnection;
  let ctl: ControlClient;
  let lab: NetLab;
  let uplink: VethPair;
  let leaf: ChildProcess | undefined;
  let edge: HostProcess;
  let dir: string;
  let cloud: Host | undefined;
  let monitorPort: number;

  /** Leaf-node connections the hub holds (its monitoring endpoint). */
  async function hubLeafs(): Promise<number> {
    const res = await fetch(`http://127.0.0.1:${monitorPort}/leafz`);
    return ((await res.json()) as { leafnodes?: number }).leafnodes ?? 0;
  }

  async function siteGet(path: string): Promise<string> {
    const script = `fetch('http://127.0.0.1:${HTTP_PORT}${path}').then(async r => console.log(r.status, await r.text()), e => console.log('ERR', e.cause?.code ?? e.message))`;
    return (await lab.exec(uplink.b.ns, [process.execPath, '-e', script])).stdout.trim();
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lattice-leafcut-'));
    const hubLeafPort = await freePort();
    monitorPort = await freePort();
    hub = await NatsServer.start({
      name: 'hub',
      domain: 'hub',
      extraConfig: `${FAST_PINGS}http: 127.0.0.1:${monitorPort}\nleafnodes {\n  listen: 127.0.0.1:${hubLeafPort}\n}\n`,
    });
    nc = await connect({ servers: hub.url });
    ctl = createControlClient(nc, 'default', { timeoutMs: 30_000 });
    // A hub-side host serves lattice-wide requests (link and config writes) while the site is away.
    cloud = await startTestHost(hub.url, { name: 'cloud', labels: { zone: 'cloud' }, runtime: false, providers: false });
    lab = await NetLab.create();
    const gw = await lab.namespace('gw');
    const site = await lab.namespace('site');
    uplink = await lab.connect(gw, site);
    await lab.expose(gw, uplink.a.ip, HUB_LEAF_PORT, hubLeafPort);

    const conf = join(dir, 'leaf.conf');
    await writeFile(
      conf,
      [
        'server_name: site-leaf',
        `listen: 127.0.0.1:${LEAF_PORT}`,
        FAST_PINGS,
        `jetstream { store_dir: ${JSON.stringify(join(dir, 'js'))}, max_mem: 64MB, max_file: 256MB, domain: edge }`,
        `leafnodes { remotes: [ { url: "nats-leaf://${uplink.a.ip}:${HUB_LEAF_PORT}" } ], reconnect: 1 }`,
      ].join('\n'),
    );
    leaf = spawn('ip', ['netns', 'exec', site, NATS_SERVER_BIN, '-c', conf], { stdio: 'ignore' });
    const _ns = lab.command(site);
    const probe = `require('net').connect(${LEAF_PORT}, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))`;
    await waitFor('the site leaf to listen', () => lab.exec(site, [process.execPath, '-e', probe]).then(() => true), { timeoutMs: 20_000, intervalMs: 200 });
    edge = await spawnEdgeHost(lab.command(site), {
      natsUrl: `nats://127.0.0.1:${LEAF_PORT}`,
      name: 'site-host',
      labels: { zone: 'edge' },
      flags: ['--js-domain', 'hub', '--max-memory', '128'],
      env: { LATTICE_DATA_DIR: join(dir, 'host') },
      startTimeoutMs: 30_000,
    });
    await waitFor('the leaf to join the hub', async () => (await hubLeafs()) === 1, { timeoutMs: 20_000 });
    await waitFor('the hub to reach the edge host', async () => (await ctl.pingHosts({ timeoutMs: 300 })).some((h) => h.id === edge.hostId), {
      timeoutMs: 20_000,
    });
  });

  after(async () => {
    await lab?.setLink(uplink.b.ns, uplink.b.dev, 'up').catch(() => undefined);
    edge?.kill('SIGTERM');
    await edge?.waitForExit(15_000).catch(() => edge.dispose());
    if (leaf && leaf.exitCode === null) leaf.kill('SIGKILL');
    await cloud?.stop({ timeoutMs: 1_000 });
    await lab?.dispose();
    await nc?.close();
    await hub?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps serving while cut off and applies what changed at the hub once the link is back', { timeout: 120_000 }, async () => {
    const image = await fixture('http-hello');
    await ctl.scaleComponent(edge.hostId, { component_id: 'site-hello', image_ref: image, count: 1 });
    await ctl.startProvider(edge.hostId, { provider_id: 'site-http', provider_ref: 'wasmcloud+builtin://http-server' });
    await ctl.putConfig('site-ingress', { address: `127.0.0.1:${HTTP_PORT}` });
    await ctl.putLink({
      source_id: 'site-http',
      target: 'site-hello',
      wit_namespace: 'wasi',
      wit_package: 'http',
      interfaces: ['incoming-handler'],
      source_config: ['site-ingress'],
    });
    await waitFor('the site ingress to answer', async () => /^200 /.test(await siteGet('/before')), { timeoutMs: 30_000, intervalMs: 300 });

    await lab.setLink(uplink.b.ns, uplink.b.dev, 'down');
    await waitFor('the hub to lose the edge host', async () => !(await ctl.pingHosts({ timeoutMs: 300 })).some((h) => h.id === edge.hostId), {
      timeoutMs: 20_000,
      intervalMs: 250,
    });
    assert.match(await siteGet('/while-cut'), /^200 .*hello/is, 'the site serves on its own');
    // Changed at the hub while the site cannot hear it.
    await ctl.deleteLink({ source_id: 'site-http', wit_namespace: 'wasi', wit_package: 'http' });
    assert.match(await siteGet('/still-cut'), /^200 /, 'the site still runs on its last known links');
    // A real outage, not a hiccup TCP hides: the hub drops the silent leaf, the leaf must reconnect.
    await waitFor('the hub to drop the leaf connection', async () => (await hubLeafs()) === 0, { timeoutMs: 20_000, intervalMs: 250 });
    assert.match(await siteGet('/hub-gone'), /^200 /);

    await lab.setLink(uplink.b.ns, uplink.b.dev, 'up');
    await waitFor('the edge host to be reachable from the hub again', async () => (await ctl.pingHosts({ timeoutMs: 300 })).some((h) => h.id === edge.hostId), {
      timeoutMs: 40_000,
      intervalMs: 250,
    });
    await waitFor('the deleted link to reach the site (its listener closes)', async () => /^ERR /.test(await siteGet('/after')), {
      timeoutMs: 40_000,
      intervalMs: 500,
    }).catch((error: Error) => assert.fail(`${error.message}; edge host log:\n${edge.stderr().slice(-3000)}`));
  });
});
