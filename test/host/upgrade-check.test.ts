/**
 * The WIT check of an upgrade (host/plugins/upgrade-check.ts): a new image that drops an export
 * a link uses is refused, with the interface and the link named, before anything switches; the
 * running version keeps serving. Without such a link the same upgrade goes through.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { missingLinkedExports } from '../../host/plugins/upgrade-check.js';
import { ControlError, invoke, Link } from '../../protocol/mod.js';
import { startTestLattice, type TestLattice } from '../kit/lattice.js';
import { fixture } from '../runtime/helpers.js';

const ECHO_LINK = { source_id: 'caller', target: 'svc', wit_namespace: 'lattice', wit_package: 'fixtures', interfaces: ['echo'] };

describe('upgrades keep what links use', { timeout: 60_000 }, () => {
  let t: TestLattice;
  let echo: string;
  let hello: string;
  const call = () =>
    invoke(t.nc, 'default', { target: 'svc', interface: 'lattice:fixtures/echo@0.1.0', function: 'echo', args: ['still here'], source: 'tester' });

  before(async () => {
    t = await startTestLattice({ perHost: () => ({ runtime: { poolSize: 1 } }) });
    [echo, hello] = await Promise.all([fixture('echo'), fixture('http-hello')]);
  });
  after(() => t?.dispose());

  it('names what is missing, from the link', () => {
    const links = [Link.parse(ECHO_LINK), Link.parse({ ...ECHO_LINK, source_id: 'web', name: 'admin', interfaces: ['echo', 'probe'] })];
    const refusal = missingLinkedExports(links, ['lattice:fixtures/echo@0.1.0']);
    assert.deepEqual(refusal?.missing, ['lattice:fixtures/probe']);
    assert.match(refusal!.detail, /lattice:fixtures\/probe \(link from web, named admin\)/);
    assert.equal(missingLinkedExports(links.slice(0, 1), ['lattice:fixtures/echo@0.1.0']), null);
  });

  it('refuses an image that drops a linked export, and the running version keeps serving', async () => {
    const host = t.hosts[0]!;
    await t.ctl.scaleComponent(host.id, { component_id: 'svc', image_ref: echo, count: 1 });
    await t.ctl.putLink(ECHO_LINK);
    assert.deepEqual(await call(), { tag: 'ok', val: 'still here' });
    const scaled = await t.ctl.scaleComponent(host.id, { component_id: 'svc', image_ref: hello, count: 1, allow_update: true }).catch((e: unknown) => e);
    assert.ok(scaled instanceof ControlError, String(scaled));
    assert.match(scaled.message, /does not export lattice:fixtures\/echo \(link from caller\); the running version keeps serving/);
    const updated = await t.ctl.updateComponent(host.id, { component_id: 'svc', new_image_ref: hello }).catch((e: unknown) => e);
    assert.ok(updated instanceof ControlError, String(updated));
    assert.deepEqual(await call(), { tag: 'ok', val: 'still here' });
    assert.equal((await t.ctl.getInventory(host.id)).components.find((c) => c.id === 'svc')?.image_ref, echo);
  });

  it('lets the same upgrade through once no link needs the export', async () => {
    const host = t.hosts[0]!;
    await t.ctl.deleteLink({ source_id: 'caller', wit_namespace: 'lattice', wit_package: 'fixtures', name: 'default' });
    await t.ctl.scaleComponent(host.id, { component_id: 'svc', image_ref: hello, count: 1, allow_update: true });
    assert.equal((await t.ctl.getInventory(host.id)).components.find((c) => c.id === 'svc')?.image_ref, hello);
  });
});
