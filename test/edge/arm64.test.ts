/**
 * A real arm64 host: `lattice host` run by the arm64 Node.js build under qemu user mode joins the
 * lattice beside an x86_64 host. wadm places one copy of the same WAT component on each through a
 * manifest whose spreads require `hostcore.arch`, each behind an http-server on the same host.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import type { Host } from '../../host/mod.js';
import { createControlClient, type ControlClient } from '../../protocol/mod.js';
import { createWadmClient, type WadmClient } from '../../protocol/wadm-client.js';
import { startWadm, type Wadm } from '../../wadm/mod.js';
import { arm64Command, prepareArm64Node, type Arm64Node } from '../kit/edge/arm64.js';
import { spawnEdgeHost } from '../kit/edge/host-process.js';
import type { HostProcess } from '../kit/hosts.js';
import { startTestHost } from '../kit/hosts.js';
import { NatsServer } from '../kit/nats-server.js';
import { freePort } from '../kit/ports.js';
import { waitFor } from '../kit/wait.js';
import { fixture } from '../runtime/helpers.js';

const arm = await prepareArm64Node();
const skip = typeof arm === 'string' ? `skipped: ${arm}` : false;
if (skip) process.stdout.write(`# arm64 test ${skip}\n`);

/** One http-server + component pair pinned to an architecture. */
function pinned(short: string, arch: string, image: string, port: number): unknown[] {
  const spread = { type: 'spreadscaler', properties: { instances: 1, spread: [{ name: short, requirements: { 'hostcore.arch': arch } }] } };
  return [
    { name: `hello-${short}`, type: 'component', properties: { image }, traits: [spread] },
    {
      name: `http-${short}`,
      type: 'capability',
      properties: { image: 'wasmcloud+builtin://http-server' },
      traits: [
        spread,
        {
          type: 'link',
          properties: {
            target: { name: `hello-${short}` },
            namespace: 'wasi',
            package: 'http',
            interfaces: ['incoming-handler'],
            source: { config: [{ name: `ingress-${short}`, properties: { address: `127.0.0.1:${port}` } }] },
          },
        },
      ],
    },
  ];
}

async function answer(url: string, timeoutMs: number): Promise<string> {
  return waitFor(
    `${url} to answer 200`,
    async () => {
      const res = await fetch(url, { signal: AbortSignal.timeout(30_000) }).catch(() => null);
      return res?.status === 200 ? await res.text() : null;
    },
    { timeoutMs, intervalMs: 500 },
  );
}

describe('an arm64 host under qemu', { skip, timeout: 300_000 }, () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let ctl: ControlClient;
  let wadmClient: WadmClient;
  let wadm: Wadm;
  let x86: Host;
  let armHost: HostProcess;
  let dataDir: string;

  before(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
    ctl = createControlClient(nc, 'default', { timeoutMs: 60_000 });
    wadmClient = createWadmClient(nc, 'default', { timeoutMs: 30_000 });
    dataDir = await mkdtemp(join(tmpdir(), 'lattice-arm64-'));
    x86 = await startTestHost(server.url, { name: 'x86', dataDir: join(dataDir, 'x86'), runtime: { poolSize: 1 } });
    const launch = arm64Command(arm as Arm64Node, []);
    armHost = await spawnEdgeHost(
      { command: launch.command, prefix: launch.args, env: launch.env },
      {
        natsUrl: server.url,
        name: 'pi',
        labels: { zone: 'edge' },
        flags: ['--max-memory', '128'],
        env: { LATTICE_DATA_DIR: join(dataDir, 'pi') },
        startTimeoutMs: 180_000,
      },
    );
    wadm = await startWadm({ nc, lattice: 'default', tickMs: 1_000 });
  });

  after(async () => {
    await wadm?.stop().catch(() => undefined);
    armHost?.kill('SIGTERM');
    await armHost?.waitForExit(30_000).catch(() => armHost.dispose());
    await x86?.stop({ timeoutMs: 2_000 });
    await nc?.close();
    await server?.dispose();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('joins the lattice and reports hostcore.arch=aarch64', async () => {
    const hb = await armHost.waitForHeartbeat(nc, 30_000);
    assert.equal(hb.labels['hostcore.arch'], 'aarch64');
    assert.equal(hb.labels.zone, 'edge');
    const x86Info = await ctl.getInventory(x86.id);
    assert.equal(x86Info.labels['hostcore.arch'], 'x86_64');
  });

  it('wadm places the component on the arm64 host by arch; it answers HTTP there and unchanged on x86', { timeout: 240_000 }, async () => {
    const image = await fixture('http-hello');
    const [armPort, x86Port] = [await freePort(), await freePort()];
    const manifest = {
      apiVersion: 'core.oam.dev/v1beta1',
      kind: 'Application',
      metadata: { name: 'arch', annotations: { version: 'v1' } },
      spec: { components: [...pinned('arm', 'aarch64', image, armPort), ...pinned('x86', 'x86_64', image, x86Port)] },
    };
    const put = await wadmClient.put(manifest);
    assert.ok(put.accepted, JSON.stringify(put.problems));
    const deploy = await wadmClient.deploy('arch');
    assert.ok(deploy.accepted, JSON.stringify(deploy));

    assert.match(await answer(`http://127.0.0.1:${armPort}/arm`, 200_000), /hello/i);
    assert.match(await answer(`http://127.0.0.1:${x86Port}/x86`, 30_000), /hello/i);

    const armInv = await ctl.getInventory(armHost.hostId);
    assert.deepEqual(
      armInv.components.map((c) => c.id),
      ['arch-hello_arm'],
    );
    assert.deepEqual(
      armInv.providers.map((p) => p.id),
      ['arch-http_arm'],
    );
    const x86Inv = await ctl.getInventory(x86.id);
    assert.deepEqual(
      x86Inv.components.map((c) => c.id),
      ['arch-hello_x86'],
    );
    // The very same bytes: both hosts report the same image reference.
    assert.equal(armInv.components[0]?.image_ref, x86Inv.components[0]?.image_ref);
  });
});
