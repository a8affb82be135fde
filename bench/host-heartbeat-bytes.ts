/**
 * What one host costs the lattice in event traffic: heartbeats at the default interval, plus the
 * full `host_inventory` event on every change, for an idle host and one with 1,000 components.
 * Measured by an observer subscribed to `wasmbus.evt.<lattice>.>` (subject + payload bytes, what
 * every observer receives) and, server-side, by nats-server's /varz byte counters over the same
 * window (everything the host and the observer exchange with the server, including the KV
 * watchers' idle heartbeats and protocol framing).
 *   npm run build && node dist/bench/host-heartbeat-bytes.js [WINDOW_SECONDS]
 */
import { connect } from 'nats';
import type { ComponentDescription } from '../protocol/mod.js';
import type { Host } from '../host/mod.js';
import { NatsServer } from '../test/kit/nats-server.js';
import { freePort } from '../test/kit/ports.js';
import { startTestHost } from '../test/kit/hosts.js';
import { EventRecorder } from '../test/kit/events.js';

const WINDOW_S = Number(process.argv[2] ?? 10);

interface Varz {
  in_bytes: number;
  out_bytes: number;
  in_msgs: number;
  out_msgs: number;
}

async function varz(port: number): Promise<Varz> {
  const res = await fetch(`http://127.0.0.1:${port}/varz`);
  return (await res.json()) as Varz;
}

/** A component as wadm would describe it: image from a registry, wadm's annotations. */
function component(i: number): ComponentDescription {
  return {
    id: `demo-app-component-${i}`,
    image_ref: `ghcr.io/example/components/component-${i}:0.1.0`,
    name: `component-${i}`,
    annotations: {
      'wasmcloud.dev/managed-by': 'wadm',
      'wasmcloud.dev/appspec': 'demo-app',
      'wasmcloud.dev/scaler': `SpreadScaler-demo-app-component-${i}`,
    },
    max_instances: 10,
    revision: 0,
  };
}

async function measure(label: string, host: Host, recorder: EventRecorder, monitorPort: number) {
  const since = Date.now();
  const before = await varz(monitorPort);
  await new Promise((r) => setTimeout(r, WINDOW_S * 1_000));
  const after = await varz(monitorPort);
  const seconds = (Date.now() - since) / 1_000;
  const beats = recorder.of('host_heartbeat', host.id).filter((e) => e.receivedAt >= since);
  const beatBytes = beats.reduce((n, e) => n + e.bytes, 0);
  return {
    scenario: label,
    beats_per_s: +(beats.length / seconds).toFixed(2),
    heartbeat_bytes: beats.length ? Math.round(beatBytes / beats.length) : 0,
    heartbeat_bytes_per_s: Math.round(beatBytes / seconds),
    server_in_bytes_per_s: Math.round((after.in_bytes - before.in_bytes) / seconds),
    server_out_bytes_per_s: Math.round((after.out_bytes - before.out_bytes) / seconds),
  };
}

async function main() {
  const monitorPort = await freePort();
  const server = await NatsServer.start({ extraConfig: `http: 127.0.0.1:${monitorPort}\n` });
  const observer = await connect({ servers: server.url });
  const recorder = await EventRecorder.start(observer, 'default');
  const rows = [];
  let host: Host | null = null;
  try {
    host = await startTestHost(server.url, { labels: { zone: 'edge', region: 'eu-west' } });
    await recorder.waitFor('host_heartbeat', { source: host.id });
    rows.push(await measure('idle host', host, recorder, monitorPort));

    const t0 = Date.now();
    for (let i = 0; i < 1_000; i++) host.inventory.upsertComponent(component(i));
    const full = await recorder.waitFor('host_inventory', {
      source: host.id,
      since: t0,
      match: (e) => e.data.components.length === 1_000,
    });
    rows.push(await measure('host with 1,000 components', host, recorder, monitorPort));

    // One change (a component scaled) publishes the full inventory once.
    const t1 = Date.now();
    host.inventory.upsertComponent({ ...component(0), max_instances: 20 });
    const change = await recorder.waitFor('host_inventory', { source: host.id, since: t1 });
    const burstEvents = recorder.of('host_inventory', host.id).filter((e) => e.receivedAt >= t0 && e.receivedAt < t1);

    process.stdout.write(`window ${WINDOW_S} s per scenario, heartbeat interval ${host.heartbeatIntervalMs} ms\n`);
    console.table(rows);
    console.table([
      { event: 'host_inventory, 0 components', bytes: recorder.of('host_inventory', host.id)[0]?.bytes ?? 0 },
      { event: 'host_inventory, 1,000 components', bytes: full.bytes },
      { event: 'host_inventory after one change (1,000 components)', bytes: change.bytes },
    ]);
    process.stdout.write(
      `1,000 upserts in one burst produced ${burstEvents.length} host_inventory event(s) ` +
        `(coalesced); each later change costs one inventory of ${change.bytes} bytes.\n` +
        `Cost of the 1,000-component host: ${rows[1]!.heartbeat_bytes_per_s} B/s of heartbeats + ` +
        `${change.bytes} B per inventory change (e.g. one change a minute adds ${Math.round(change.bytes / 60)} B/s).\n`,
    );
  } finally {
    await host?.stop({ timeoutMs: 1_000 });
    recorder.stop();
    await observer.close();
    await server.dispose();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
