/**
 * `lattice up` runs wadm in its host by default (the wadm API answers), `--no-wadm` leaves it out.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { freePort } from '../kit/ports.js';
import { requireNatsServer } from '../kit/nats-server.js';
import { runCli } from '../cli/run-cli.js';

async function withUp(flags: string[], check: (url: string) => Promise<void>): Promise<void> {
  requireNatsServer();
  const dataDir = await mkdtemp(join(tmpdir(), 'lattice-up-wadm-'));
  const url = `nats://127.0.0.1:${await freePort()}`;
  try {
    const up = await runCli(['--nats-url', url, 'up', '--detach', '--data-dir', dataDir, ...flags]);
    assert.equal(up.code, 0, up.stderr);
    await check(url);
  } finally {
    await runCli(['down', '--data-dir', dataDir]).catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  }
}

describe('lattice up and wadm', () => {
  it('runs wadm in the host by default', { timeout: 60_000 }, async () => {
    await withUp([], async (url) => {
      const list = await runCli(['--nats-url', url, 'app', 'list', '-o', 'json']);
      assert.equal(list.code, 0, list.stderr);
      assert.deepEqual(JSON.parse(list.stdout), []);
    });
  });

  it('--no-wadm leaves wadm out', { timeout: 60_000 }, async () => {
    await withUp(['--no-wadm'], async (url) => {
      const list = await runCli(['--nats-url', url, '--timeout', '1000', 'app', 'list']);
      assert.equal(list.code, 1);
      assert.match(list.stderr, /no wadm answers in this lattice/);
    });
  });
});
