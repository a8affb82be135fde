/**
 * Liveness of invocations against a real nats-server: a caller learns that the instance serving
 * its call is gone from the call's own keep-alive (TargetGoneError, not its deadline), a call
 * lost before it was acknowledged goes to another instance, and while the caller's connection is
 * down calls fail at once (LatticeUnavailableError). Every deadline here is 60 s and every test
 * ends sooner: what ends a call is the typed error asserted, never a timer of the test.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, headers, type NatsConnection, type Subscription } from 'nats';
import { Connectivity } from '../../lib/connectivity.js';
import { connectLongLived } from '../../lib/nats-connection.js';
import { createLogger } from '../../lib/logger.js';
import {
  InvocationHeader,
  KeepaliveLostError,
  LatticeUnavailableError,
  TargetGoneError,
  TargetNotRunningError,
  invocation,
  invoke,
  serveTarget,
  type TargetServer,
} from '../../protocol/mod.js';
import { NatsServer } from '../kit/nats-server.js';
import { PROBE, TargetProcess } from '../kit/target-process.js';
import { waitFor } from '../kit/wait.js';

const LATTICE = 'liveness';
const LONG = 60_000;

const call = (nc: NatsConnection, target: string, fn: 'echo' | 'hang', arg = 'x') =>
  invoke(nc, LATTICE, { target, interface: PROBE, function: fn, args: [arg], source: 'test', deadlineMs: LONG });

describe('invocation liveness', { timeout: 120_000 }, () => {
  let server: NatsServer;
  let caller: NatsConnection;
  let other: NatsConnection;
  const servers: TargetServer[] = [];
  const children: TargetProcess[] = [];

  before(async () => {
    server = await NatsServer.start();
    [caller, other] = await Promise.all([connect({ servers: server.url }), connect({ servers: server.url })]);
  });

  after(async () => {
    for (const s of servers) await s.stop();
    for (const c of children) c.kill('SIGKILL');
    await Promise.all([caller?.close(), other?.close()]);
    await server?.dispose();
  });

  it('a call whose serving process is SIGKILLed fails with TargetGoneError, started, from missed keep-alives', async (t) => {
    const victim = await TargetProcess.start(server.url, LATTICE, 'victim');
    children.push(victim);
    assert.equal(await call(caller, 'victim', 'echo', 'alive'), 'alive');
    const pending = call(caller, 'victim', 'hang');
    await victim.line('call hang');
    victim.kill('SIGKILL');
    const killedAt = Date.now();
    const noticed: Promise<number> = pending.then(
      () => 0,
      () => Date.now(),
    );
    const exited = victim.exited.then(() => Date.now());
    await assert.rejects(pending, (error: unknown) => {
      assert.ok(error instanceof TargetGoneError, String(error));
      assert.equal(error.started, true);
      assert.equal(error.target, 'victim');
      assert.ok(error.cause instanceof KeepaliveLostError);
      assert.ok(error.instance, 'the instance that acknowledged the call is named');
      return true;
    });
    // nats-server dropped the dead process's queue subscription with its connection.
    const exitedAt = await exited;
    await assert.rejects(call(caller, 'victim', 'echo'), TargetNotRunningError);
    const line =
      `SIGKILL -> process exit seen after ${exitedAt - killedAt} ms, no responders for the next call; ` +
      `the call in flight -> TargetGoneError after ${(await noticed) - killedAt} ms (deadline ${LONG} ms)`;
    t.diagnostic(line);
    process.stderr.write(`# liveness: ${line}\n`);
  });

  /** A queue-group member that takes one call and then leaves, as a host killed under it would. */
  function blackHole(target: string, onCall: (respond: (alive: string) => void) => void): { calls: () => number; sub: Subscription } {
    let calls = 0;
    const sub: Subscription = other.subscribe(invocation.targetWildcard(LATTICE, target), {
      queue: invocation.queueGroup(LATTICE, target),
      callback: (_err, msg) => {
        calls++;
        sub.unsubscribe();
        onCall((alive) => {
          const h = headers();
          h.set(InvocationHeader.alive, alive);
          msg.respond(new Uint8Array(0), { headers: h });
        });
      },
    });
    return { calls: () => calls, sub };
  }

  it('a call lost before it was acknowledged is sent again, and another instance answers it', async () => {
    let served = 0;
    const hole = blackHole('rerouted', () => {
      // The live instance joins once the lost one has the call: the first attempt cannot reach it.
      void serveTarget(caller, LATTICE, 'rerouted', (c) => {
        served++;
        return `served ${String(c.args[0])}`;
      }).then((s) => servers.push(s));
    });
    await other.flush();
    assert.equal(await call(caller, 'rerouted', 'echo', 'once'), 'served once');
    assert.equal(hole.calls(), 1);
    assert.equal(served, 1);
  });

  it('a call acknowledged by an instance that then went silent is not sent again', async () => {
    let served = 0;
    const hole = blackHole('started', (respond) => {
      respond('doomed-instance');
      void serveTarget(caller, LATTICE, 'started', () => {
        served++;
        return 'served twice';
      }).then((s) => servers.push(s));
    });
    await other.flush();
    await assert.rejects(call(caller, 'started', 'echo'), (error: unknown) => {
      assert.ok(error instanceof TargetGoneError, String(error));
      assert.equal(error.started, true);
      assert.equal(error.instance, 'doomed-instance');
      return true;
    });
    assert.equal(hole.calls(), 1);
    assert.equal(served, 0, 'a call that may have run is never repeated by the transport');
  });
});

describe('invocations while the connection is down', { timeout: 120_000 }, () => {
  let server: NatsServer;
  let caller: NatsConnection;
  let target: TargetProcess;

  before(async () => {
    server = await NatsServer.start();
    caller = await connectLongLived({ url: server.url }, 'liveness-caller', createLogger({ component: 'test' }));
    target = await TargetProcess.start(server.url, LATTICE, 'steady');
  });

  after(async () => {
    target?.kill('SIGKILL');
    await caller?.close();
    await server?.dispose();
  });

  it('fail at once with LatticeUnavailableError, in flight and new, and work again once reconnected', async () => {
    const pending = call(caller, 'steady', 'hang').then(
      () => null,
      (error: unknown) => error,
    );
    await target.line('call hang');
    await server.stop();
    assert.ok((await pending) instanceof LatticeUnavailableError, String(await pending));
    await assert.rejects(
      call(caller, 'steady', 'echo'),
      (error: unknown) => error instanceof LatticeUnavailableError && /lattice unavailable/.test(error.message),
    );

    await server.restart();
    await waitFor('the caller to reconnect', () => Connectivity.of(caller).connected, { timeoutMs: 20_000 });
    const value = await waitFor(
      'the target to answer again',
      async () => {
        try {
          return await call(caller, 'steady', 'echo', 'back');
        } catch (error) {
          if (error instanceof TargetNotRunningError) return null; // the target process is still reconnecting
          throw error;
        }
      },
      { timeoutMs: 20_000 },
    );
    assert.equal(value, 'back');
  });
});
