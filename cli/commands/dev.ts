import type { Command } from 'commander';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { NatsConnection } from 'nats';
import { connectOnce } from '../../lib/nats-connection.js';
import { createControlClient } from '../../protocol/mod.js';
import { createWadmClient } from '../../protocol/wadm-client.js';
import { ComponentBuildError } from '../../components/tools/errors.js';
import { CliError, globalOptions, latticeName, natsSettings } from '../context.js';
import { progress } from '../progress.js';

const CLI_ENTRY = fileURLToPath(new URL('../main.js', import.meta.url));
/** Changes arriving together (an editor saving several files) cause one build. */
const DEBOUNCE_MS = 250;
/** What a change under these does not rebuild: outputs and tool state. */
const IGNORED = ['build', '.lattice', 'node_modules', '.git'];

interface DevFlags {
  address?: string;
  keep?: boolean;
}

type Manifest = {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { components: Array<{ name: string; type: string; properties: Record<string, unknown>; traits?: unknown[] }> };
};

/** A default application for a project without wadm.yaml: its components behind one HTTP listener. */
function defaultManifest(name: string, components: string[], address: string): Manifest {
  return {
    apiVersion: 'core.oam.dev/v1beta1',
    kind: 'Application',
    metadata: { name },
    spec: {
      components: [
        ...components.map((c) => ({
          name: c,
          type: 'component',
          properties: { image: `file://./build/${c}.wasm` },
          traits: [{ type: 'spreadscaler', properties: { instances: 1 } }],
        })),
        {
          name: 'httpserver',
          type: 'capability',
          properties: { image: 'ghcr.io/wasmcloud/http-server:0.23.0' },
          traits: [
            {
              type: 'link',
              properties: {
                target: { name: components[0]! },
                namespace: 'wasi',
                package: 'http',
                interfaces: ['incoming-handler'],
                source: { config: [{ name: `${name}-dev-http`, properties: { address } }] },
              },
            },
          ],
        },
      ],
    },
  };
}

/**
 * Points the manifest's `build/NAME.wasm` images at content-addressed copies in `.lattice/dev/`,
 * so each build is a new image reference (wadm updates the component, the previous version keeps
 * serving until the new one is ready) and a later build never overwrites what a host still loads.
 */
async function pinImages(manifest: Manifest, dir: string, built: Map<string, string>, version: string): Promise<Manifest> {
  const devDir = join(dir, '.lattice', 'dev');
  await mkdir(devDir, { recursive: true });
  const copy = structuredClone(manifest);
  for (const c of copy.spec.components) {
    const image = c.properties.image;
    if (c.type !== 'component' || typeof image !== 'string') continue;
    const m = /^file:\/\/(?:\.\/)?build\/([a-z][a-z0-9-]*)\.wasm$/.exec(image);
    const wasm = m ? built.get(m[1]!) : undefined;
    if (!wasm) continue;
    const digest = createHash('sha256')
      .update(await readFile(wasm))
      .digest('hex')
      .slice(0, 12);
    const pinned = join(devDir, `${basename(wasm, '.wasm')}-${digest}.wasm`);
    await copyFile(wasm, pinned);
    c.properties.image = pathToFileURL(pinned).href;
  }
  copy.metadata.annotations = { ...copy.metadata.annotations, version, description: copy.metadata.annotations?.description ?? 'lattice dev' };
  return copy;
}

/** Keeps the last few dev copies, so the folder does not grow with every save. */
async function pruneCopies(dir: string, keep: Set<string>): Promise<void> {
  const devDir = join(dir, '.lattice', 'dev');
  for (const name of await readdir(devDir).catch(() => [])) {
    if (name.endsWith('.wasm') && !keep.has(join(devDir, name))) await rm(join(devDir, name), { force: true });
  }
}

async function latticeAnswers(nc: NatsConnection, lattice: string): Promise<boolean> {
  const hosts = await createControlClient(nc, lattice)
    .pingHosts({ timeoutMs: 800 })
    .catch(() => []);
  return hosts.length > 0;
}

/**
 * `lattice dev [DIR]`: build, deploy to a local lattice, watch, rebuild and redeploy on change.
 * A failed build prints its errors and leaves the running version serving. Starts a local
 * lattice (`lattice up`) when none answers, and stops it on exit; the application is undeployed
 * on exit unless `--keep`.
 */
export function register(program: Command): void {
  program
    .command('dev')
    .description('build a component project, deploy it to a local lattice, and rebuild and redeploy on every change (Ctrl-C stops)')
    .argument('[dir]', 'project directory holding lattice.json', '.')
    .option('--address <host:port>', 'HTTP address of the default application (projects without wadm.yaml)', '127.0.0.1:8000')
    .option('--keep', 'leave the application deployed on exit')
    .action(async (dirArg: string, flags: DevFlags, command: Command) => {
      const opts = globalOptions(command);
      const dir = resolve(dirArg);
      const lattice = latticeName(opts);
      const settings = natsSettings(opts);
      const { buildProject } = await import('../../components/tools/build.js');
      const { loadProject } = await import('../../components/tools/project.js');
      let project;
      try {
        project = await loadProject(dir);
      } catch (error) {
        throw new CliError((error as Error).message, { cause: error });
      }
      const say = (line: string) => process.stderr.write(`${line}\n`);

      /** Builds; null (errors printed) when the build failed. */
      const build = async (force: boolean): Promise<Map<string, string> | null> => {
        const shown = progress();
        const started = Date.now();
        try {
          const results = await buildProject(dir, { force, onProgress: (e) => shown.update(`[${e.component} ${e.index}/${e.total}] ${e.message}`) });
          shown.done();
          say(`built ${results.map((r) => r.name).join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
          return new Map(results.map((r) => [r.name, r.wasmPath]));
        } catch (error) {
          shown.done();
          if (!(error instanceof ComponentBuildError)) throw error;
          say(`\nbuild failed at ${error.stage}; the previous version keeps serving:\n\n${error.message}\n`);
          return null;
        }
      };

      let built = await build(false);
      if (!built) throw new CliError('the first build failed: fix it and run lattice dev again');

      // A lattice to deploy to: the one that answers, or one started for this session.
      let nc: NatsConnection;
      let up: ChildProcess | null = null;
      const connect = () => connectOnce(settings, 'lattice-dev');
      nc = await connect().catch(() => null as unknown as NatsConnection);
      if (!nc || !(await latticeAnswers(nc, lattice))) {
        await nc?.close();
        say('no lattice answers: starting one (lattice up)');
        const dataDir = join(dir, '.lattice', 'lattice');
        up = spawn(process.execPath, [CLI_ENTRY, '--nats-url', settings.url, '--lattice', lattice, 'up', '--data-dir', dataDir], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        await new Promise<void>((ready, failed) => {
          let out = '';
          up!.stdout!.on('data', (c: Buffer) => {
            out += c.toString();
            if (out.includes('running; press Ctrl-C')) ready();
          });
          up!.once('exit', (code) => failed(new CliError(`lattice up exited (${code}):\n${out}`)));
        });
        nc = await connect();
      }

      const manifestFile = join(dir, 'wadm.yaml');
      const hasManifest = await stat(manifestFile).then(
        () => true,
        () => false,
      );
      const base: Manifest = hasManifest
        ? (parseYaml(await readFile(manifestFile, 'utf8')) as Manifest)
        : defaultManifest(
            basename(dir)
              .replace(/[^a-z0-9-]/gi, '-')
              .toLowerCase(),
            project.components.map((c) => c.name),
            flags.address ?? '127.0.0.1:8000',
          );
      const name = base.metadata.name;
      const wadm = createWadmClient(nc, lattice, { timeoutMs: 15_000 });
      let round = 0;
      let current = new Set<string>();

      const deploy = async (wasm: Map<string, string>): Promise<void> => {
        round++;
        const manifest = await pinImages(base, dir, wasm, `dev-${round}-${Date.now().toString(36)}`);
        const put = await wadm.put(manifest);
        if (!put.accepted) {
          say(`the manifest was refused:\n${put.problems.map((p) => `  ${p.path ?? ''} ${p.message}`).join('\n')}`);
          return;
        }
        const reply = await wadm.deploy(name, put.version ?? undefined);
        if (!reply.accepted) {
          say(`deploy refused: ${reply.problems.map((p) => p.message).join('; ')}`);
          return;
        }
        const images = new Set(
          manifest.spec.components
            .map((c) => c.properties.image)
            .filter((i): i is string => typeof i === 'string' && i.startsWith('file://'))
            .map((i) => fileURLToPath(i)),
        );
        const previous = current;
        current = images;
        await pruneCopies(dir, new Set([...previous, ...current]));
        say(`deployed ${name} ${put.version}${hasManifest ? '' : ` (http://${flags.address ?? '127.0.0.1:8000'}/)`}`);
      };

      await deploy(built);
      say(`watching ${relative(process.cwd(), dir) || '.'} for changes (Ctrl-C stops)`);

      let timer: NodeJS.Timeout | null = null;
      let running: Promise<void> = Promise.resolve();
      let again = false;
      const rebuild = () => {
        running = running.then(async () => {
          do {
            again = false;
            built = await build(false);
            if (built) await deploy(built).catch((error: unknown) => say(`deploy failed: ${(error as Error).message}`));
          } while (again);
        });
      };
      const onChange = (file: string | null) => {
        if (file && IGNORED.some((d) => file === d || file.startsWith(`${d}${sep}`) || file.startsWith(`${d}/`))) return;
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => {
          timer = null;
          say(`\nchanged: ${file ?? '(files)'}; rebuilding`);
          again = true;
          rebuild();
        }, DEBOUNCE_MS);
      };
      let watcher: FSWatcher;
      try {
        watcher = watch(dir, { recursive: true }, (_event, file) => onChange(file === null ? null : String(file)));
      } catch (error) {
        throw new CliError(`cannot watch ${dir}: ${(error as Error).message}`, { cause: error });
      }

      await new Promise<void>((done) => {
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      watcher.close();
      if (timer) clearTimeout(timer);
      await running.catch(() => undefined);
      if (!flags.keep) {
        say(`undeploying ${name}`);
        await wadm.undeploy(name).catch(() => undefined);
      }
      await nc.close();
      if (up) {
        up.kill('SIGTERM');
        await new Promise((r) => up!.once('exit', r));
      }
    });
}
