/**
 * wasmCloud's own http-keyvalue-counter manifest, unchanged except for what must differ here:
 * the component image points at our built kv-counter, the Redis URL at a private redis-server,
 * and the listener at a free loopback port. wadm places it over three hosts and it serves.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { parse } from 'yaml';
import { freePort } from '../kit/ports.js';
import { RedisServer } from '../kit/redis-server.js';
import { waitFor } from '../kit/wait.js';
import { example } from '../providers/helpers.js';
import { WadmLattice } from './lattice.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const corpusFile = join(repoRoot, '..', 'shared', 'manifests', 'valid', 'wasmcloud-http-keyvalue-counter.yaml');

interface Props { image?: string; config?: unknown }
interface Trait { type: string; properties: Record<string, any> }
interface Comp { name: string; properties: Props; traits?: Trait[] }

describe('the wasmCloud kv-counter manifest on wadm', { timeout: 240_000 }, () => {
  let lattice: WadmLattice;
  let redis: RedisServer;
  let image: string;

  before(async () => {
    [lattice, redis, image] = await Promise.all([WadmLattice.start(), RedisServer.start(), example('kv-counter')]);
    await lattice.host('edge-1', { zone: 'edge' });
    await lattice.host('edge-2', { zone: 'edge' });
    await lattice.host('cloud-1', { zone: 'cloud' });
    await lattice.wadm();
  });
  after(async () => {
    await lattice?.stop();
    await redis?.stop();
  });

  it('deploys and serves a count kept in Redis', { timeout: 120_000 }, async () => {
    const doc = parse(readFileSync(corpusFile, 'utf8')) as { metadata: { name: string }; spec: { components: Comp[] } };
    const port = await freePort();
    const counter = doc.spec.components.find((c) => c.name === 'counter')!;
    counter.properties.image = image;
    const kvLink = counter.traits!.find((t) => t.type === 'link')!;
    assert.equal(kvLink.properties.target.config[0].properties.url, 'redis://0.0.0.0:6379');
    kvLink.properties.target.config[0].properties.url = redis.url;
    const http = doc.spec.components.find((c) => c.name === 'httpserver')!;
    const httpLink = http.traits!.find((t) => t.type === 'link')!;
    assert.equal(httpLink.properties.source.config[0].properties.address, '0.0.0.0:8000');
    httpLink.properties.source.config[0].properties.address = `127.0.0.1:${port}`;

    const put = await lattice.client.put(doc);
    assert.ok(put.accepted, JSON.stringify(put.problems));
    const reply = await lattice.client.deploy(doc.metadata.name);
    assert.ok(reply.accepted);
    assert.deepEqual(reply.placement, []);
    await lattice.waitForState(doc.metadata.name, 'deployed', 60_000);

    const url = `http://127.0.0.1:${port}/visits`;
    const first = await waitFor('the counter to answer', async () => {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) }).catch(() => null);
      return res?.status === 200 ? ((await res.json()) as { count: number }) : null;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    const second = (await (await fetch(url)).json()) as { count: number };
    assert.equal(second.count, first.count + 1);
    // The count lives in the Redis the manifest's link config names (bucket "default").
    const client = new Redis(redis.url);
    try {
      assert.equal(await client.get('default:visits'), String(second.count));
    } finally {
      client.disconnect();
    }
    const status = await lattice.client.status(doc.metadata.name);
    assert.deepEqual(status.scalers.map((s) => s.state).filter((s) => s !== 'deployed'), []);
  });
});
