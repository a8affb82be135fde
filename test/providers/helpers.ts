import assert from 'node:assert/strict';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { NatsConnection } from 'nats';
import { buildProject } from '../../components/tools/build.js';
import { buildWat } from '../../components/tools/wat.js';
import type { Host } from '../../host/mod.js';
import { fromOutcome, invoke, TargetNotRunningError, type ControlClient, type LinkInput } from '../../protocol/mod.js';
import type { TestHostOptions } from '../kit/hosts.js';
import { startTestLattice, type TestLattice } from '../kit/lattice.js';
import { freePort } from '../kit/ports.js';
import { waitFor } from '../kit/wait.js';

const repo = resolve(import.meta.dirname, '../../..');
const examples = join(repo, 'components', 'examples');
const fixturesSrc = join(repo, 'test', 'providers', 'fixtures');
const fixturesWit = join(repo, 'components', 'fixtures', 'wit');

/** `file://` URL of a components/examples project, built by the project's toolchain (cached by stamps). */
export async function example(name: string): Promise<string> {
  const [result] = await buildProject(join(examples, name));
  assert.ok(result, `example ${name} has a component`);
  return pathToFileURL(result.wasmPath).href;
}

/**
 * Builds test/providers/fixtures/NAME.wat after replacing `{{KEY}}` placeholders (a data segment
 * and its length, e.g. the authority of a loopback server whose port is only known at run time).
 */
export async function watFixture(name: string, outDir: string, values: Record<string, string> = {}): Promise<string> {
  const witDir = await fixtureWit(outDir);
  let source = await readFile(join(fixturesSrc, `${name}.wat`), 'utf8');
  for (const [key, value] of Object.entries(values)) {
    source = source.replaceAll(`{{${key}}}`, value).replaceAll(`{{${key}_LEN}}`, String(Buffer.byteLength(value)));
  }
  const bytes = await buildWat(source, { witDir, name });
  await mkdir(outDir, { recursive: true });
  const path = join(outDir, `${name}-${Date.now()}.wasm`);
  await writeFile(path, bytes);
  return pathToFileURL(path).href;
}

/** Worlds of the provider fixtures, beside the runtime fixtures' package (same package, more deps). */
const PROVIDER_WORLDS = `
world blob-move-world {
  import wasi:blobstore/blobstore@0.2.0-draft;
  export probe;
}

world secret-probe-world {
  import wasmcloud:secrets/store@0.1.0-draft;
  import wasmcloud:secrets/reveal@0.1.0-draft;
  export probe;
}
`;

/** components/fixtures/wit plus the wasi:blobstore dependency and the worlds above, in `outDir`. */
async function fixtureWit(outDir: string): Promise<string> {
  const dir = join(outDir, 'wit');
  await rm(dir, { recursive: true, force: true });
  await cp(fixturesWit, dir, { recursive: true });
  await cp(join(repo, 'components', 'wit', 'deps', 'wasi-blobstore-0.2.0-draft'), join(dir, 'deps', 'blobstore'), { recursive: true });
  await cp(join(repo, 'components', 'wit', 'deps', 'wasmcloud-secrets-0.1.0-draft'), join(dir, 'deps', 'secrets'), { recursive: true });
  await writeFile(join(dir, 'providers.wit'), PROVIDER_WORLDS);
  return dir;
}

/**
 * One lattice for a test file (test/kit/lattice.ts's: a real nats-server, a control client, hosts
 * with their own data dirs) plus the provider tests' shortcuts.
 */
export class Lattice {
  private constructor(private readonly t: TestLattice) {}

  static async start(): Promise<Lattice> {
    return new Lattice(await startTestLattice({ hosts: 0 }));
  }

  get nc(): NatsConnection {
    return this.t.nc;
  }

  get ctl(): ControlClient {
    return this.t.ctl;
  }

  get hosts(): Host[] {
    return this.t.hosts;
  }

  get dataDir(): string {
    return this.t.dataDir;
  }

  host(opts: TestHostOptions = {}): Promise<Host> {
    return this.t.addHost(opts);
  }

  /** Puts an http-server link to `component` on a listener of its own; returns the base URL. */
  async httpLink(providerId: string, component: string): Promise<string> {
    const port = await freePort();
    const configName = `${component}-http`;
    await this.ctl.putConfig(configName, { address: `127.0.0.1:${port}` });
    await this.ctl.putLink({
      source_id: providerId,
      target: component,
      wit_namespace: 'wasi',
      wit_package: 'http',
      interfaces: ['incoming-handler'],
      source_config: [configName],
    });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(`the listener for ${component}`, async () => (await fetch(base).catch(() => null)) !== null, { timeoutMs: 15_000 });
    return base;
  }

  async link(link: LinkInput): Promise<void> {
    await this.ctl.putLink(link);
  }

  stop(): Promise<void> {
    return this.t.dispose();
  }

  /**
   * Calls `lattice:fixtures/probe.run` on a WAT fixture once it is reachable (scaling and links
   * settle asynchronously); any failure other than "not running yet" is the answer.
   */
  async runProbe(id: string, deadlineMs = 15_000): Promise<number> {
    const giveUp = Date.now() + 30_000;
    for (;;) {
      try {
        return fromOutcome(
          await invoke(this.nc, 'default', { target: id, interface: 'lattice:fixtures/probe@0.1.0', function: 'run', source: 'test', deadlineMs }),
        ) as number;
      } catch (error) {
        if (!(error instanceof TargetNotRunningError) || Date.now() > giveUp) throw error;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
}

export async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as unknown };
  } catch {
    return { status: res.status, body: text };
  }
}
