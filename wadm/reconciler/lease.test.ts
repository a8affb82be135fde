import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../lib/logger.js';
import { MemoryKvBucket } from '../../store/memory-kv.js';
import { LeaderLease, type LeaseLink } from './lease.js';

const TTL = 5_000;
const logger = createLogger({ component: 'lease-test' });

/** One lease bucket on a clock the test moves, and the leases competing in it (renewed by hand). */
function lattice() {
  let now = 1_000_000;
  const bucket = new MemoryKvBucket('LATTICE_LEASES', { ttlMs: TTL, now: () => now });
  const changes: string[] = [];
  const join = (holder: string, link?: LeaseLink) =>
    LeaderLease.over(bucket, {
      lattice: 'default',
      holder,
      logger,
      renewMs: 0,
      now: () => now,
      link,
      onChange: (leader) => changes.push(`${holder}:${leader ? 'leader' : 'follower'}`),
    });
  return { bucket, changes, join, advance: (ms: number) => (now += ms), now: () => now };
}

describe('LeaderLease over a memory bucket', () => {
  it('the first instance acquires it and keeps it by renewing; a second one is refused', async () => {
    const l = lattice();
    const a = await l.join('wadm-a');
    const b = await l.join('wadm-b');
    assert.deepEqual([a.leader, b.leader], [true, false]);
    for (let i = 0; i < 5; i++) {
      l.advance(TTL - 1);
      await a.renewNow();
      await b.renewNow();
    }
    assert.deepEqual([a.leader, a.current, b.leader], [true, true, false], 'renewed within the TTL, it never lapsed');
    assert.equal(new TextDecoder().decode((await l.bucket.get('default'))!), 'wadm-a');
    await Promise.all([a.stop(), b.stop()]);
  });

  it('is taken over once the holder stops renewing for a TTL; the old holder steps down', async () => {
    const l = lattice();
    const a = await l.join('wadm-a');
    const b = await l.join('wadm-b');
    l.advance(TTL);
    await b.renewNow();
    assert.equal(b.leader, true);
    await a.renewNow();
    assert.equal(a.leader, false);
    assert.deepEqual(l.changes, ['wadm-a:leader', 'wadm-b:leader', 'wadm-a:follower']);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('a lapsed lease nobody took is taken again by its holder', async () => {
    const l = lattice();
    const a = await l.join('wadm-a');
    l.advance(TTL + 1);
    await a.renewNow();
    assert.equal(a.leader, true);
    assert.deepEqual(l.changes, ['wadm-a:leader'], 'no step down and back up in between');
    await a.stop();
  });

  it('stop releases it at once for a standby, and never deletes a lease someone else holds', async () => {
    const l = lattice();
    const a = await l.join('wadm-a');
    const b = await l.join('wadm-b');
    await a.stop();
    await b.renewNow();
    assert.equal(b.leader, true, 'no TTL to wait for');
    const late = await l.join('wadm-c');
    l.advance(TTL);
    await late.renewNow(); // took it over from b
    await b.stop(); // b still believes it leads: its conditional delete must not remove c's lease
    assert.equal(new TextDecoder().decode((await l.bucket.get('default'))!), 'wadm-c');
    await late.stop();
  });

  it('is not current after the connection came back until a renewal succeeds', async () => {
    const l = lattice();
    const link = { connected: true, changedAt: 0 };
    const a = await l.join('wadm-a', link);
    assert.equal(a.current, true);
    l.advance(100);
    link.changedAt = l.now(); // the connection dropped and came back
    assert.deepEqual([a.leader, a.current], [true, false]);
    l.advance(1);
    await a.renewNow();
    assert.equal(a.current, true);
    link.connected = false;
    assert.equal(a.current, false);
    await a.stop();
  });
});
