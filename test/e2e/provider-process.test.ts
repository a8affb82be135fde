import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestLattice, type TestLattice } from '../kit/lattice.js';
import { freePort } from '../kit/ports.js';
import { EventRecorder } from '../kit/events.js';
import { waitFor } from '../kit/wait.js';
import { fixture } from '../runtime/helpers.js';

describe('a provider in its own process', () => {
  let t: TestLattice;

  before(async () => {
    t = await startTestLattice();
  });

  after(() => t?.dispose());

  it('serves over NATS, is restarted after a crash and serves again, and stops cleanly', { timeout: 90_000 }, async () => {
    const { ctl, nc } = t;
    const host = t.hosts[0]!;
    const events = await EventRecorder.start(nc, 'default');
    await ctl.scaleComponent(host.id, { component_id: 'hello', image_ref: await fixture('http-hello'), count: 2 });
    await ctl.startProvider(host.id, { provider_id: 'http', provider_ref: 'ghcr.io/wasmcloud/http-server:0.23.0', mode: 'process' }, { timeoutMs: 30_000 });
    const inv = await ctl.getInventory(host.id);
    assert.equal(inv.providers.find((p) => p.id === 'http')?.mode, 'process');
    const first = host.plugins.providers?.pidOf('http');
    assert.ok(first && first !== process.pid, 'the provider runs in a child process');

    const port = await freePort();
    await ctl.putConfig('web', { address: `127.0.0.1:${port}` });
    await ctl.putLink({
      source_id: 'http',
      target: 'hello',
      wit_namespace: 'wasi',
      wit_package: 'http',
      interfaces: ['incoming-handler'],
      source_config: ['web'],
    });
    const answer = () =>
      waitFor(
        'the provider process to serve',
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/p`).catch(() => null);
          return res?.status === 200 ? res.text() : null;
        },
        { timeoutMs: 30_000 },
      );
    assert.match(await answer(), /hello/);

    process.kill(first, 'SIGKILL');
    const second = await waitFor(
      'a restarted provider process',
      () => {
        const pid = host.plugins.providers?.pidOf('http');
        return pid && pid !== first ? pid : null;
      },
      { timeoutMs: 30_000 },
    );
    assert.notEqual(second, first);
    assert.match(await answer(), /hello/);

    await ctl.stopProvider(host.id, 'http');
    await events.waitFor('provider_stopped', { match: (e) => e.data.provider_id === 'http' });
    await waitFor('the child to exit', () => {
      try {
        process.kill(second, 0);
        return false;
      } catch {
        return true;
      }
    });
    events.stop();
  });
});
