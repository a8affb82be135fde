import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildWat, FIXTURES_SRC } from '../../components/tools/wat.js';
import type { LinkInput } from '../../protocol/mod.js';

const SRC = fileURLToPath(new URL('../../../test/e2e/fixtures', import.meta.url));
const OUT = fileURLToPath(new URL('../../../build/e2e-fixtures', import.meta.url));

/** Builds `test/e2e/fixtures/NAME.wat` (worlds from components/fixtures/wit) and returns its file:// URL. */
export async function e2eFixture(name: string): Promise<string> {
  const wat = await readFile(join(SRC, `${name}.wat`), 'utf8');
  const bytes = await buildWat(wat, { witDir: join(FIXTURES_SRC, 'wit'), name });
  await mkdir(OUT, { recursive: true });
  const path = join(OUT, `${name}.wasm`);
  await writeFile(path, bytes);
  return pathToFileURL(path).href;
}

/** A link from the http-server provider `http` to `target` (named after it), with its source config. */
export function httpLink(target: string, config: string): LinkInput {
  return {
    source_id: 'http',
    target,
    name: target,
    wit_namespace: 'wasi',
    wit_package: 'http',
    interfaces: ['incoming-handler'],
    source_config: [config],
  };
}

/** GET `path` on a loopback port, on a connection of its own; the body as text. */
export function getText(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}
