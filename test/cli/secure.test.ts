/**
 * `lattice up --secure`: NATS with nkey users and permissions. The CLI (through the context `up`
 * saved) drives the lattice; a client without credentials cannot even connect, so it can neither
 * list hosts, scale nor read secrets; the provider user reaches invocation subjects only.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { connect, nkeyAuthenticator } from 'nats';
import { buckets, createControlClient } from '../../protocol/mod.js';
import { requireNatsServer } from '../kit/nats-server.js';
import { freePort } from '../kit/ports.js';
import { TEST_SECRETS_KEY, TEST_SECRETS_KEY_ENV } from '../kit/secrets.js';
import { waitFor } from '../kit/wait.js';
import { startHost } from '../../host/mod.js';
import { fixture } from '../runtime/helpers.js';
import { runCli } from './run-cli.js';

describe('lattice up --secure', () => {
  it('wires nkey users: the CLI context works, no credentials are refused, providers are fenced', { timeout: 120_000 }, async () => {
    requireNatsServer();
    const home = await mkdtemp(join(tmpdir(), 'lattice-secure-'));
    const url = `nats://127.0.0.1:${await freePort()}`;
    const env = { LATTICE_DATA_DIR: home, ...TEST_SECRETS_KEY_ENV };
    const cli = (...args: string[]) => runCli(args, env);
    try {
      const up = await cli('--nats-url', url, 'up', '--detach', '--secure');
      assert.equal(up.code, 0, up.stderr);
      assert.match(up.stdout, /with nkey users/);
      assert.match(up.stdout, /context "local"/);
      assert.equal((await stat(join(home, 'secure', 'cli.nk'))).mode & 0o777, 0o600);

      // The saved context carries URL and the CLI user: no flags needed.
      const hosts = await cli('get', 'hosts', '-o', 'json');
      assert.equal(hosts.code, 0, hosts.stderr);
      assert.equal((JSON.parse(hosts.stdout) as unknown[]).length, 1);
      const hostId = (JSON.parse(hosts.stdout) as Array<{ id: string }>)[0]!.id;
      const scaled = await cli('scale', 'component', 'hello', fileURLToPath(await fixture('http-hello')), '--count', '1', '--host', hostId);
      assert.equal(scaled.code, 0, scaled.stderr);
      const put = await cli('secret', 'put', 'db-password', 'hunter2');
      assert.equal(put.code, 0, put.stderr);
      // A provider process runs on the provider user: it reads links, config and its secrets with it.
      assert.equal((await cli('config', 'put', 'kv-conf', 'bucket=x')).code, 0);
      const started = await cli(
        'start',
        'provider',
        'kv',
        'lattice://keyvalue',
        '--mode',
        'process',
        '--host',
        hostId,
        '--config',
        'kv-conf',
        '--secret',
        'db-password',
      );
      assert.equal(started.code, 0, started.stderr);
      const linked = await cli('link', 'put', 'hello', 'kv', 'wasi', 'keyvalue', '--interface', 'store');
      assert.equal(linked.code, 0, linked.stderr);

      // One more host on a user of its own, then revoked: the server drops it.
      const added = await cli('-o', 'json', 'secure', 'add-host', 'edge-1');
      assert.equal(added.code, 0, added.stderr);
      const { seed_file: edgeSeed, reloaded } = JSON.parse(added.stdout) as { seed_file: string; reloaded: boolean };
      assert.equal(reloaded, true);
      const edge = await waitFor('edge host joins', async () => {
        try {
          return await startHost({
            labelEnv: false,
            secretsKey: TEST_SECRETS_KEY,
            runtime: false,
            providers: false,
            name: 'edge-1',
            natsSettings: { url, nkeySeed: edgeSeed },
          });
        } catch {
          return undefined; // the reload may not have been applied yet
        }
      });
      try {
        assert.equal(JSON.parse((await cli('get', 'hosts', '-o', 'json')).stdout).length, 2);
        assert.equal((await cli('secure', 'remove-host', 'edge-1')).code, 0);
        await waitFor(
          'revoked host leaves',
          async () => ((JSON.parse((await cli('get', 'hosts', '-o', 'json')).stdout) as unknown[]).length === 1 ? true : undefined),
          { timeoutMs: 20_000 },
        );
      } finally {
        await edge.stop({ timeoutMs: 1_000 });
      }

      // Without credentials: refused at connect, for listing, scaling and secrets alike.
      const anonymous = (...args: string[]) => runCli(['--nats-url', url, ...args], { LATTICE_DATA_DIR: join(home, 'nobody'), ...TEST_SECRETS_KEY_ENV });
      for (const args of [
        ['get', 'hosts'],
        ['scale', 'component', 'x', 'file:///x.wasm', '--count', '1', '--host', hostId],
        ['secret', 'list'],
      ]) {
        const refused = await anonymous(...args);
        assert.equal(refused.code, 1, `${args.join(' ')} must fail`);
        assert.match(refused.stderr, /Authorization Violation|authorization/i);
      }
      await assert.rejects(connect({ servers: url, maxReconnectAttempts: 0 }), /Authorization Violation/i);

      // The provider user: connected, but the control interface and the buckets' writes are closed to it.
      const seed = (await readFile(join(home, 'secure', 'provider.nk'), 'utf8')).trim();
      const nc = await connect({ servers: url, authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)), maxReconnectAttempts: 0 });
      try {
        const ctl = createControlClient(nc, 'default', { timeoutMs: 1_000 });
        await assert.rejects(ctl.pingHosts({ timeoutMs: 500 }), /Permissions Violation for Publish to "wasmbus\.ctl\.v1\.default\.host\.ping"/);
        await assert.rejects(ctl.scaleComponent(hostId, { component_id: 'evil', image_ref: 'file:///evil.wasm', count: 1 }), /Permissions Violation/);
        const js = nc.jetstream();
        await assert.rejects(
          js.publish(`$KV.${buckets.links('default')}.evil.wasi.http.default`, new Uint8Array(1), { timeout: 1_000 }),
          /Permissions Violation/,
        );
        await assert.rejects(js.views.kv(buckets.manifests('default')), /Permissions Violation/);
      } finally {
        await nc.close();
      }
    } finally {
      await cli('down').catch(() => undefined);
      await rm(home, { recursive: true, force: true });
    }
  });
});
