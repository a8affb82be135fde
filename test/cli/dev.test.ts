import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startWadm, type Wadm } from '../../wadm/mod.js';
import { CLI_MAIN } from '../kit/hosts.js';
import { startTestLattice, type TestLattice } from '../kit/lattice.js';
import { freePort } from '../kit/ports.js';
import { waitFor } from '../kit/wait.js';

const EXAMPLE = fileURLToPath(new URL('../../../components/examples/http-hello', import.meta.url));

describe('lattice dev', () => {
  let t: TestLattice;
  let wadm: Wadm;
  let dir: string;

  before(async () => {
    t = await startTestLattice({ hosts: 1 });
    wadm = await startWadm({ nc: t.nc, lattice: 'default' });
    dir = await mkdtemp(join(tmpdir(), 'lattice-dev-'));
    await cp(EXAMPLE, dir, { recursive: true, filter: (src) => !/[/\\](build|\.lattice)$/.test(src) });
    await rm(join(dir, 'wadm.yaml'), { force: true });
  });
  after(async () => {
    await wadm?.stop();
    await t?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('builds, deploys, keeps the running version through a failed build, and redeploys a fixed one', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [CLI_MAIN, '--nats-url', t.server.url, 'dev', dir, '--address', `127.0.0.1:${port}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_TEST_CONTEXT: undefined, LATTICE_LOG: 'warn' },
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const url = `http://127.0.0.1:${port}/`;
    const body = async () => {
      const res = await fetch(url).catch(() => null);
      return res?.status === 200 ? res.text() : null;
    };
    try {
      await waitFor('the first deploy to answer', async () => (await body())?.includes('Hello, World!'), { timeoutMs: 180_000, intervalMs: 500 });
      assert.match(err, /built http-hello in/);
      assert.doesNotMatch(err, /\x1b\[/, 'no progress drawing in a pipe');

      const source = join(dir, 'src', 'index.ts');
      const original = await readFile(source, 'utf8');
      await writeFile(source, `${original}\nconst broken: number = 'not a number';\n`);
      await waitFor('the build error', () => /build failed at typecheck[\s\S]*not assignable to type 'number'/.test(err), {
        timeoutMs: 120_000,
        intervalMs: 200,
      });
      assert.match((await body()) ?? '', /Hello, World!/, 'the previous version keeps serving');

      await writeFile(source, original.replace('Hello, ${who}!', 'Howdy, ${who}!'));
      await waitFor('the new version to serve', async () => (await body())?.includes('Howdy, World!'), { timeoutMs: 180_000, intervalMs: 500 });
      assert.match(err, /deployed [\w-]+ dev-2/);
    } finally {
      child.kill('SIGINT');
    }
    assert.equal(await exited, 0, err);
    assert.match(err, /undeploying/);
  });
});
