import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestLattice, type TestLattice } from '../kit/lattice.js';
import { freePort } from '../kit/ports.js';
import { waitFor } from '../kit/wait.js';
import { fixture } from '../runtime/helpers.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition strictly enough to catch malformed output. */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string>; helps: Set<string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const helps = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') types.set(meta[2]!, meta[3]!);
      else helps.add(meta[2]!);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|\+Inf|NaN)$/.exec(line);
    assert.ok(m, `malformed exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    samples.push({ name: m[1]!, labels, value: m[3] === '+Inf' ? Infinity : Number(m[3]) });
  }
  return { samples, types, helps };
}

describe('Prometheus metrics', () => {
  let t: TestLattice;

  before(async () => {
    t = await startTestLattice({ hosts: 1, perHost: () => ({ metricsAddress: '127.0.0.1:0', name: 'metered' }) });
  });
  after(() => t?.dispose());

  it('serves invocations, errors, latency, instances, workers, links and health at /metrics', async () => {
    const host = t.hosts[0]!;
    assert.match(host.metricsAddress ?? '', /^127\.0\.0\.1:\d+$/);
    await t.ctl.scaleComponent(host.id, { component_id: 'hello', image_ref: await fixture('http-hello'), count: 2 });
    await t.ctl.startProvider(host.id, { provider_id: 'http', provider_ref: 'wasmcloud+builtin://http-server' });
    const port = await freePort();
    await t.ctl.putConfig('web', { address: `127.0.0.1:${port}` });
    await t.ctl.putLink({
      source_id: 'http',
      target: 'hello',
      wit_namespace: 'wasi',
      wit_package: 'http',
      interfaces: ['incoming-handler'],
      source_config: ['web'],
    });
    await waitFor('the component to answer', async () => (await fetch(`http://127.0.0.1:${port}/a`).catch(() => null))?.status === 200);
    for (const path of ['/b', '/c']) assert.equal((await fetch(`http://127.0.0.1:${port}${path}`)).status, 200);

    const scrape = async () => {
      const res = await fetch(`http://${host.metricsAddress}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      return parseExposition(await res.text());
    };
    // Provider health arrives with the first check (every 5 s).
    const { samples, types, helps } = await waitFor(
      'a provider health sample',
      async () => {
        const parsed = await scrape();
        return parsed.samples.some((s) => s.name === 'lattice_provider_healthy') ? parsed : null;
      },
      { timeoutMs: 15_000, intervalMs: 500 },
    );
    const one = (name: string, labels: Record<string, string> = {}) => {
      const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
      assert.equal(found.length, 1, `${name}${JSON.stringify(labels)}: ${found.length} samples`);
      return found[0]!.value;
    };

    // Conventions: every family has HELP and TYPE, counters end in _total, times are in seconds.
    for (const [name, type] of types) {
      assert.ok(helps.has(name), `${name} has HELP`);
      assert.ok(name.startsWith('lattice_'), name);
      if (type === 'counter') assert.match(name, /_total$/);
      if (type === 'histogram') assert.match(name, /_seconds$/);
    }

    assert.equal(one('lattice_host_info', { host_id: host.id, name: 'metered', lattice: 'default' }), 1);
    const hello = { component: 'hello' };
    // The first /a may have been preceded by attempts before the link arrived (404, never reaching hello).
    const calls = one('lattice_component_invocations_total', hello);
    assert.ok(calls >= 3, `invocations ${calls}`);
    assert.equal(one('lattice_component_invocation_errors_total', hello), 0);
    assert.equal(one('lattice_component_invocation_duration_seconds_count', hello), calls);
    assert.ok(one('lattice_component_invocation_duration_seconds_sum', hello) > 0);
    // Buckets are cumulative and end at +Inf with the count.
    const buckets = samples.filter((s) => s.name === 'lattice_component_invocation_duration_seconds_bucket' && s.labels.component === 'hello');
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]!.value >= buckets[i - 1]!.value);
    assert.equal(buckets.at(-1)!.labels.le, '+Inf');
    assert.equal(buckets.at(-1)!.value, calls);

    const link = { source: 'http', target: 'hello', namespace: 'wasi', package: 'http', link: 'default' };
    assert.equal(one('lattice_link_invocations_total', link), calls);
    assert.equal(one('lattice_link_invocation_duration_seconds_count', link), calls);
    assert.equal(one('lattice_component_max_instances', hello), 2);
    assert.equal(one('lattice_component_active_instances', hello), 0);
    assert.equal(one('lattice_component_queued_invocations', hello), 0);
    assert.ok(one('lattice_runtime_spare_instances', hello) >= 1, 'an idle worker holds a ready instance');
    assert.equal(one('lattice_runtime_workers', { state: 'busy' }), 0);
    assert.ok(one('lattice_runtime_workers', { state: 'idle' }) >= 1);
    assert.equal(one('lattice_provider_healthy', { provider: 'http' }), 1);
    assert.equal(one('lattice_nats_connected'), 1);
    assert.equal(one('lattice_nats_reconnects_total'), 0);

    // An invocation that fails (no such export) counts as an error.
    await t.ctl.scaleComponent(host.id, { component_id: 'relayer', image_ref: await fixture('echo'), count: 1 });
    const { invoke } = await import('../../protocol/mod.js');
    await assert.rejects(invoke(t.nc, 'default', { target: 'relayer', interface: 'lattice:fixtures/echo@0.1.0', function: 'nope', args: [], source: 'test' }));
    const after = await scrape();
    const errors = after.samples.find((s) => s.name === 'lattice_component_invocation_errors_total' && s.labels.component === 'relayer');
    assert.equal(errors?.value, 1);

    // Anything but /metrics is a 404; a stopped component's series go away.
    assert.equal((await fetch(`http://${host.metricsAddress}/other`)).status, 404);
    await t.ctl.scaleComponent(host.id, { component_id: 'relayer', image_ref: await fixture('echo'), count: 0 });
    const gone = await scrape();
    assert.ok(!gone.samples.some((s) => s.labels.component === 'relayer'));
  });
});
