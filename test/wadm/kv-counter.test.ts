/**
 * A kv-counter application (HTTP -> component -> keyvalue on Redis) deployed by wadm over three
 * hosts, and serving. The manifest is used as written except for what must differ here: the
 * component image points at the built components/examples/kv-counter, the Redis URL at a private
 * redis-server, and the listener at a free loopback port.
 * - the project's fixture, test/wadm/fixtures/manifests/valid/http-counter.yaml, always;
 * - wasmCloud's own http-keyvalue-counter manifest from the compatibility corpus, when present
 *   (see manifest-files.ts); skipped with the reason otherwise.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { parse } from 'yaml';
import { freePort } from '../kit/ports.js';
import { RedisServer } from '../kit/redis-server.js';
import { waitFor } from '../kit/wait.js';
import { example } from '../providers/helpers.js';
import { WadmLattice } from './lattice.js';
import { corpusText, fixture, manifestCorpus, type ManifestDoc } from './manifest-files.js';

interface Trait {
  type: string;
  properties: ManifestDoc;
}
interface Comp {
  name: string;
  type: string;
  properties: { image?: string };
  traits?: Trait[];
}

const corpus = manifestCorpus();

/** Points the manifest at this test's component, Redis and port; returns the app name. */
function localize(doc: ManifestDoc, to: { image: string; redisUrl: string; address: string }): string {
  const components = doc.spec.components as Comp[];
  const links = components.flatMap((c) => (c.traits ?? []).filter((t) => t.type === 'link').map((t) => ({ c, link: t.properties })));
  const kv = links.filter(({ link }) => link.package === 'keyvalue');
  const http = links.filter(({ link }) => link.package === 'http' && link.interfaces.includes('incoming-handler'));
  assert.equal(kv.length, 1, 'one keyvalue link');
  assert.equal(http.length, 1, 'one incoming-handler link');
  kv[0]!.c.properties.image = to.image;
  const kvConfig = kv[0]!.link.target.config[0].properties;
  assert.match(kvConfig.url, /^redis:\/\//);
  kvConfig.url = to.redisUrl;
  const httpConfig = http[0]!.link.source.config[0].properties;
  assert.match(httpConfig.address, /:\d+$/);
  httpConfig.address = to.address;
  return doc.metadata.name;
}

describe('kv-counter manifests on wadm', { timeout: 240_000 }, () => {
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

  /** Deploys the manifest, then counts twice over HTTP and reads the count back from Redis. */
  async function deployAndCount(doc: ManifestDoc): Promise<void> {
    const port = await freePort();
    const app = localize(doc, { image, redisUrl: redis.url, address: `127.0.0.1:${port}` });
    const put = await lattice.client.put(doc);
    assert.ok(put.accepted, JSON.stringify(put.problems));
    const reply = await lattice.client.deploy(app);
    assert.ok(reply.accepted);
    assert.deepEqual(reply.placement, []);
    await lattice.waitForState(app, 'deployed', 60_000);

    const url = `http://127.0.0.1:${port}/visits`;
    const first = await waitFor(
      'the counter to answer',
      async () => {
        const res = await fetch(url, { signal: AbortSignal.timeout(5_000) }).catch(() => null);
        return res?.status === 200 ? ((await res.json()) as { count: number }) : null;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const second = (await (await fetch(url)).json()) as { count: number };
    assert.equal(second.count, first.count + 1);
    // The count lives in the Redis the manifest's link config names (bucket "default").
    const client = new Redis(redis.url);
    try {
      assert.equal(await client.get('default:visits'), String(second.count));
    } finally {
      client.disconnect();
    }
    const status = await lattice.client.status(app);
    assert.deepEqual(
      status.scalers.map((s) => s.state).filter((s) => s !== 'deployed'),
      [],
    );
    // Undeployed, so that the next case counts alone in the same bucket.
    await lattice.client.undeploy(app);
    await lattice.waitForState(app, 'undeployed', 60_000);
  }

  it('deploys and serves the project fixture http-counter.yaml, the count kept in Redis', { timeout: 120_000 }, async () => {
    await deployAndCount(fixture('valid', 'http-counter.yaml'));
  });

  it("deploys and serves wasmCloud's own kv-counter manifest (compatibility corpus)", { timeout: 120_000, skip: corpus.reason ?? false }, async () => {
    await deployAndCount(parse(corpusText(corpus.dir!, 'valid', 'wasmcloud-http-keyvalue-counter.yaml')) as ManifestDoc);
  });
});
