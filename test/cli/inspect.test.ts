/**
 * `lattice inspect`: every WAT fixture (in-process, through the function the command uses), the
 * command itself on a component, a core module, broken files, a signed component, an example
 * built with componentize-js, and a `nats://` artifact pushed to a test lattice.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAccount } from '@nats-io/nkeys';
import { buildProject } from '../../components/tools/build.js';
import { inspectWasm, type Inspection } from '../../components/tools/inspect.js';
import type { ClaimsSummary } from '../../cli/claims-summary.js';
import { EXAMPLES_DIR } from '../../components/tools/paths.js';
import { NatsServer } from '../kit/nats-server.js';
import { withCustomSection } from '../kit/custom-section.js';
import { fixtures } from '../runtime/helpers.js';
import { runCli } from './run-cli.js';

/** Fixtures wat.ts makes broken on purpose. */
const BROKEN: Record<string, RegExp> = {
  'corrupt.wasm': /cannot be read as a component/,
  'not-wasm.wasm': /not WebAssembly/,
  'pre-1.0.wasm': /pre-1\.0 encoding/,
  'truncated.wasm': /truncated/,
};

type InspectJson = Omit<Inspection, 'claims'> & { ref: string; claims: ClaimsSummary | null };

async function inspectJson(ref: string, extra: string[] = []): Promise<InspectJson> {
  const r = await runCli(['-o', 'json', ...extra, 'inspect', ref]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as InspectJson;
}

describe('lattice inspect', () => {
  let dir: string;
  let work: string;

  before(async () => {
    dir = await fixtures();
    work = await mkdtemp(join(tmpdir(), 'lattice-inspect-test-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('reads every fixture: components show their world, core modules their kind, broken ones fail', async () => {
    const names = (await readdir(dir)).filter((f) => f.endsWith('.wasm'));
    assert.ok(names.length >= 15, names.join(' '));
    for (const name of names) {
      const bytes = await readFile(join(dir, name));
      if (name in BROKEN) continue;
      const r = await inspectWasm(bytes);
      assert.equal(r.digest, `sha256:${createHash('sha256').update(bytes).digest('hex')}`, name);
      assert.equal(r.size, bytes.length);
      if (name === 'core-module.wasm') {
        assert.equal(r.kind, 'module');
        continue;
      }
      assert.equal(r.kind, 'component', name);
      assert.ok(r.exports.length > 0, `${name} exports nothing?`);
      assert.ok(
        r.producers['processed-by']?.some((p) => p.startsWith('wit-component ')),
        `${name}: ${JSON.stringify(r.producers)}`,
      );
      assert.equal(r.claims, null);
    }
  });

  it('shows imports and exports with versions, as a table and as JSON or YAML', async () => {
    const file = join(dir, 'http-hello.wasm');
    const table = await runCli(['inspect', file]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /kind\s+component/);
    assert.match(table.stdout, /signed\s+no/);
    assert.match(table.stdout, /wasi:http\/incoming-handler\s*│\s*0\.2\.0/);
    const json = await inspectJson(file);
    assert.deepEqual(json.exports, [{ name: 'wasi:http/incoming-handler', version: '0.2.0' }]);
    assert.ok(json.imports.some((i) => i.name === 'wasi:http/types' && i.version === '0.2.0'));
    const yaml = await runCli(['-o', 'yaml', 'inspect', file]);
    assert.match(yaml.stdout, /^kind: component$/m);
    const wit = await runCli(['inspect', file, '--wit']);
    assert.match(wit.stdout, /export wasi:http\/incoming-handler@0\.2\.0;/);
  });

  it('core modules and broken files: a note, or one line and exit 1', async () => {
    const core = await inspectJson(join(dir, 'core-module.wasm'));
    assert.equal(core.kind, 'module');
    for (const [name, pattern] of Object.entries(BROKEN)) {
      const r = await runCli(['inspect', join(dir, name)]);
      assert.equal(r.code, 1, `${name}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, pattern);
    }
    const missing = await runCli(['inspect', join(work, 'nope.wasm')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read .*nope\.wasm: no such file/);
  });

  it('a component signed with `lattice claims sign`: its claims, a valid signature, a matching hash; altered, a mismatch', async () => {
    const issuer = createAccount();
    const signed = join(work, 'hello_s.wasm');
    const sign = await runCli([
      'claims',
      'sign',
      join(dir, 'http-hello.wasm'),
      '--issuer',
      new TextDecoder().decode(issuer.getSeed()),
      '--name',
      'hello',
      '--ver',
      '0.3.1',
      '--tag',
      'edge',
      '--tag',
      'http',
      '-d',
      signed,
    ]);
    assert.equal(sign.code, 0, sign.stderr);
    const json = await inspectJson(signed);
    assert.equal(json.claims?.issuer, issuer.getPublicKey());
    assert.match(json.claims?.subject ?? '', /^M[A-Z2-7]{55}$/);
    assert.equal(json.claims?.name, 'hello');
    assert.equal(json.claims?.version, '0.3.1');
    assert.deepEqual(json.claims?.tags, ['edge', 'http']);
    assert.equal(json.claims?.signature_valid, true);
    assert.equal(json.claims?.hash_valid, true);
    assert.equal(json.claims?.module_hash, json.claims?.signed_hash);
    assert.equal(json.exports[0]?.name, 'wasi:http/incoming-handler', 'the section does not disturb the world');
    const table = await runCli(['inspect', signed]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /signed\s+yes: signature valid, module hash matches/);
    assert.match(table.stdout, new RegExp(`issuer\\s+${issuer.getPublicKey()}`));
    assert.match(table.stdout, /tags\s+edge, http/);
    // The same claims, read by the command made for them.
    const claims = await runCli(['-o', 'json', 'claims', 'inspect', signed]);
    assert.deepEqual(JSON.parse(claims.stdout), json.claims);
    const yaml = await runCli(['-o', 'yaml', 'claims', 'inspect', signed]);
    assert.match(yaml.stdout, /^signature_valid: true$/m);
    assert.match(yaml.stdout, /^hash_valid: true$/m);

    // A section added after signing changes the bytes the hash covers: still readable, flagged.
    const altered = join(work, 'hello_altered.wasm');
    await writeFile(altered, withCustomSection(await readFile(signed), 'note', new TextEncoder().encode('added later')));
    const alteredJson = await inspectJson(altered);
    assert.equal(alteredJson.claims?.signature_valid, true);
    assert.equal(alteredJson.claims?.hash_valid, false);
    assert.notEqual(alteredJson.claims?.module_hash, alteredJson.claims?.signed_hash);
    const alteredTable = await runCli(['inspect', altered]);
    assert.match(alteredTable.stdout, /signed\s+yes, but the module hash does NOT match \(the bytes changed after signing\)/);
    assert.match(alteredTable.stdout, /signed hash\s+[0-9A-F]{64}/);
  });

  it('a claims section that is not a token: one line, exit 1', async () => {
    const damaged = join(work, 'damaged-claims.wasm');
    await writeFile(damaged, withCustomSection(await readFile(join(dir, 'http-hello.wasm')), 'wasmcloud_jwt', new TextEncoder().encode('not-a-token')));
    const r = await runCli(['inspect', damaged]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(
      r.stderr,
      /damaged-claims\.wasm: its signature claims cannot be read: claims token has 1 segments, expected 3 \(sign it again with `lattice claims sign`\)/,
    );
  });

  it('reads a TypeScript example built with componentize-js, and every other built example', { timeout: 300_000 }, async () => {
    await buildProject(join(EXAMPLES_DIR, 'http-hello'));
    const built: string[] = [];
    for (const example of await readdir(EXAMPLES_DIR, { withFileTypes: true })) {
      if (!example.isDirectory()) continue;
      const out = join(EXAMPLES_DIR, example.name, 'build');
      for (const f of await readdir(out).catch(() => [])) if (f.endsWith('.wasm')) built.push(join(out, f));
    }
    assert.ok(built.some((f) => f.endsWith('http-hello.wasm')));
    for (const file of built) {
      const r = await inspectWasm(await readFile(file));
      assert.equal(r.kind, 'component', file);
      assert.ok(
        r.producers['processed-by']?.some((p) => p.startsWith('ComponentizeJS ')),
        `${file}: ${JSON.stringify(r.producers)}`,
      );
      assert.ok(r.exports.length > 0, file);
    }
    const hello = await inspectJson(built.find((f) => f.endsWith('http-hello.wasm'))!);
    assert.deepEqual(
      hello.exports.map((e) => e.name),
      ['wasi:http/incoming-handler'],
    );
    assert.ok(hello.producers.language?.includes('JavaScript'));
  });

  it('inspects a nats:// artifact pushed to the lattice', async () => {
    const server = await NatsServer.start();
    try {
      const file = join(dir, 'echo.wasm');
      const push = await runCli(['--nats-url', server.url, 'push', file, '--name', 'echo:v1']);
      assert.equal(push.code, 0, push.stderr);
      const json = await inspectJson('nats://echo:v1', ['--nats-url', server.url]);
      assert.equal(
        json.digest,
        `sha256:${createHash('sha256')
          .update(await readFile(file))
          .digest('hex')}`,
      );
      assert.deepEqual(json.exports, [{ name: 'lattice:fixtures/echo', version: '0.1.0' }]);
      const missing = await runCli(['--nats-url', server.url, 'inspect', 'nats://nope:v1']);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /cannot fetch nats:\/\/nope:v1: .*lattice push/);
    } finally {
      await server.dispose();
    }
  });
});
