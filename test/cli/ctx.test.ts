/**
 * CLI contexts: `lattice ctx add/use/list/del` keep NATS URL, lattice and credentials per
 * environment; every command uses the selected one unless flags or the environment say otherwise.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Host } from '../../host/mod.js';
import { NatsServer } from '../kit/nats-server.js';
import { startTestHost, stopHosts } from '../kit/hosts.js';
import { runCli } from './run-cli.js';

describe('lattice ctx', { timeout: 90_000 }, () => {
  let server: NatsServer;
  let hosts: Host[];
  let home: string;

  before(async () => {
    server = await NatsServer.start();
    hosts = [
      await startTestHost(server.url, { lattice: 'prod', runtime: false, providers: false }),
      await startTestHost(server.url, { lattice: 'staging', runtime: false, providers: false }),
    ];
    home = await mkdtemp(join(tmpdir(), 'lattice-ctx-'));
  });

  after(async () => {
    await stopHosts(hosts);
    await server?.dispose();
    await rm(home, { recursive: true, force: true });
  });

  const cli = (...args: string[]) => runCli(args, { LATTICE_DATA_DIR: home, NATS_URL: undefined, LATTICE: undefined });
  const hostIds = async (...args: string[]) => {
    const res = await cli(...args, 'get', 'hosts', '-o', 'json');
    assert.equal(res.code, 0, res.stderr);
    return (JSON.parse(res.stdout) as Array<{ id: string }>).map((h) => h.id);
  };

  it('add, list, use and del; commands follow the current context', async () => {
    assert.equal((await cli('--nats-url', server.url, '--lattice', 'prod', 'ctx', 'add', 'prod')).code, 0);
    assert.equal((await cli('--nats-url', server.url, '--lattice', 'staging', '--nats-password', 'pw', '--nats-user', 'me', 'ctx', 'add', 'staging')).code, 0);
    // The first context added becomes current.
    assert.deepEqual(await hostIds(), [hosts[0]!.id]);
    const listed = JSON.parse((await cli('ctx', 'list', '-o', 'json')).stdout) as Array<{ name: string; current: boolean; credentials: string }>;
    assert.deepEqual(
      listed.map((c) => [c.name, c.current]),
      [
        ['prod', true],
        ['staging', false],
      ],
    );
    assert.equal(listed[1]!.credentials, 'user me');
    assert.doesNotMatch((await cli('ctx', 'list')).stdout, /pw/);
    assert.equal((await stat(join(home, 'contexts.json'))).mode & 0o777, 0o600);

    assert.equal((await cli('ctx', 'use', 'staging')).code, 0);
    assert.equal(JSON.parse(await readFile(join(home, 'contexts.json'), 'utf8')).current, 'staging');
    // staging names a user the server (no auth) ignores; the lattice comes from the context.
    assert.deepEqual(await hostIds(), [hosts[1]!.id]);
    // Flags and --context win over the current context.
    assert.deepEqual(await hostIds('--lattice', 'prod'), [hosts[0]!.id]);
    assert.deepEqual(await hostIds('--context', 'prod'), [hosts[0]!.id]);
    const env = await runCli(['get', 'hosts', '-o', 'json'], { LATTICE_DATA_DIR: home, LATTICE_CONTEXT: 'prod' });
    assert.deepEqual(
      (JSON.parse(env.stdout) as Array<{ id: string }>).map((h) => h.id),
      [hosts[0]!.id],
    );

    const unknown = await cli('--context', 'nope', 'get', 'hosts');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no context named "nope"/);
    assert.equal((await cli('ctx', 'del', 'staging')).code, 0);
    const after = JSON.parse((await cli('ctx', 'list', '-o', 'json')).stdout) as Array<{ name: string }>;
    assert.deepEqual(
      after.map((c) => c.name),
      ['prod'],
    );
    assert.match((await cli('ctx', 'use', 'staging')).stderr, /no context named "staging"/);
  });
});
