/**
 * Signed components: `lattice claims sign/inspect`, and a host with trusted issuers refusing
 * unsigned, foreign-signed and altered components (a reason on the scale reply, a
 * component_scale_failed and a policy_decision event) while running the ones its issuer signed.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { createAccount } from '@nats-io/nkeys';
import { readClaims } from '../../lib/wascap.js';
import { runCli } from '../cli/run-cli.js';
import { EventRecorder } from '../kit/events.js';
import { startTestLattice, type TestLattice } from '../kit/lattice.js';
import { fixture } from '../runtime/helpers.js';

const seed = (kp: ReturnType<typeof createAccount>) => new TextDecoder().decode(kp.getSeed());

describe('signed components and trusted issuers', { timeout: 120_000 }, () => {
  let lattice: TestLattice;
  let events: EventRecorder;
  const ours = createAccount();
  const theirs = createAccount();
  let dir: string;
  let unsigned: string;

  before(async () => {
    lattice = await startTestLattice({ hosts: 0 });
    await lattice.addHost({ name: 'strict', trustedIssuers: [ours.getPublicKey()] });
    events = await EventRecorder.start(lattice.nc, 'default');
    dir = lattice.dataDir;
    unsigned = fileURLToPath(await fixture('http-hello'));
  });

  after(async () => {
    events?.stop();
    await lattice?.dispose();
  });

  const cli = (...args: string[]) => runCli(['-o', 'json', ...args], { LATTICE_DATA_DIR: join(dir, 'home') });
  const scale = (id: string, path: string) =>
    lattice.ctl.scaleComponent(lattice.hosts[0]!.id, { component_id: id, image_ref: pathToFileURL(path).href, count: 1 }, { timeoutMs: 60_000 });

  it('lattice claims sign embeds claims that lattice claims inspect reads back', async () => {
    const out = join(dir, 'hello_s.wasm');
    const signed = await cli('claims', 'sign', unsigned, '--issuer', seed(ours), '--name', 'hello', '--ver', '1.0.0', '-d', out);
    assert.equal(signed.code, 0, signed.stderr);
    const inspected = await cli('claims', 'inspect', out);
    assert.equal(inspected.code, 0, inspected.stderr);
    const info = JSON.parse(inspected.stdout) as Record<string, unknown>;
    assert.equal(info.issuer, ours.getPublicKey());
    assert.match(String(info.subject), /^M[A-Z2-7]{55}$/);
    assert.equal(info.name, 'hello');
    assert.equal(info.version, '1.0.0');
    assert.equal(info.signature_valid, true);
    assert.equal(info.hash_valid, true);
    assert.equal(info.module_hash, info.signed_hash);
    // Signing again keeps the component's module key (kept in the lattice home, as wash does).
    await cli('claims', 'sign', unsigned, '--issuer', seed(ours), '-d', join(dir, 'again.wasm'));
    assert.equal(readClaims(await readFile(join(dir, 'again.wasm')))!.claims.sub, info.subject);
    const none = await cli('claims', 'inspect', unsigned);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /carries no claims/);
  });

  it('runs a component its trusted issuer signed', async () => {
    await scale('trusted', join(dir, 'hello_s.wasm'));
    const inv = await lattice.ctl.getInventory(lattice.hosts[0]!.id);
    assert.deepEqual(
      inv.components.map((c) => c.id),
      ['trusted'],
    );
  });

  it('refuses unsigned, foreign-signed and altered components, each with its reason and events', async () => {
    const foreign = join(dir, 'foreign.wasm');
    assert.equal((await cli('claims', 'sign', unsigned, '--issuer', seed(theirs), '-d', foreign)).code, 0);
    const altered = join(dir, 'altered.wasm');
    // A custom section appended after signing: still a valid component, but not the signed bytes.
    const bytes = await readFile(join(dir, 'hello_s.wasm'));
    await writeFile(altered, Buffer.concat([bytes, Buffer.from([0, 4, 3, 0x61, 0x64, 0x64])]));
    const inspect = await cli('claims', 'inspect', altered);
    assert.equal(inspect.code, 1);
    assert.match(inspect.stderr, /changed after signing/);

    const since = Date.now();
    await assert.rejects(scale('unsigned', unsigned), /refused .*: it is not signed, and this host runs only components signed by/);
    await assert.rejects(scale('foreign', foreign), new RegExp(`signed by ${theirs.getPublicKey()}, which is not one of the trusted issuers`));
    await assert.rejects(scale('altered', altered), /do not match the signed hash .*changed after signing/);
    for (const id of ['unsigned', 'foreign', 'altered']) {
      const failed = await events.waitFor('component_scale_failed', { since, match: (e) => e.data.component_id === id });
      assert.match(failed.data.error, /refused/);
      const decision = await events.waitFor('policy_decision', { since, match: (e) => e.data.id === id });
      assert.equal(decision.data.permitted, false);
    }
    const inv = await lattice.ctl.getInventory(lattice.hosts[0]!.id);
    assert.deepEqual(
      inv.components.map((c) => c.id),
      ['trusted'],
    );
  });

  it('an update to an untrusted image is refused and the trusted one keeps running', async () => {
    await assert.rejects(
      lattice.ctl.updateComponent(lattice.hosts[0]!.id, { component_id: 'trusted', new_image_ref: pathToFileURL(unsigned).href }, { timeoutMs: 60_000 }),
      /update of trusted refused: refused .*it is not signed/,
    );
    const inv = await lattice.ctl.getInventory(lattice.hosts[0]!.id);
    assert.deepEqual(
      inv.components.map((c) => c.image_ref),
      [pathToFileURL(join(dir, 'hello_s.wasm')).href],
    );
  });
});
