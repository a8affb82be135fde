import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { createWadmClient } from '../../protocol/wadm-client.js';
import { CLI_MAIN, launchHostProcess, type HostProcess } from '../kit/hosts.js';
import { NatsServer } from '../kit/nats-server.js';
import { OtlpReceiver, type ReceivedSpan } from '../kit/otlp-receiver.js';
import { freePort } from '../kit/ports.js';
import { waitFor } from '../kit/wait.js';
import { telemetryFixture } from './fixtures.js';

/**
 * One HTTP request through the http-server provider (host "ingress"), a component there, a link
 * to a component on host "mid" and a keyvalue provider on host "store": three `lattice host`
 * processes exporting to a real OTLP/HTTP receiver, and one trace with the right parent/child
 * structure across them.
 */
describe('traces across three host processes', () => {
  let server: NatsServer;
  let receiver: OtlpReceiver;
  let nc: NatsConnection;
  const hosts: HostProcess[] = [];

  const spawn = (name: string, role: string, extra: string[] = []) =>
    launchHostProcess({
      command: process.execPath,
      args: [CLI_MAIN, '--nats-url', server.url, 'host', '--name', name, '--label', `role=${role}`, ...extra],
      baseEnv: process.env,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        // Export quickly; the test waits for spans, not for a batch timer.
        OTEL_BSP_SCHEDULE_DELAY: '100',
        OTEL_SERVICE_NAME: undefined,
        OTEL_TRACES_EXPORTER: undefined,
        OTEL_SDK_DISABLED: undefined,
      },
      lattice: 'default',
    });

  before(async () => {
    server = await NatsServer.start();
    receiver = await OtlpReceiver.start();
    nc = await connect({ servers: server.url });
    hosts.push(...(await Promise.all([spawn('ingress', 'ingress', ['--wadm']), spawn('mid', 'mid'), spawn('store', 'store')])));
  });

  after(async () => {
    await Promise.all(hosts.map((h) => h.dispose()));
    await nc?.close();
    await receiver?.close();
    await server?.dispose();
  });

  it('is one trace from ingress to the keyvalue provider, with lattice, host, component and link names', async () => {
    const [front, kvup] = await Promise.all([telemetryFixture('http-relay'), telemetryFixture('kv-upstream')]);
    const port = await freePort();
    const on = (role: string) => ({ type: 'spreadscaler', properties: { instances: 1, spread: [{ name: role, requirements: { role } }] } });
    const manifest = {
      apiVersion: 'core.oam.dev/v1beta1',
      kind: 'Application',
      metadata: { name: 'traced', annotations: { version: 'v1' } },
      spec: {
        components: [
          {
            name: 'front',
            type: 'component',
            properties: { image: front },
            traits: [
              on('ingress'),
              { type: 'link', properties: { target: { name: 'kvup' }, namespace: 'lattice', package: 'fixtures', interfaces: ['upstream'] } },
            ],
          },
          {
            name: 'kvup',
            type: 'component',
            properties: { image: kvup },
            traits: [
              on('mid'),
              { type: 'link', properties: { target: { name: 'kv' }, namespace: 'wasi', package: 'keyvalue', interfaces: ['store', 'atomics'] } },
            ],
          },
          { name: 'kv', type: 'capability', properties: { image: 'wasmcloud+builtin://keyvalue' }, traits: [on('store')] },
          {
            name: 'http',
            type: 'capability',
            properties: { image: 'wasmcloud+builtin://http-server' },
            traits: [
              on('ingress'),
              {
                type: 'link',
                properties: {
                  target: { name: 'front' },
                  namespace: 'wasi',
                  package: 'http',
                  interfaces: ['incoming-handler'],
                  source: { config: [{ name: 'traced-http', properties: { address: `127.0.0.1:${port}` } }] },
                },
              },
            ],
          },
        ],
      },
    };
    const wadm = createWadmClient(nc, 'default', { timeoutMs: 10_000 });
    const put = await waitFor('wadm to answer', () => wadm.put(manifest).catch(() => null), { timeoutMs: 20_000 });
    assert.ok(put.accepted, JSON.stringify(put.problems));
    const deployed = await wadm.deploy('traced');
    assert.ok(deployed.accepted, JSON.stringify(deployed.problems));

    // The client's own trace context: the ingress span must take it as parent.
    const traceId = randomBytes(16).toString('hex');
    const clientSpan = randomBytes(8).toString('hex');
    const url = `http://127.0.0.1:${port}/visits`;
    const body = await waitFor(
      'the app to answer through three hosts',
      async () => {
        const res = await fetch(url, { headers: { traceparent: `00-${traceId}-${clientSpan}-01` } }).catch(() => null);
        return res?.status === 200 ? res.text() : null;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    assert.equal(body, '/visits');

    const hostIds = Object.fromEntries(hosts.map((h) => [h.friendlyName, h.hostId]));
    // Earlier attempts (before every link was in place) may have made traces of their own with
    // the same trace id: the successful request is the one whose ingress span answered 200.
    const byName = (spans: ReceivedSpan[], prefix: string) => spans.filter((s) => s.name.startsWith(prefix));
    const complete = await waitFor(
      'the spans of all three hosts to arrive',
      () => {
        const spans = receiver.trace(traceId);
        const ingress = spans.find((s) => s.kind === 2 && s.name === 'GET /visits' && s.attributes['http.response.status_code'] === 200);
        const provider = spans.find((s) => s.name.startsWith('traced-kv wasi:keyvalue/atomics/increment'));
        // Each process exports its own batches: the trace is complete when every span's parent
        // has arrived too (the client's span is the only one outside it).
        const ids = new Set(spans.map((s) => s.spanId));
        const whole = spans.every((s) => s.parentSpanId === clientSpan || ids.has(s.parentSpanId));
        return ingress && provider && whole ? spans : null;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    ).catch((error: Error) => {
      const seen = receiver.spans.map((s) => `${s.name} [${s.resource['lattice.host.name']}] ${s.traceId === traceId ? '(this trace)' : ''}`);
      throw new Error(
        `${error.message}; ${receiver.errors.join('; ')} spans received: ${seen.join(', ') || 'none'}\nstderr of ingress:\n${hosts[0]!.stderr().slice(-3000)}`,
      );
    });
    assert.deepEqual(receiver.errors, []);
    assert.ok(receiver.contentTypes.has('application/x-protobuf'), 'OTLP defaults to http/protobuf');

    const byId = new Map(complete.map((s) => [s.spanId, s]));
    const parentOf = (s: ReceivedSpan) => byId.get(s.parentSpanId);
    const hostOf = (s: ReceivedSpan) => s.resource['lattice.host.id'];

    const ingress = complete.find((s) => s.name === 'GET /visits' && s.attributes['http.response.status_code'] === 200)!;
    assert.equal(ingress.parentSpanId, clientSpan, "the ingress span continues the client's trace");
    assert.equal(ingress.kind, 2);
    assert.equal(hostOf(ingress), hostIds.ingress);
    assert.equal(ingress.attributes['lattice.provider.id'], 'traced-http');
    assert.equal(ingress.attributes['lattice.target.id'], 'traced-front');
    assert.equal(ingress.attributes['lattice.name'], 'default');

    // Walk down from the ingress: every hop is a child of the one before it.
    const childOf = (parent: ReceivedSpan, name: string) => {
      const found = complete.find((s) => s.parentSpanId === parent.spanId && s.name.startsWith(name));
      assert.ok(
        found,
        `no span "${name}..." under "${parent.name}"; spans: ${complete.map((s) => `${s.name} <- ${parentOf(s)?.name ?? s.parentSpanId}`).join('; ')}`,
      );
      return found;
    };
    const toFront = childOf(ingress, 'wasi:http/incoming-handler/handle');
    assert.equal(toFront.kind, 3);
    assert.equal(toFront.attributes['lattice.source.id'], 'traced-http');
    assert.equal(toFront.attributes['lattice.target.id'], 'traced-front');
    assert.equal(toFront.attributes['lattice.link.name'], 'default');
    const frontRuns = childOf(toFront, 'traced-front wasi:http/incoming-handler/handle');
    assert.equal(frontRuns.kind, 2);
    assert.equal(frontRuns.attributes['lattice.component.id'], 'traced-front');
    assert.equal(hostOf(frontRuns), hostIds.ingress);
    const frontCall = childOf(frontRuns, 'host call lattice:fixtures/upstream@0.1.0#call');
    assert.equal(frontCall.attributes['lattice.component.id'], 'traced-front');
    const toKvup = childOf(frontCall, 'lattice:fixtures/upstream/call');
    assert.equal(toKvup.attributes['lattice.target.id'], 'traced-kvup');
    assert.equal(toKvup.attributes['lattice.call.local'], false);
    const kvupRuns = childOf(toKvup, 'traced-kvup lattice:fixtures/upstream/call');
    assert.equal(hostOf(kvupRuns), hostIds.mid, 'kvup runs on the second host');
    assert.equal(kvupRuns.attributes['lattice.source.id'], 'traced-front');
    const kvupCall = childOf(kvupRuns, 'host call wasi:keyvalue/atomics@0.2.0-draft#increment');
    const toKv = childOf(kvupCall, 'wasi:keyvalue/atomics/increment');
    assert.equal(toKv.attributes['lattice.target.id'], 'traced-kv');
    const kvRuns = childOf(toKv, 'traced-kv wasi:keyvalue/atomics/increment');
    assert.equal(kvRuns.kind, 2);
    assert.equal(hostOf(kvRuns), hostIds.store, 'the provider runs on the third host');
    assert.equal(kvRuns.attributes['lattice.provider.id'], 'traced-kv');
    assert.equal(kvRuns.attributes['lattice.source.id'], 'traced-kvup');
    assert.equal(new Set(complete.map(hostOf)).size, 3, 'spans of all three hosts');
    assert.equal(byName(complete, 'traced-kvup wasi:keyvalue/store/open').length, 0, 'component spans are only on the serving side');

    // The guest's wasi:logging line on the mid host carries the trace id.
    const mid = hosts.find((h) => h.friendlyName === 'mid')!;
    const line = await waitFor('the guest log line', () =>
      mid
        .stderr()
        .split('\n')
        .find((l) => l.includes('"component_id":"traced-kvup"') && l.includes('"msg":"/visits"') && l.includes(`"trace_id":"${traceId}"`)),
    );
    assert.match(line, /"span_id":"[0-9a-f]{16}"/);

    // (wadm names what it deploys APP-NAME.)
    // wadm's rounds for the deploy were traced on the host running wadm, with a span per command.
    const round = receiver.spans.find((s) => s.name === 'wadm reconcile traced');
    assert.ok(round, 'a reconcile span');
    assert.equal(hostOf(round), hostIds.ingress);
    assert.equal(round.attributes['wadm.application'], 'traced');
    const scale = receiver.spans.find((s) => s.parentSpanId === round.spanId && s.name === 'wadm scale_component');
    assert.ok(scale, 'a command span under the round');
    assert.ok(['traced-front', 'traced-kvup'].includes(String(scale.attributes['lattice.component.id'])));
  });
});
