import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { freePort } from '../kit/ports.js';
import { requireNatsServer } from '../kit/nats-server.js';
import { runCli } from './run-cli.js';

describe('lattice up / down', () => {
  it('starts nats-server and a host in the background, and down stops both', { timeout: 90_000 }, async () => {
    requireNatsServer();
    const dataDir = await mkdtemp(join(tmpdir(), 'lattice-up-'));
    const url = `nats://127.0.0.1:${await freePort()}`;
    try {
      const up = await runCli(['--nats-url', url, 'up', '--detach', '--data-dir', dataDir, '--label', 'zone=home']);
      assert.equal(up.code, 0, up.stderr);
      assert.match(up.stdout, /started nats-server/);
      assert.match(up.stdout, /started host/);
      const hosts = await runCli(['--nats-url', url, 'get', 'hosts', '-o', 'json']);
      const list = JSON.parse(hosts.stdout) as Array<{ labels: Record<string, string> }>;
      assert.equal(list.length, 1);
      assert.equal(list[0]!.labels.zone, 'home');
      const again = await runCli(['--nats-url', url, 'up', '--detach', '--data-dir', dataDir]);
      assert.equal(again.code, 0);
      assert.match(again.stdout, /already running/);
      const down = await runCli(['down', '--data-dir', dataDir]);
      assert.equal(down.code, 0, down.stderr);
      assert.match(down.stdout, /host \(pid \d+\) stopped/);
      assert.match(down.stdout, /nats \(pid \d+\) stopped/);
      const gone = await runCli(['--nats-url', url, 'get', 'hosts']);
      assert.equal(gone.code, 1);
      assert.match(gone.stderr, /cannot connect to NATS/);
    } finally {
      await runCli(['down', '--data-dir', dataDir]).catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('explains how to install nats-server when it is missing', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'lattice-up-'));
    try {
      const url = `nats://127.0.0.1:${await freePort()}`;
      const res = await runCli(['--nats-url', url, 'up', '--detach', '--data-dir', dataDir], { NATS_SERVER_BIN: 'nats-server-that-does-not-exist' });
      assert.equal(res.code, 1);
      assert.match(res.stderr, /nats-server is not installed/);
      assert.match(res.stderr, /apt-get install -y nats-server/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
