/**
 * Transpile once per lattice (runtime/transpile-share.ts): what one host transpiled, a host
 * with an empty cache fetches from the lattice's object store instead of running jco, and runs
 * it; an entry that is damaged or names another digest is never run (the host transpiles itself).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { ObjectStoreTranspileShare } from '../../host/transpile-share.js';
import { createLogger } from '../../lib/logger.js';
import { InvalidComponentError } from '../../runtime/errors.js';
import { TranspileCache } from '../../runtime/transpile-cache.js';
import { encodeEntry } from '../../runtime/transpile-share.js';
import { NatsServer } from '../kit/nats-server.js';
import { waitFor } from '../kit/wait.js';
import { fixture, startRuntime, tempDir, text } from './helpers.js';

describe('transpiled components shared across a lattice', { timeout: 120_000 }, () => {
  let server: NatsServer;
  let nc: NatsConnection;
  const share = () => new ObjectStoreTranspileShare({ nc, lattice: 'default' });

  before(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
  });
  after(async () => {
    await nc?.close();
    await server?.dispose();
  });

  it('a second host fetches what the first transpiled, and runs it', async () => {
    await using cacheA = await tempDir('lattice-share-a-');
    await using cacheB = await tempDir('lattice-share-b-');
    const imageRef = await fixture('http-hello');
    const first = await startRuntime({ cacheDir: cacheA.path, transpileShare: share() });
    let name: string;
    try {
      const info = await first.runtime.scale({ componentId: 'hello', imageRef, count: 1 });
      assert.equal(first.runtime.cache.transpileCount, 1);
      name = first.runtime.cache.entryName(info!.digest);
      // Offered to the lattice after the first host has it (not awaited by the scale).
      await waitFor('the entry in the lattice', async () => (await share().get(name)) !== null);
    } finally {
      await first.dispose();
    }
    const second = await startRuntime({ cacheDir: cacheB.path, transpileShare: share() });
    try {
      const info = await second.runtime.scale({ componentId: 'hello', imageRef, count: 1 });
      assert.equal(second.runtime.cache.transpileCount, 0, 'jco did not run on the second host');
      assert.equal(second.runtime.cache.sharedCount, 1);
      assert.equal(info?.from_cache, true);
      const response = await second.runtime.handleHttp('hello', { method: 'GET', pathWithQuery: '/shared' });
      assert.equal(text(response.body), 'hello from a wat component: /shared\n');
    } finally {
      await second.dispose();
    }
  });

  it('never runs a damaged entry or one made for another digest: the host transpiles itself', async () => {
    await using probe = await tempDir('lattice-share-probe-');
    await using cacheC = await tempDir('lattice-share-c-');
    const echo = await fixture('echo');
    const state = await fixture('state');
    // The names the entries of `echo` and `state` would have, from a runtime without a share.
    const names = await startRuntime({ cacheDir: probe.path });
    let echoName: string;
    let stateName: string;
    let stateDigest: string;
    try {
      echoName = names.runtime.cache.entryName((await names.runtime.scale({ componentId: 'echo', imageRef: echo, count: 1 }))!.digest);
      const stateInfo = await names.runtime.scale({ componentId: 'state', imageRef: state, count: 1 });
      stateDigest = stateInfo!.digest;
      stateName = names.runtime.cache.entryName(stateDigest);
    } finally {
      await names.dispose();
    }
    await share().put(echoName, new TextEncoder().encode('not an entry'));
    // A well-formed entry that claims another digest (what a confused or hostile writer would store).
    await share().put(
      stateName,
      encodeEntry({
        meta: { digest: 'f'.repeat(64), imports: [], exports: [], coreModules: [], glue: {}, jspi: false },
        files: { 'component.js': new Uint8Array(1) },
      }),
    );
    const third = await startRuntime({ cacheDir: cacheC.path, transpileShare: share() });
    try {
      await third.runtime.scale({ componentId: 'echo', imageRef: echo, count: 1 });
      const info = await third.runtime.scale({ componentId: 'state', imageRef: state, count: 1 });
      assert.equal(info?.digest, stateDigest);
      assert.equal(third.runtime.cache.transpileCount, 2, 'both were transpiled here');
      assert.equal(third.runtime.cache.sharedCount, 0);
      const answer = await third.runtime.invoke('echo', 'lattice:fixtures/echo', 'echo', ['still works']);
      assert.equal(answer, 'still works');
    } finally {
      await third.dispose();
    }
  });

  it('hosts given the same new image at once run jco once between them: the others wait for its output', async () => {
    await using a = await tempDir('lattice-claim-a-');
    await using b = await tempDir('lattice-claim-b-');
    await using c = await tempDir('lattice-claim-c-');
    const imageRef = await fixture('counter');
    const hosts = await Promise.all([a, b, c].map((dir) => startRuntime({ cacheDir: dir.path, transpileShare: share() })));
    try {
      const infos = await Promise.all(hosts.map((h) => h.runtime.scale({ componentId: 'counter', imageRef, count: 1 })));
      assert.equal(new Set(infos.map((i) => i?.digest)).size, 1);
      assert.deepEqual(
        hosts.map((h) => h.runtime.cache.transpileCount).reduce((x, y) => x + y),
        1,
        'one host transpiled',
      );
      assert.equal(
        hosts.map((h) => h.runtime.cache.sharedCount).reduce((x, y) => x + y),
        2,
        'two fetched its output',
      );
    } finally {
      await Promise.all(hosts.map((h) => h.dispose()));
    }
  });

  it('a claimant whose transpile fails gives its claim up: the others transpile and fail alike, not after it lapses', { timeout: 60_000 }, async () => {
    const dirs = await Promise.all(['x', 'y', 'z'].map((n) => tempDir(`lattice-claim-${n}-`)));
    try {
      const caches = dirs.map((d) => new TranspileCache(d.path, createLogger({ component: 'test' }, { level: 'silent' }), false, share()));
      // A component header with a body jco cannot parse: every host's transpile fails.
      const broken = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 0x07, 0xff, 0xff, 0xff]);
      const outcomes = await Promise.allSettled(caches.map((cache) => cache.get(broken)));
      assert.deepEqual(
        outcomes.map((o) => o.status),
        ['rejected', 'rejected', 'rejected'],
      );
      // The claim lapses after 120 s, twice this test's timeout: the others ran jco because it was released.
      for (const o of outcomes) assert.ok(o.status === 'rejected' && o.reason instanceof InvalidComponentError, String(o.status === 'rejected' && o.reason));
    } finally {
      for (const d of dirs) await d[Symbol.asyncDispose]();
    }
  });
});
