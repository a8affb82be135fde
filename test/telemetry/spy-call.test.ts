import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../cli/run-cli.js';
import { startTestLattice, type TestLattice } from '../kit/lattice.js';
import { waitFor } from '../kit/wait.js';
import { fixture } from '../runtime/helpers.js';
import { telemetryFixture } from './fixtures.js';

const FIXTURE_WIT = fileURLToPath(new URL('../../../components/fixtures/wit', import.meta.url));

describe('lattice spy and lattice call', () => {
  let t: TestLattice;

  before(async () => {
    t = await startTestLattice({ hosts: 1 });
    const host = t.hosts[0]!;
    await t.ctl.scaleComponent(host.id, { component_id: 'relayer', image_ref: await fixture('echo'), count: 1 });
    await t.ctl.scaleComponent(host.id, { component_id: 'kvup', image_ref: await telemetryFixture('kv-upstream'), count: 1 });
    await t.ctl.startProvider(host.id, { provider_id: 'kv', provider_ref: 'wasmcloud+builtin://keyvalue' });
    await t.ctl.putLink({ source_id: 'relayer', target: 'kvup', wit_namespace: 'lattice', wit_package: 'fixtures', interfaces: ['upstream'] });
    await t.ctl.putLink({ source_id: 'kvup', target: 'kv', wit_namespace: 'wasi', wit_package: 'keyvalue', interfaces: ['store', 'atomics'] });
  });
  after(() => t?.dispose());

  const cli = (...args: string[]) => runCli(['--nats-url', t.server.url, ...args]);

  it('calls an export with WIT-typed JSON arguments and prints its typed result', async () => {
    const ok = await waitFor('the relay to answer ok', async () => {
      const r = await cli('call', 'relayer', 'lattice:fixtures/echo.relay', 'hello', '--wit', FIXTURE_WIT);
      return r.code === 0 ? r : null;
    });
    assert.equal(ok.stdout.trim(), '{"ok":"hello"}');
    const echoed = await cli('-o', 'json', 'call', 'relayer', 'lattice:fixtures/echo.echo', '"quoted"', '--wit', FIXTURE_WIT);
    assert.equal(echoed.code, 0, echoed.stderr);
    assert.equal(JSON.parse(echoed.stdout), 'quoted');
    const wrongCount = await cli('call', 'relayer', 'lattice:fixtures/echo.echo', '--wit', FIXTURE_WIT);
    assert.equal(wrongCount.code, 1);
    assert.match(wrongCount.stderr, /takes 1 argument\(s\) \(payload\), got 0/);
    const wrongType = await cli('call', 'relayer', 'lattice:fixtures/echo.echo', '42', '--wit', FIXTURE_WIT);
    assert.match(wrongType.stderr, /payload: expected a string, got 42/);
    const badSpec = await cli('call', 'relayer', 'echo');
    assert.match(badSpec.stderr, /is not NAMESPACE:PACKAGE\/INTERFACE\.FUNCTION/);
  });

  it('streams the calls of a component, and only those of one link, decoded against WIT', async () => {
    const { spawn } = await import('node:child_process');
    const { CLI_MAIN } = await import('../kit/hosts.js');
    const start = (target: string, count: number) => {
      const child = spawn(
        process.execPath,
        [CLI_MAIN, '--nats-url', t.server.url, '-o', 'json', 'spy', target, '--count', String(count), '--wit', FIXTURE_WIT],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      const done = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      return {
        child,
        lines: () =>
          out
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Record<string, any>),
        done,
      };
    };
    // kvup's calls: the one it serves (from relayer) and the three it makes (open, increment, drop).
    // Two invocations' worth: a spy that registers while an invocation runs sees that one's inner
    // calls but not the call it serves (its start came before the spy), so only the next is whole.
    const all = start('kvup', 8);
    const kv = start('kvup/wasi:keyvalue', 3);
    try {
      // Calls until both spies have registered their interest and seen everything.
      await waitFor(
        'the spies to see the calls',
        async () => {
          await cli('call', 'relayer', 'lattice:fixtures/echo.relay', 'visits', '--wit', FIXTURE_WIT);
          return all.lines().length >= 8 && kv.lines().length >= 3;
        },
        { timeoutMs: 30_000, intervalMs: 300 },
      );
      assert.equal(await all.done, 0);
      assert.equal(await kv.done, 0);
      const served = all.lines().find((c) => c.function === 'call');
      assert.ok(served, JSON.stringify(all.lines()));
      assert.equal(served.source, 'relayer');
      assert.equal(served.target, 'kvup');
      assert.deepEqual(served.args, { payload: 'visits' });
      assert.deepEqual(served.result, { ok: 'visits' });
      assert.equal(served.outcome, 'ok');
      assert.equal(served.typed, true);
      assert.ok(served.request_bytes > 0 && served.duration_ms >= 0);

      const names = kv.lines().map((c) => c.function);
      assert.ok(
        names.every((n) => n !== 'call'),
        'the link filter keeps only keyvalue calls',
      );
      const increment = kv.lines().find((c) => c.function === 'increment')!;
      assert.equal(increment.interface, 'wasi:keyvalue/atomics@0.2.0-draft');
      assert.equal(increment.args.key, 'visits');
      assert.equal(increment.args.delta, 1);
      assert.match(String(increment.args.bucket), /^bucket#/);
      assert.ok(typeof (increment.result as { ok: number }).ok === 'number');
      const open = kv.lines().find((c) => c.function === 'open')!;
      assert.deepEqual(open.args, { identifier: 'default' });
    } finally {
      all.child.kill();
      kv.child.kill();
    }
  });
});
