/**
 * wadm end to end on a real lattice: one nats-server, 5 hosts (3 in this process, 2 child
 * processes so they can be killed), wadm in this process.
 *   - deploy: a manifest with 100 instances (spreadscaler, no requirements: 20 per host) from
 *     the deploy request to all 100 slots running (inventories) and status `deployed`;
 *     repeated after an undeploy;
 *   - SIGKILL of a child host -> its 20 instances running on the others (missed heartbeats);
 *   - SIGTERM of the other child host (graceful, `host_stopped`) -> replaced.
 *   npm run build && node dist/bench/wadm-deploy.js [runs]
 */
import { performance } from 'node:perf_hooks';
import { fixture } from '../test/runtime/helpers.js';
import { component, manifest, WadmLattice } from '../test/wadm/lattice.js';

const RUNS = Number(process.argv[2] ?? 3);
const APP = 'bench';
const ID = 'bench-web';

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out: ${what}`);
}

async function main(): Promise<void> {
  process.env.LATTICE_LOG ??= 'warn';
  const lattice = await WadmLattice.start();
  try {
    const image = await fixture('http-hello');
    for (let i = 0; i < 3; i++) await lattice.host(`host-${i}`, { zone: 'edge' });
    const victims = [await lattice.hostProcess('child-0', { zone: 'edge' }), await lattice.hostProcess('child-1', { zone: 'edge' })];
    const { wadm } = await lattice.wadm({ tickMs: 5_000 });
    const total = async (hostIds?: string[]) => {
      const placed = await lattice.placement(ID);
      return [...placed.entries()].filter(([h]) => !hostIds || hostIds.includes(h)).reduce((a, [, n]) => a + n, 0);
    };
    await lattice.client.put(manifest(APP, 'v1', [component('web', image, { type: 'spreadscaler', properties: { instances: 100 } })]));

    const deploys: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const t0 = performance.now();
      await lattice.client.deploy(APP);
      await until('100 running', async () => (await total()) === 100 && (await lattice.client.status(APP)).state === 'deployed');
      deploys.push(performance.now() - t0);
      await lattice.client.undeploy(APP);
      await until('undeployed', async () => (await total()) === 0 && (await lattice.client.status(APP)).state === 'undeployed');
    }
    await lattice.client.deploy(APP);
    await until('100 running', async () => (await total()) === 100);

    const sent = wadm.stats.commandsSent;
    const survivors = (gone: string[]) => [...lattice.hosts.map((h) => h.id), ...victims.map((v) => v.hostId)].filter((id) => !gone.includes(id));

    victims[0]!.kill('SIGKILL');
    let t0 = performance.now();
    await until('replaced after SIGKILL', async () => (await total(survivors([victims[0]!.hostId]))) === 100);
    const killMs = performance.now() - t0;

    victims[1]!.kill('SIGTERM');
    t0 = performance.now();
    await until('replaced after SIGTERM', async () => (await total(survivors(victims.map((v) => v.hostId)))) === 100);
    const stopMs = performance.now() - t0;

    const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
    process.stdout.write(`deploy 100 instances over 5 hosts -> all running + deployed: ${deploys.map(fmt).join(', ')}\n`);
    process.stdout.write(`SIGKILL of a host (20 instances) -> 100 running on the other 4: ${fmt(killMs)}\n`);
    process.stdout.write(`SIGTERM of a host (host_stopped) -> 100 running on the other 3: ${fmt(stopMs)}\n`);
    process.stdout.write(`commands sent for the two losses: ${wadm.stats.commandsSent - sent}\n`);
  } finally {
    await lattice.stop();
  }
}

await main();
