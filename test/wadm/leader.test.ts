/**
 * Several wadm instances on one lattice: one holds the lease and reconciles, the others serve
 * the API and stand by; SIGKILL of the leader (a `lattice wadm` process) hands over.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { TimeoutError } from '../../protocol/errors.js';
import { createWadmClient } from '../../protocol/wadm-client.js';
import { CLI_MAIN } from '../kit/hosts.js';
import { waitFor } from '../kit/wait.js';
import { fixture } from '../runtime/helpers.js';
import { component, LATTICE, manifest, WadmLattice } from './lattice.js';

/** Runs `lattice wadm` and resolves once it printed that it serves the lattice. */
async function spawnWadm(natsUrl: string): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, [CLI_MAIN, '--nats-url', natsUrl, '--lattice', LATTICE, 'wadm'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_TEST_CONTEXT: undefined, LATTICE_LOG: 'warn' },
  });
  let out = '';
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4_000)));
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`lattice wadm did not start; stderr:\n${err}`)), 20_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^wadm-\S+ serving lattice .*$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    });
    child.once('exit', (code) => reject(new Error(`lattice wadm exited (${code}); stderr:\n${err}`)));
  });
  return { child, line };
}

async function retry<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (error) {
      if (!(error instanceof TimeoutError) || i >= attempts) throw error;
    }
  }
}

describe('wadm leader lease', { timeout: 90_000 }, () => {
  let lattice: WadmLattice;
  let image: string;
  let leaderProcess: ChildProcess | undefined;

  before(async () => {
    [lattice, image] = await Promise.all([WadmLattice.start(), fixture('http-hello')]);
    await lattice.host('h1', { zone: 'edge' });
    await lattice.host('h2', { zone: 'edge' });
  });
  after(async () => {
    leaderProcess?.kill('SIGKILL');
    await lattice?.stop();
  });

  it('one instance reconciles; SIGKILL of it hands over to a standby', { timeout: 60_000 }, async (t) => {
    const first = await spawnWadm(lattice.server.url);
    leaderProcess = first.child;
    assert.match(first.line, /\(leader\)/);
    const { wadm: standby } = await lattice.wadm();
    assert.equal(standby.leader, false);

    const app = (instances: number, version: string) => manifest('ha', version, [component('web', image, { type: 'spreadscaler', properties: { instances } })]);
    await lattice.client.put(app(2, 'v1'));
    await lattice.client.deploy('ha');
    await lattice.waitForState('ha', 'deployed');
    assert.equal(
      [...(await lattice.placement('ha-web')).values()].reduce((a, b) => a + b, 0),
      2,
    );
    // The standby answered API requests (queue group) but sent no commands.
    assert.equal(standby.stats.commandsSent, 0);

    const exited = new Promise((r) => first.child.once('exit', r));
    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    // A request routed to the dying instance before NATS noticed is lost with it: like any
    // client of a queue group, retry (put and deploy are idempotent).
    await exited;
    const quick = createWadmClient(lattice.nc, LATTICE, { timeoutMs: 2_000 });
    await retry(() => quick.put(app(4, 'v2')));
    await retry(() => quick.deploy('ha'));
    await waitFor(
      'the standby to take over and scale to 4',
      async () => {
        const total = [...(await lattice.placement('ha-web')).values()].reduce((a, b) => a + b, 0);
        return total === 4;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    t.diagnostic(`leader SIGKILL -> v2 converged by the standby: ${Date.now() - killedAt} ms`);
    assert.equal(standby.leader, true);
    assert.ok(standby.stats.commandsSent > 0);
    await lattice.waitForState('ha', 'deployed');
  });

  it('a stopped leader releases the lease at once', { timeout: 20_000 }, async () => {
    const { wadm: next } = await lattice.wadm();
    const current = lattice.wadms.find((w) => w.leader)!;
    assert.ok(current && current !== next);
    await current.stop();
    await waitFor('the other instance to lead', () => next.leader, { timeoutMs: 3_000 });
  });
});
