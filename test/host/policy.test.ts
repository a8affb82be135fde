/**
 * The policy hook: hosts ask a policy service before starting components and providers and
 * before storing links; no service configured permits, a configured one that does not answer
 * denies; decisions are evented. The example edge policy service (examples/policy-service) lets
 * hosts labelled zone=edge run only images from allowed registries.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAccount } from '@nats-io/nkeys';
import { serveEdgePolicy } from '../../examples/policy-service/service.js';
import { signComponent } from '../../lib/wascap.js';
import { createModuleKey } from '../../lib/module-keys.js';
import { decodeJson, encodeJson, policy, PolicyRequest } from '../../protocol/mod.js';
import { EventRecorder } from '../kit/events.js';
import { startTestLattice, type TestLattice } from '../kit/lattice.js';
import { fixture } from '../runtime/helpers.js';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

describe('the policy hook', { timeout: 120_000 }, () => {
  let lattice: TestLattice;
  let events: EventRecorder;
  let hello: string;
  const subject = policy.defaultSubject('default');

  before(async () => {
    lattice = await startTestLattice({ hosts: 0 });
    const withPolicy = { policy: { subject, timeoutMs: 500 } };
    await lattice.addHost({ name: 'edge', labels: { zone: 'edge' }, ...withPolicy });
    await lattice.addHost({ name: 'core', labels: { zone: 'core' }, ...withPolicy });
    await lattice.addHost({ name: 'open' }); // no policy service configured
    events = await EventRecorder.start(lattice.nc, 'default');
    hello = await fixture('http-hello');
  });

  after(async () => {
    events?.stop();
    await lattice?.dispose();
  });

  const [edge, core, open] = [0, 1, 2];
  const scale = (host: number, id: string, image = hello) =>
    lattice.ctl.scaleComponent(lattice.hosts[host]!.id, { component_id: id, image_ref: image, count: 1 }, { timeoutMs: 30_000 });

  it('without a policy service configured everything is permitted; with one that is silent, starts are denied', async () => {
    await scale(open, 'free');
    const since = Date.now();
    await assert.rejects(scale(core, 'unanswered'), /denied by policy: no policy decision .*denied because a policy service is configured/);
    const decision = await events.waitFor('policy_decision', { since, match: (e) => e.data.id === 'unanswered' });
    assert.equal(decision.data.permitted, false);
    assert.equal(decision.data.kind, 'startComponent');
    // A service that receives but never answers is a timeout: also a denial.
    const mute = lattice.nc.subscribe(subject);
    try {
      await assert.rejects(scale(core, 'muted'), /denied by policy: no policy decision/);
    } finally {
      mute.unsubscribe();
    }
  });

  it('the example edge policy: edge hosts run only allowed registries; other hosts run anything', async () => {
    const seen: PolicyRequest[] = [];
    const spy = lattice.nc.subscribe(subject, { callback: (_e, m) => seen.push(PolicyRequest.parse(decodeJson(m.data))) });
    const service = serveEdgePolicy(lattice.nc, subject, { allowedRegistries: ['ghcr.io'] });
    await lattice.nc.flush();
    try {
      const since = Date.now();
      await assert.rejects(scale(edge, 'local-file'), /denied by policy: zone=edge hosts run only images from ghcr\.io; file:.* comes from file/);
      const denied = await events.waitFor('policy_decision', { since, match: (e) => e.data.id === 'local-file' });
      assert.match(denied.data.reason, /zone=edge hosts run only images from ghcr\.io/);
      await scale(core, 'core-file');
      await lattice.ctl.startProvider(lattice.hosts[edge]!.id, { provider_id: 'http', provider_ref: 'ghcr.io/wasmcloud/http-server:0.23.0' });
      await assert.rejects(
        lattice.ctl.startProvider(lattice.hosts[edge]!.id, { provider_id: 'kv', provider_ref: 'lattice://keyvalue' }),
        /refused: denied by policy: .*lattice:\/\/keyvalue comes from builtin/,
      );
      const permitted = await events.waitFor('policy_decision', { since, match: (e) => e.data.id === 'http' });
      assert.equal(permitted.data.permitted, true);
      // What the service saw: the host's labels and the image.
      const request = seen.find((r) => r.kind === 'startComponent' && r.request.componentId === 'local-file')!;
      assert.equal(request.host.labels.zone, 'edge');
      assert.equal(request.host.publicKey, lattice.hosts[edge]!.id);
      assert.equal(request.version, 'v1');
    } finally {
      service.unsubscribe();
      spy.unsubscribe();
    }
  });

  it('the policy service sees the claims of signed components', async () => {
    const issuer = createAccount();
    const signedPath = join(lattice.dataDir, 'signed.wasm');
    const signed = signComponent(await readFile(fileURLToPath(hello)), { issuer, subject: createModuleKey().publicKey, name: 'hello', ver: '2.0.0' });
    await writeFile(signedPath, signed.bytes);
    const service = serveEdgePolicy(lattice.nc, subject, { allowedRegistries: ['file'], trustedIssuers: [issuer.getPublicKey()] });
    const seen: PolicyRequest[] = [];
    const spy = lattice.nc.subscribe(subject, { callback: (_e, m) => seen.push(PolicyRequest.parse(decodeJson(m.data))) });
    await lattice.nc.flush();
    try {
      await scale(edge, 'signed', pathToFileURL(signedPath).href);
      await assert.rejects(scale(edge, 'unsigned'), /zone=edge hosts run only components validly signed by/);
      const request = seen.find((r) => r.kind === 'startComponent' && r.request.componentId === 'signed');
      assert.ok(request?.kind === 'startComponent');
      assert.deepEqual(
        {
          issuer: request.request.claims?.issuer,
          name: request.request.claims?.name,
          version: request.request.claims?.version,
          valid: request.request.claims?.valid,
        },
        { issuer: issuer.getPublicKey(), name: 'hello', version: '2.0.0', valid: true },
      );
    } finally {
      service.unsubscribe();
      spy.unsubscribe();
    }
  });

  it('a link put waits for the policy decision and reports a denial', async () => {
    const sub = lattice.nc.subscribe(subject, {
      callback: (_e, msg) => {
        const req = PolicyRequest.parse(decodeJson(msg.data));
        const permitted = !(req.kind === 'putLink' && req.request.link.target === 'forbidden');
        msg.respond(encodeJson({ requestId: req.requestId, permitted, message: permitted ? 'ok' : 'links to forbidden are not allowed' }));
      },
    });
    await lattice.nc.flush();
    // The open host must not take the queue-served link.put: stop it first.
    await lattice.hosts[open]!.stop({ timeoutMs: 2_000 });
    try {
      const since = Date.now();
      await assert.rejects(
        lattice.ctl.putLink({ source_id: 'app', target: 'forbidden', wit_namespace: 'wasi', wit_package: 'keyvalue', interfaces: ['store'] }),
        /link refused by policy: links to forbidden are not allowed/,
      );
      const decision = await events.waitFor('policy_decision', { since, match: (e) => e.data.kind === 'putLink' });
      assert.equal(decision.data.id, 'app');
      await lattice.ctl.putLink({ source_id: 'app', target: 'allowed', wit_namespace: 'wasi', wit_package: 'keyvalue', interfaces: ['store'] });
      assert.deepEqual(
        (await lattice.ctl.getLinks()).map((l) => l.target),
        ['allowed'],
      );
    } finally {
      sub.unsubscribe();
    }
  });
});
