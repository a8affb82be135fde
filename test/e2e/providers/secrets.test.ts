/**
 * Secrets: sealed at rest in the lattice's KV bucket, stored with the CLI, checked when a link
 * names them, and delivered to providers at init and with their links, builtin and in their own
 * process. The real use: the keyvalue provider's Redis password, against a redis-server that
 * requires one.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { SecretStore, SecretUnavailableError } from '../../../store/secret-store.js';
import { createLogger } from '../../../lib/logger.js';
import { buckets } from '../../../protocol/mod.js';
import { CLI_MAIN } from '../../kit/hosts.js';
import { RedisServer } from '../../kit/redis-server.js';
import { TEST_SECRETS_KEY, TEST_SECRETS_KEY_ENV } from '../../kit/secrets.js';
import { waitFor } from '../../kit/wait.js';
import { example, getJson, Lattice, watFixture } from '../../providers/helpers.js';

const run = promisify(execFile);
const PASSWORD = `pw-${randomBytes(6).toString('hex')}`;
const KV_LINK = { source_id: 'counter', target: 'kv', wit_namespace: 'wasi', wit_package: 'keyvalue', interfaces: ['store', 'atomics'] };
const log = createLogger({ test: 'secrets' });

describe('secrets', { timeout: 240_000 }, () => {
  let lattice: Lattice;
  let redis: RedisServer;
  let image: string;
  let natsUrl: string;

  before(async () => {
    [lattice, redis, image] = await Promise.all([Lattice.start(), RedisServer.start({ password: PASSWORD }), example('kv-counter')]);
    natsUrl = lattice.nc.getServer();
  });
  after(async () => {
    await lattice?.stop();
    await redis?.stop();
  });

  const cli = (args: string[], env: NodeJS.ProcessEnv = TEST_SECRETS_KEY_ENV, input?: string) => {
    const child = run(process.execPath, [CLI_MAIN, '--nats-url', `nats://${natsUrl}`, '-o', 'json', ...args], {
      env: { ...process.env, ...env },
    });
    if (input !== undefined) {
      child.child.stdin?.end(input);
    }
    return child;
  };

  it('are sealed at rest: the bucket holds no plaintext, another key or another name cannot open them', async () => {
    const store = await SecretStore.open(lattice.nc, 'default', TEST_SECRETS_KEY, log);
    await store.put('sealed-check', 'plain-text-value');
    assert.equal(await store.reveal('sealed-check'), 'plain-text-value');
    const kv = await lattice.nc.jetstream().views.kv(buckets.secrets('default'), { bindOnly: true });
    const raw = (await kv.get('sealed-check'))!.value;
    assert.ok(!Buffer.from(raw).toString('utf8').includes('plain-text-value'), 'the stored value holds the plaintext');

    const other = await SecretStore.open(lattice.nc, 'default', randomBytes(32), log);
    await assert.rejects(other.reveal('sealed-check'), (e: unknown) => e instanceof SecretUnavailableError && /another secrets key/.test(e.message));
    const keyless = await SecretStore.open(lattice.nc, 'default', null, log);
    await assert.rejects(keyless.reveal('sealed-check'), /no secrets key/);
    // A sealed value copied under another name does not open: the name is bound into the seal.
    await kv.put('moved', raw);
    await assert.rejects(store.reveal('moved'), SecretUnavailableError);
  });

  it('are stored and listed with the CLI, values never printed; a first put creates the key file', async () => {
    await cli(['secret', 'put', 'from-stdin', '--stdin'], TEST_SECRETS_KEY_ENV, 'stdin-value\n');
    await cli(['secret', 'put', 'from-env', '--from-env', 'MY_SECRET_VALUE'], { ...TEST_SECRETS_KEY_ENV, MY_SECRET_VALUE: 'env-value' });
    const store = await SecretStore.open(lattice.nc, 'default', TEST_SECRETS_KEY, log);
    assert.equal(await store.reveal('from-stdin'), 'stdin-value');
    assert.equal(await store.reveal('from-env'), 'env-value');
    const listed = JSON.parse((await cli(['secret', 'list'])).stdout) as string[];
    assert.ok(listed.includes('from-stdin') && listed.includes('from-env'));
    assert.ok(!JSON.stringify(listed).includes('stdin-value'));
    await assert.rejects(cli(['secret', 'put', 'two-ways', 'x', '--from-env', 'HOME']), /give the value one way/);

    // No key configured: the first put writes one (0600) into the data dir, and it opens the secret.
    const dataDir = await mkdtemp(join(tmpdir(), 'lattice-secrets-'));
    try {
      const env = { LATTICE_SECRETS_KEY: undefined, LATTICE_SECRETS_KEY_FILE: undefined, LATTICE_DATA_DIR: dataDir };
      const put = JSON.parse((await cli(['secret', 'put', 'own-key', '--from-env', 'HOME'], env)).stdout) as { keyCreated: string };
      assert.equal(put.keyCreated, join(dataDir, 'secrets.key'));
      const checked = JSON.parse((await cli(['secret', 'check', 'own-key'], env)).stdout) as { readable: boolean; length: number };
      assert.deepEqual(checked, { name: 'own-key', readable: true, length: (process.env.HOME ?? '').length });
      // The hosts of this lattice have another key: the CLI says so instead of printing garbage.
      await assert.rejects(cli(['secret', 'check', 'own-key']), /another secrets key/);
      assert.equal((await readFile(put.keyCreated)).length > 40, true);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
    await cli(['secret', 'del', 'from-env']);
    assert.equal(await store.reveal('from-env'), null);
  });

  it('give the keyvalue provider its Redis password through a link, builtin and in its own process', async () => {
    const { ctl } = lattice;
    const host = await lattice.host();
    await ctl.scaleComponent(host.id, { component_id: 'counter', image_ref: image, count: 1 }, { timeoutMs: 60_000 });
    await ctl.startProvider(host.id, { provider_id: 'http', provider_ref: 'ghcr.io/wasmcloud/http-server:0.23.0' }, { timeoutMs: 30_000 });
    await ctl.startProvider(host.id, { provider_id: 'kv', provider_ref: 'ghcr.io/wasmcloud/keyvalue-redis:0.28.0' }, { timeoutMs: 30_000 });
    const base = await lattice.httpLink('http', 'counter');
    await ctl.putConfig('kv-redis', { URL: redis.url });

    // Without the password Redis refuses every command: the component answers 500.
    await lattice.link({ ...KV_LINK, target_config: ['kv-redis'] });
    const refused = await waitFor(
      'redis to refuse',
      async () => {
        const r = await getJson(`${base}/visits`);
        return r.status === 500 ? r : null;
      },
      { timeoutMs: 30_000 },
    );
    assert.match(String((refused.body as { error: string }).error), /access-denied/);

    // A link naming a secret that does not exist is refused when it is put.
    await assert.rejects(
      lattice.link({ ...KV_LINK, target_config: ['kv-redis'], target_secrets: ['no-such-secret'] }),
      /secrets that do not exist: no-such-secret/,
    );

    // The stored secret is `redis-prod`; the reference (what wadm writes for a manifest's secrets)
    // shows it to the provider as `password`.
    await cli(['secret', 'put', 'redis-prod', '--stdin'], TEST_SECRETS_KEY_ENV, PASSWORD);
    await ctl.putConfig('SECRET_kv-password', { name: 'password', key: 'redis-prod' });
    await lattice.link({ ...KV_LINK, target_config: ['kv-redis'], target_secrets: ['SECRET_kv-password'] });
    const counted = await waitFor(
      'the password to reach redis',
      async () => {
        const r = await getJson(`${base}/visits`);
        return r.status === 200 ? r : null;
      },
      { timeoutMs: 30_000 },
    );
    assert.deepEqual(counted.body, { key: 'visits', count: 1 });

    // The same provider in its own process opens the secret with the key its host hands it.
    await ctl.stopProvider(host.id, 'kv');
    await ctl.startProvider(host.id, { provider_id: 'kv', provider_ref: 'ghcr.io/wasmcloud/keyvalue-redis:0.28.0', mode: 'process' }, { timeoutMs: 30_000 });
    const again = await waitFor(
      'the provider process to count',
      async () => {
        const r = await getJson(`${base}/visits`);
        return r.status === 200 ? r : null;
      },
      { timeoutMs: 30_000 },
    );
    assert.deepEqual(again.body, { key: 'visits', count: 2 });
  });

  it('are read by a component through wasmcloud:secrets: only what it was granted, always the current value', async () => {
    const { ctl } = lattice;
    const host = lattice.hosts[0]!;
    const store = await SecretStore.open(lattice.nc, 'default', TEST_SECRETS_KEY, log);
    await store.put('api-token-prod', 'tok-1');
    await ctl.putConfig('SECRET_app-token', { name: 'token', key: 'api-token-prod' });
    const outDir = join(lattice.dataDir, 'wasm');
    const scale = async (id: string, key: string, expect: string, secrets: string[]) => {
      const image = await watFixture('secret-probe', outDir, { KEY: key, EXPECT: expect });
      await ctl.scaleComponent(host.id, { component_id: id, image_ref: image, count: 1, secrets }, { timeoutMs: 60_000 });
    };
    // Granted through a reference: the component asks by the reference's name.
    await scale('reader', 'token', 'tok-1', ['SECRET_app-token']);
    assert.equal(await lattice.runProbe('reader'), 200);
    // A new value is what the next read sees, without rescaling: the running component (which
    // expects the old value) now reads one of another length.
    await store.put('api-token-prod', 'tok-2-rotated');
    assert.equal(await waitFor('the rotated value', async () => ((await lattice.runProbe('reader')) === 4013 ? 4013 : null)), 4013);
    await scale('reader-2', 'token', 'tok-2-rotated', ['SECRET_app-token']);
    assert.equal(await lattice.runProbe('reader-2'), 200);
    // Not granted (another component, or another name): not-found (tag 2), never another's secret.
    await scale('nosy', 'token', 'tok-2-rotated', []);
    assert.equal(await lattice.runProbe('nosy'), 1002);
    await scale('nosy-2', 'api-token-prod', 'tok-2-rotated', ['SECRET_app-token']);
    assert.equal(await lattice.runProbe('nosy-2'), 1002);
    // A scale granting a secret that does not exist fails at once, naming it.
    const image = await watFixture('secret-probe', outDir, { KEY: 'x', EXPECT: 'y' });
    await assert.rejects(
      ctl.scaleComponent(host.id, { component_id: 'missing', image_ref: image, count: 1, secrets: ['nope'] }, { timeoutMs: 60_000 }),
      /secret "nope" does not exist/,
    );
  });

  it('a host started before any key existed picks up the key file the first `secret put` writes', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'lattice-late-key-'));
    const saved = { dir: process.env.LATTICE_DATA_DIR, key: process.env.LATTICE_SECRETS_KEY, file: process.env.LATTICE_SECRETS_KEY_FILE };
    try {
      process.env.LATTICE_DATA_DIR = dataDir;
      delete process.env.LATTICE_SECRETS_KEY;
      delete process.env.LATTICE_SECRETS_KEY_FILE;
      const host = await lattice.host({ secretsKey: undefined }); // reads the environment: no key yet
      const env = { LATTICE_SECRETS_KEY: undefined, LATTICE_SECRETS_KEY_FILE: undefined, LATTICE_DATA_DIR: dataDir };
      await cli(['secret', 'put', 'late-url', '--from-env', 'LATE_URL'], { ...env, LATE_URL: redis.url });
      await lattice.ctl.startProvider(
        host.id,
        { provider_id: 'kv-late', provider_ref: 'ghcr.io/wasmcloud/keyvalue-redis:0.28.0', secrets: ['late-url'] },
        { timeoutMs: 30_000 },
      );
    } finally {
      for (const [name, value] of [
        ['LATTICE_DATA_DIR', saved.dir],
        ['LATTICE_SECRETS_KEY', saved.key],
        ['LATTICE_SECRETS_KEY_FILE', saved.file],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('a provider start naming a missing secret fails, naming it', async () => {
    const host = lattice.hosts[0]!;
    await assert.rejects(
      lattice.ctl.startProvider(host.id, { provider_id: 'kv2', provider_ref: 'wasmcloud+builtin://keyvalue', secrets: ['missing-one'] }, { timeoutMs: 30_000 }),
      /secret "missing-one" does not exist/,
    );
  });
});
