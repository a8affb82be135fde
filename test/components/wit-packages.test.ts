import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PLATFORM_WIT_DEPS } from '../../components/tools/paths.js';
import { generateTypes } from '../../components/tools/typegen.js';
import { stageWit } from '../../components/tools/wit-staging.js';

/** The packages the platform serves, with the exact upstream names and versions. */
const PACKAGES = [
  'wasi:keyvalue@0.2.0-draft',
  'wasi:blobstore@0.2.0-draft',
  'wasi:config@0.2.0-rc.1',
  'wasi:config@0.2.0-draft',
  'wasi:logging@0.1.0-draft',
  'wasmcloud:messaging@0.2.0',
  'wasmcloud:bus@1.0.0',
  'wasmcloud:secrets@0.1.0-draft',
  'wasi:http@0.2.10',
  'wasi:io@0.2.10',
  'wasi:io@0.2.0',
  'wasi:clocks@0.2.10',
  'wasi:random@0.2.10',
  'wasi:cli@0.2.10',
];

async function packageDeclarations(): Promise<string[]> {
  const found: string[] = [];
  for (const dir of await readdir(PLATFORM_WIT_DEPS)) {
    for (const file of await readdir(join(PLATFORM_WIT_DEPS, dir))) {
      const m = /^package\s+([^;]+);/m.exec(await readFile(join(PLATFORM_WIT_DEPS, dir, file), 'utf8'));
      if (m && !found.includes(m[1])) found.push(m[1]);
    }
  }
  return found.sort();
}

test('components/wit holds each platform package once, under its upstream name and version', async () => {
  assert.deepEqual(await packageDeclarations(), [...PACKAGES].sort());
});

test('a world importing every platform interface resolves, with upstream signatures', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lattice-wit-'));
  try {
    await writeFile(
      join(dir, 'world.wit'),
      `package test:all@0.1.0;
world all {
  import wasi:keyvalue/store@0.2.0-draft;
  import wasi:keyvalue/atomics@0.2.0-draft;
  import wasi:keyvalue/batch@0.2.0-draft;
  import wasi:blobstore/blobstore@0.2.0-draft;
  import wasi:config/store@0.2.0-rc.1;
  import wasi:config/runtime@0.2.0-draft;
  import wasi:logging/logging@0.1.0-draft;
  import wasmcloud:messaging/consumer@0.2.0;
  import wasmcloud:secrets/store@0.1.0-draft;
  import wasmcloud:secrets/reveal@0.1.0-draft;
  import wasi:http/outgoing-handler@0.2.10;
  export wasmcloud:messaging/handler@0.2.0;
  export wasi:http/incoming-handler@0.2.10;
  export wasi:cli/run@0.2.10;
}
`,
    );
    const staged = await stageWit(dir, join(dir, 'work'));
    const types = await generateTypes(staged, 'all', join(dir, 'types'));
    assert.equal(types.worldModule, 'test:all/all@0.1.0');
    const text = async (name: string): Promise<string> => readFile(join(dir, 'types', 'interfaces', name), 'utf8');
    // Spot checks of signatures that differ between upstream revisions.
    assert.match(await text('wasi-keyvalue-store.d.ts'), /listKeys\(cursor: bigint \| undefined\): KeyResponse/);
    assert.match(await text('wasi-keyvalue-atomics.d.ts'), /increment\(bucket: Bucket, key: string, delta: bigint\): bigint/);
    assert.match(await text('wasi-keyvalue-batch.d.ts'), /getMany\(bucket: Bucket, keys: Array<string>\)/);
    assert.match(await text('wasi-blobstore-blobstore.d.ts'), /copyObject\(src: ObjectId, dest: ObjectId\): void/);
    assert.match(await text('wasi-blobstore-container.d.ts'), /writeData\(name: ObjectName, data: OutgoingValue\): void/);
    assert.match(await text('wasi-config-store.d.ts'), /export function getAll\(\): Array<\[string, string\]>/);
    assert.match(await text('wasi-config-runtime.d.ts'), /ConfigErrorUpstream/);
    assert.match(await text('wasi-logging-logging.d.ts'), /'trace' \| 'debug' \| 'info' \| 'warn' \| 'error' \| 'critical'/);
    assert.match(await text('wasmcloud-messaging-consumer.d.ts'), /request\(subject: string, body: Uint8Array, timeoutMs: number\): BrokerMessage/);
    assert.match(await text('wasmcloud-messaging-handler.d.ts'), /handleMessage\(msg: BrokerMessage\): void/);
    assert.match(await text('wasmcloud-secrets-store.d.ts'), /export function get\(key: string\): Secret/);
    assert.match(await text('wasmcloud-secrets-reveal.d.ts'), /export function reveal\(s: Secret\): SecretValue/);
    assert.match(await text('wasi-http-incoming-handler.d.ts'), /handle\(request: IncomingRequest, responseOut: ResponseOutparam\): void/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
