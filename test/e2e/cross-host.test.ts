import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Host } from '../../host/mod.js';
import { startTestLattice, type TestLattice } from '../kit/lattice.js';
import { freePort } from '../kit/ports.js';
import { waitFor } from '../kit/wait.js';
import { fixture } from '../runtime/helpers.js';
import { fromOutcome, invoke, TargetNotRunningError, WitError } from '../../protocol/mod.js';

/** GETs until the status matches (links and listeners settle asynchronously through KV watches). */
async function getWhen(url: string, status: number): Promise<string> {
  return waitFor(`${url} to answer ${status}`, async () => {
    const res = await fetch(url).catch(() => null);
    return res && res.status === status ? (await res.text()) || ' ' : null;
  });
}

describe('links across hosts', () => {
  let t: TestLattice;

  before(async () => {
    t = await startTestLattice({ hosts: 3, perHost: (i) => ({ name: ['ingress', 'worker-a', 'worker-b'][i] }) });
  });

  after(() => t?.dispose());

  it('reaches a component on another host over NATS, follows it when it moves, and stops at link delete', async () => {
    const { ctl } = t;
    const [ingress, workerA, workerB] = t.hosts as [Host, Host, Host];
    const image = await fixture('http-hello');
    await ctl.scaleComponent(workerA.id, { component_id: 'hello', image_ref: image, count: 2 });
    await ctl.startProvider(ingress.id, { provider_id: 'http', provider_ref: 'wasmcloud+builtin://http-server' });
    const port = await freePort();
    await ctl.putConfig('ingress', { address: `127.0.0.1:${port}` });
    await ctl.putLink({
      source_id: 'http',
      target: 'hello',
      wit_namespace: 'wasi',
      wit_package: 'http',
      interfaces: ['incoming-handler'],
      source_config: ['ingress'],
    });
    const url = `http://127.0.0.1:${port}/moved`;
    assert.match(await getWhen(url, 200), /hello/);

    // The component moves to another host: the same link keeps working.
    await ctl.scaleComponent(workerA.id, { component_id: 'hello', image_ref: image, count: 0 });
    assert.match(await getWhen(url, 503), /not running/);
    await ctl.scaleComponent(workerB.id, { component_id: 'hello', image_ref: image, count: 1 });
    assert.match(await getWhen(url, 200), /hello/);

    // Deleting the link closes the per-link listener.
    await ctl.deleteLink({ source_id: 'http', wit_namespace: 'wasi', wit_package: 'http' });
    await waitFor('the listener to close', async () => (await fetch(url).catch(() => null)) === null);
  });

  it("answers an unlinked custom import with the interface's string error (err, not a trap)", async () => {
    const { ctl, nc } = t;
    const [, workerA] = t.hosts as [Host, Host, Host];
    // echo.relay calls lattice:fixtures/upstream.call (result<string, string>) and returns its result.
    await ctl.scaleComponent(workerA.id, { component_id: 'relayer', image_ref: await fixture('echo'), count: 1 });
    const relay = () =>
      waitFor('the relayer to answer', async () => {
        try {
          return {
            ok: fromOutcome(
              await invoke(nc, 'default', { target: 'relayer', interface: 'lattice:fixtures/echo@0.1.0', function: 'relay', args: ['ping'], source: 'test' }),
            ),
          };
        } catch (error) {
          if (error instanceof TargetNotRunningError) return null;
          return { error };
        }
      });
    const unlinked = await relay();
    assert.ok('error' in unlinked && unlinked.error instanceof WitError, `expected a WIT error value, got ${JSON.stringify(unlinked)}`);
    assert.match(String(unlinked.error.payload), /^no link for relayer -> lattice:fixtures\/upstream/);
  });
});
