/**
 * `lattice registry login/list/logout`: the password read from standard input (as the README
 * shows it), stored in docker's format in a 0600 file of the lattice home, and removed again.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from './run-cli.js';

describe('lattice registry login', () => {
  let home: string;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'lattice-registry-login-'));
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('--password-stdin stores the piped password without its newline; list and logout see it', async () => {
    const env = { LATTICE_DATA_DIR: home };
    const login = await runCli(['registry', 'login', 'localhost:5000', '-u', 'alice', '--password-stdin'], env, 30_000, 'wonder land\n');
    assert.equal(login.code, 0, login.stderr);
    const file = join(home, 'registries.json');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const stored = JSON.parse(await readFile(file, 'utf8')) as { auths: Record<string, { auth: string }> };
    assert.equal(Buffer.from(stored.auths['localhost:5000']!.auth, 'base64').toString('utf8'), 'alice:wonder land');
    assert.deepEqual(JSON.parse((await runCli(['-o', 'json', 'registry', 'list'], env)).stdout), ['localhost:5000']);
    const empty = await runCli(['registry', 'login', 'localhost:5000', '-u', 'alice', '--password-stdin'], env, 30_000, '');
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /give the password with --password-stdin/);
    assert.equal((await runCli(['registry', 'logout', 'localhost:5000'], env)).code, 0);
    assert.deepEqual(JSON.parse((await runCli(['-o', 'json', 'registry', 'list'], env)).stdout), []);
  });
});
