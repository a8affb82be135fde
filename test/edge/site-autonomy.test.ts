/**
 * Edge autonomy: a site (two edge hosts and a site wadm behind one leaf node, in a network
 * namespace whose only way out is a veth pair) is cut off from the hub, and one of its hosts is
 * SIGKILLed while it is. The site wadm (`lattice wadm --site kitchen`) restarts the lost host's
 * instances on the site's other host by itself; when the link returns, the hub's wadm finds the
 * site converged: the app is deployed with exactly its instances, none duplicated.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { createControlClient, type ControlClient } from '../../protocol/mod.js';
import { createWadmClient, type WadmClient } from '../../protocol/wadm-client.js';
import { startWadm, type Wadm } from '../../wadm/mod.js';
import { spawnEdgeHost } from '../kit/edge/host-process.js';
import { NetLab, netnsUnavailable, type VethPair } from '../kit/edge/netns.js';
import { CLI_MAIN, type HostProcess } from '../kit/hosts.js';
import { NATS_SERVER_BIN, NatsServer } from '../kit/nats-server.js';
import { freePort } from '../kit/ports.js';
import { waitFor } from '../kit/wait.js';
import { fixture } from '../runtime/helpers.js';

const unavailable = await netnsUnavailable();
if (unavailable) process.stdout.write(`# site autonomy tests skipped: ${unavailable}\n`);

const LEAF_PORT = 4222;
const HUB_LEAF_PORT = 7422;
/** Both sides drop a silent peer after ~3 s instead of the default 2 min x 2. */
const FAST_PINGS = 'ping_interval: "1s"\nping_max: 2\n';

describe('an edge site that loses its hub keeps its applications converged', { skip: unavailable ?? false, timeout: 180_000 }, () => {
  let hub: NatsServer;
  let nc: NatsConnection;
  let ctl: ControlClient;
  let client: WadmClient;
  let hubWadm: Wadm;
  let lab: NetLab;
  let uplink: VethPair;
  let leaf: ChildProcess | undefined;
  let siteWadm: ChildProcess | undefined;
  let siteWadmLog = '';
  const edges: HostProcess[] = [];
  let dir: string;
  let site: string;

  /** `lattice get inventory HOST -o json` run inside the site, against its leaf. */
  async function siteInventory(hostId: string): Promise<{ components: Array<{ id: string; max_instances: number }> }> {
    const { stdout } = await lab.exec(site, [
      process.execPath,
      CLI_MAIN,
      '--nats-url',
      `nats://127.0.0.1:${LEAF_PORT}`,
      'get',
      'inventory',
      hostId,
      '-o',
      'json',
    ]);
    return JSON.parse(stdout) as { components: Array<{ id: string; max_instances: number }> };
  }

  async function hubPlacement(componentId: string): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const h of await ctl.pingHosts({ timeoutMs: 500 })) {
      const c = (await ctl.getInventory(h.id)).components.find((x) => x.id === componentId);
      if (c) out[h.id] = c.max_instances;
    }
    return out;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lattice-site-'));
    const hubLeafPort = await freePort();
    hub = await NatsServer.start({ name: 'hub', domain: 'hub', extraConfig: `${FAST_PINGS}leafnodes {\n  listen: 127.0.0.1:${hubLeafPort}\n}\n` });
    nc = await connect({ servers: hub.url });
    ctl = createControlClient(nc, 'default', { timeoutMs: 30_000 });
    client = createWadmClient(nc, 'default', { timeoutMs: 20_000 });
    hubWadm = await startWadm({ nc, lattice: 'default', tickMs: 1_000, id: 'hub-wadm' });

    lab = await NetLab.create();
    const gw = await lab.namespace('gw');
    site = await lab.namespace('site');
    uplink = await lab.connect(gw, site);
    await lab.expose(gw, uplink.a.ip, HUB_LEAF_PORT, hubLeafPort);
    const conf = join(dir, 'leaf.conf');
    await writeFile(
      conf,
      [
        'server_name: kitchen-leaf',
        `listen: 127.0.0.1:${LEAF_PORT}`,
        FAST_PINGS,
        `jetstream { store_dir: ${JSON.stringify(join(dir, 'js'))}, max_mem: 64MB, max_file: 256MB, domain: edge }`,
        `leafnodes { remotes: [ { url: "nats-leaf://${uplink.a.ip}:${HUB_LEAF_PORT}" } ], reconnect: 1 }`,
      ].join('\n'),
    );
    leaf = spawn('ip', ['netns', 'exec', site, NATS_SERVER_BIN, '-c', conf], { stdio: 'ignore' });
    const probe = `require('net').connect(${LEAF_PORT}, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))`;
    await waitFor('the site leaf to listen', () => lab.exec(site, [process.execPath, '-e', probe]).then(() => true), { timeoutMs: 20_000, intervalMs: 200 });
    for (const name of ['kitchen-1', 'kitchen-2']) {
      edges.push(
        await spawnEdgeHost(lab.command(site), {
          natsUrl: `nats://127.0.0.1:${LEAF_PORT}`,
          name,
          labels: { site: 'kitchen', zone: 'edge' },
          flags: ['--js-domain', 'hub', '--max-memory', '128'],
          env: { LATTICE_DATA_DIR: join(dir, name) },
          startTimeoutMs: 30_000,
        }),
      );
    }
    await waitFor('the hub to reach both edge hosts', async () => (await ctl.pingHosts({ timeoutMs: 300 })).length === 2, { timeoutMs: 20_000 });
    const launcher = lab.command(site);
    siteWadm = spawn(
      launcher.command,
      [
        ...launcher.prefix,
        CLI_MAIN,
        '--nats-url',
        `nats://127.0.0.1:${LEAF_PORT}`,
        'wadm',
        '--js-domain',
        'hub',
        '--site',
        'kitchen',
        '--site-state',
        join(dir, 'site-state.json'),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LATTICE_DATA_DIR: join(dir, 'site-wadm'), LATTICE_LOG: 'info' } },
    );
    siteWadm.stdout?.on('data', (d: Buffer) => (siteWadmLog += d.toString()));
    siteWadm.stderr?.on('data', (d: Buffer) => (siteWadmLog += d.toString()));
  });

  after(async () => {
    await lab?.setLink(uplink.b.ns, uplink.b.dev, 'up').catch(() => undefined);
    siteWadm?.kill('SIGKILL');
    for (const e of edges) await e.dispose();
    if (leaf && leaf.exitCode === null) leaf.kill('SIGKILL');
    await hubWadm?.stop();
    await lab?.dispose();
    await nc?.close();
    await hub?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('replaces a host lost while cut off on the site’s other host, and re-syncs without duplicates', { timeout: 150_000 }, async () => {
    const image = await fixture('http-hello');
    const manifest = {
      apiVersion: 'core.oam.dev/v1beta1',
      kind: 'Application',
      metadata: { name: 'shop', annotations: { version: 'v1' } },
      spec: {
        components: [
          {
            name: 'api',
            type: 'component',
            properties: { image },
            traits: [{ type: 'spreadscaler', properties: { instances: 4, spread: [{ name: 'kitchen', requirements: { site: 'kitchen' } }] } }],
          },
        ],
      },
    };
    assert.ok((await client.put(manifest)).accepted);
    await client.deploy('shop');
    await waitFor('two instances on each kitchen host', async () => Object.values(await hubPlacement('shop-api')).join() === '2,2', { timeoutMs: 40_000 });
    const state = join(dir, 'site-state.json');
    await waitFor('the site wadm to sync its share', async () => (await readFile(state, 'utf8').catch(() => '')).includes('"shop-api":4'), {
      timeoutMs: 30_000,
    }).catch((error: Error) => assert.fail(`${error.message}; site wadm log:\n${siteWadmLog.slice(-3000)}`));

    await lab.setLink(uplink.b.ns, uplink.b.dev, 'down');
    await waitFor('the hub to lose the site', async () => (await ctl.pingHosts({ timeoutMs: 300 })).length === 0, { timeoutMs: 20_000, intervalMs: 250 });
    const [lost, survivor] = edges as [HostProcess, HostProcess];
    lost.kill('SIGKILL');
    await lost.waitForExit(10_000);
    await waitFor(
      'the site to restart the lost instances on its other host',
      async () => (await siteInventory(survivor.hostId)).components.find((c) => c.id === 'shop-api')?.max_instances === 4,
      { timeoutMs: 40_000, intervalMs: 500 },
    ).catch((error: Error) => assert.fail(`${error.message}; site wadm log:\n${siteWadmLog.slice(-3000)}`));
    assert.match(siteWadmLog, /hub unreachable: the site schedules its own hosts/);

    await lab.setLink(uplink.b.ns, uplink.b.dev, 'up');
    await waitFor('the hub to reach the site again', async () => (await ctl.pingHosts({ timeoutMs: 300 })).some((h) => h.id === survivor.hostId), {
      timeoutMs: 40_000,
      intervalMs: 250,
    });
    await waitFor('the app deployed at the hub', async () => (await client.status('shop')).state === 'deployed', { timeoutMs: 30_000, intervalMs: 250 });
    await waitFor('the site wadm to follow the hub again', async () => /hub reachable again/.test(siteWadmLog), { timeoutMs: 20_000 });
    // A few hub reconcile rounds later the site still holds exactly the app's instances.
    await new Promise((r) => setTimeout(r, 3_000));
    assert.deepEqual(await hubPlacement('shop-api'), { [survivor.hostId]: 4 }, 'four instances, all on the surviving kitchen host');
    assert.equal((await client.status('shop')).state, 'deployed');
  });
});
