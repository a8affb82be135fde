import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Host } from '../../host/mod.js';
import { NatsServer } from '../kit/nats-server.js';
import { startTestHost, stopHosts } from '../kit/hosts.js';
import { runCli } from './run-cli.js';

describe('lattice CLI against a real lattice', () => {
  let server: NatsServer;
  let host: Host;
  let lattice: (...args: string[]) => ReturnType<typeof runCli>;

  before(async () => {
    server = await NatsServer.start();
    host = await startTestHost(server.url, { labels: { zone: 'edge' }, runtime: false, providers: false });
    lattice = (...args) => runCli(['--nats-url', server.url, ...args]);
  });

  after(async () => {
    await stopHosts([host]);
    await server?.dispose();
  });

  it('lists hosts as a table and as JSON', async () => {
    const table = await lattice('get', 'hosts');
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(host.id));
    assert.match(table.stdout, /zone=edge/);
    const json = await lattice('get', 'hosts', '-o', 'json');
    const hosts = JSON.parse(json.stdout) as Array<{ id: string; labels: Record<string, string> }>;
    assert.deepEqual(
      hosts.map((h) => h.id),
      [host.id],
    );
    assert.equal(hosts[0]!.labels['hostcore.os'], process.platform === 'darwin' ? 'macos' : process.platform);
  });

  it('puts, gets and deletes config; a missing config is a one-line error with exit 1', async () => {
    const put = await lattice('config', 'put', 'db', 'url=redis://127.0.0.1:6379', 'pool=4');
    assert.equal(put.code, 0, put.stderr);
    const got = await lattice('config', 'get', 'db', '-o', 'json');
    assert.deepEqual(JSON.parse(got.stdout), { url: 'redis://127.0.0.1:6379', pool: '4' });
    assert.equal((await lattice('config', 'del', 'db')).code, 0);
    const missing = await lattice('config', 'get', 'db');
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim().split('\n').length, 1);
    assert.match(missing.stderr, /config db does not exist/);
    const malformed = await lattice('config', 'put', 'db', 'novalue');
    assert.equal(malformed.code, 2, 'a malformed argument is a usage error');
    assert.match(malformed.stderr, /"novalue" is not of the form key=value/);
  });

  it('puts, lists and deletes links in wash argument order; refuses links to missing config', async () => {
    const refused = await lattice('link', 'put', 'app', 'kv', 'wasi', 'keyvalue', '--interface', 'store', '--target-config', 'nope');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /nope/);
    const put = await lattice('link', 'put', 'app', 'kv', 'wasi', 'keyvalue', '--interface', 'store', '--interface', 'atomics');
    assert.equal(put.code, 0, put.stderr);
    const listed = await lattice('get', 'links', '-o', 'json');
    assert.equal(listed.code, 0, listed.stderr);
    const links = JSON.parse(listed.stdout) as Array<{ interfaces: string[]; target: string }>;
    assert.deepEqual(
      links.map((l) => [l.target, l.interfaces]),
      [['kv', ['store', 'atomics']]],
    );
    assert.match((await lattice('link', 'get')).stdout, /wasi:keyvalue\/\{store,atomics\}/);
    assert.equal((await lattice('link', 'del', 'app', 'wasi', 'keyvalue')).code, 0);
    assert.deepEqual(JSON.parse((await lattice('get', 'links', '-o', 'json')).stdout), []);
  });

  it('puts and deletes labels; built-in labels cannot be changed', async () => {
    assert.equal((await lattice('label', 'put', host.id, 'tier=gold')).code, 0);
    const inv = JSON.parse((await lattice('get', 'inventory', host.id, '-o', 'json')).stdout) as { labels: Record<string, string> };
    assert.equal(inv.labels.tier, 'gold');
    assert.equal((await lattice('label', 'del', host.id, 'tier')).code, 0);
    const builtin = await lattice('label', 'put', host.id, 'hostcore.os=plan9');
    assert.equal(builtin.code, 1);
    assert.match(builtin.stderr, /hostcore/);
  });

  it('says which host is missing when a host id answers nobody', async () => {
    const res = await lattice('get', 'inventory', 'NAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    assert.equal(res.code, 1);
    assert.match(res.stderr, /no responders/);
  });
});
