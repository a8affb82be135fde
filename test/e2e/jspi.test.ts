/**
 * JSPI (runtime/jspi.ts): on Node 24+ a guest waiting on a provider is suspended and its
 * worker serves other requests meanwhile. What has to hold: a request for another component is
 * answered while one waits on a stalled backend, even with a single worker (which a blocked
 * worker cannot do: it accepts no connection until its host call returns); a request that waits
 * past its deadline gets its 504 without costing the worker or the component's instance slots;
 * the host says which path it took in its `hostcore.jspi` label.
 *
 * The backend is a private redis-server paused with `CLIENT PAUSE`: the keyvalue provider's
 * INCR waits in Redis until the pause ends.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { benchFixture } from '../../bench/suite/examples.js';
import { jspiAvailable } from '../../runtime/jspi.js';
import type { Host } from '../../host/mod.js';
import { createControlClient } from '../../protocol/mod.js';
import { startTestLattice, type TestLattice } from '../kit/lattice.js';
import { freePort } from '../kit/ports.js';
import { RedisServer, redisServerAvailable } from '../kit/redis-server.js';
import { waitFor } from '../kit/wait.js';
import { fixture } from '../runtime/helpers.js';
import { getText as get, httpLink } from './fixtures.js';

const skip = !jspiAvailable()
  ? `JSPI needs Node 24 or newer (this is Node ${process.versions.node}); npm run test:node24 runs this file`
  : !redisServerAvailable()
    ? 'redis-server is not installed'
    : false;

describe('JSPI: a guest waiting on a provider leaves its worker free', { skip, timeout: 120_000 }, () => {
  let t: TestLattice;
  let host: Host;
  let redis: RedisServer;
  let admin: Redis;
  let port: number;

  /** Stalls every Redis client (the keyvalue provider's too) for `ms`. */
  const pause = async (ms: number): Promise<void> => {
    await admin.call('CLIENT', 'PAUSE', String(ms), 'ALL');
  };

  before(async () => {
    redis = await RedisServer.start();
    admin = new Redis(redis.url);
    // One worker: whatever answers while a request waits, that worker answered it.
    t = await startTestLattice({ perHost: () => ({ runtime: { poolSize: 1, maxPoolSize: 1 }, metricsAddress: '127.0.0.1:0' }) });
    host = t.hosts[0]!;
    const { ctl } = t;
    port = await freePort();
    await ctl.putConfig('http-provider', { address: `127.0.0.1:${port}`, timeout_ms: '1500' });
    await ctl.startProvider(host.id, { provider_id: 'http', provider_ref: 'wasmcloud+builtin://http-server', config: ['http-provider'] });
    await ctl.startProvider(host.id, { provider_id: 'kv', provider_ref: 'wasmcloud+builtin://keyvalue' });
    await ctl.putConfig('kv-redis', { backend: 'redis', url: redis.url });
    // The benchmark's kv-counter: open + increment per request, answering the count.
    await ctl.scaleComponent(host.id, { component_id: 'counter', image_ref: await benchFixture('kv-counter'), count: 4 });
    await ctl.scaleComponent(host.id, { component_id: 'hello', image_ref: await fixture('http-hello'), count: 4 });
    await ctl.putLink({
      source_id: 'counter',
      target: 'kv',
      wit_namespace: 'wasi',
      wit_package: 'keyvalue',
      interfaces: ['store', 'atomics'],
      target_config: ['kv-redis'],
    });
    for (const id of ['counter', 'hello']) {
      await ctl.putConfig(`${id}-route`, { path: `/${id}` });
      await ctl.putLink(httpLink(id, `${id}-route`));
    }
    await waitFor('both routes', async () => (await get(port, '/counter').catch(() => null))?.status === 200 && (await get(port, '/hello')).status === 200);
  });

  after(async () => {
    await t?.dispose();
    admin?.disconnect();
    await redis?.stop();
  });

  it('says so in the hostcore.jspi label', async () => {
    const [info] = await createControlClient(t.nc, 'default').pingHosts({ timeoutMs: 1_000 });
    assert.equal(info?.labels['hostcore.jspi'], 'true');
  });

  it('answers another component while a request waits on the stalled backend', async () => {
    const first = Number((await get(port, '/counter')).body);
    await pause(1_000);
    let settled = false;
    const waiting = get(port, '/counter').finally(() => {
      settled = true;
    });
    // Setup, not a measure: time for the request to reach the paused Redis.
    await sleep(400);
    const hello = await get(port, '/hello');
    assert.equal(hello.status, 200);
    assert.match(hello.body, /hello from a wat component/);
    assert.equal(settled, false, 'the counter request was still waiting on Redis when hello was answered');
    const late = await waiting;
    assert.equal(late.status, 200);
    assert.equal(Number(late.body), first + 1);
  });

  it('answers 504 for a request that waits past its deadline, and the worker and the instance slots stay', async () => {
    await pause(3_000);
    const timedOut = await get(port, '/counter');
    assert.equal(timedOut.status, 504);
    assert.equal((await get(port, '/hello')).status, 200, 'the worker serves on');
    // Once Redis answers, the abandoned invocation finishes and gives its instance slot back.
    await waitFor(
      'no counter invocation left running',
      async () => {
        const text = await (await fetch(`http://${host.metricsAddress}/metrics`)).text();
        return /^lattice_component_active_instances\{[^}]*component="counter"[^}]*\} 0$/m.test(text);
      },
      { timeoutMs: 10_000 },
    );
    const answers = await Promise.all(Array.from({ length: 4 }, () => get(port, '/counter')));
    for (const answer of answers) assert.equal(answer.status, 200);
  });
});
