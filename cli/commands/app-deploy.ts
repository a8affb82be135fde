import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { AppStatus, DeployReply } from '../../protocol/schemas/wadm.js';
import { createWadmClient, type WadmClient } from '../../protocol/wadm-client.js';
import { formatProblems, parseManifestText } from '../../wadm/manifest/mod.js';
import { progress, progressWanted } from '../progress.js';
import { CliError, timeoutMs, withLattice } from '../context.js';
import { emit } from '../output.js';
import { absoluteImageRef } from '../image-ref.js';

/**
 * Relative `file://` images in a manifest mean "next to the manifest" (wash's convention, e.g.
 * `file://./build/x.wasm`). Hosts and wadm do not know where the file was, so the CLI rewrites
 * them to absolute `file://` URLs before storing; other references are left as written.
 */
function absolutizeImages(raw: unknown, baseDir: string): unknown {
  const components = (raw as { spec?: { components?: unknown } } | null)?.spec?.components;
  if (!Array.isArray(components)) return raw;
  for (const c of components) {
    const props = (c as { properties?: { image?: unknown } } | null)?.properties;
    if (props && typeof props.image === 'string' && props.image.startsWith('file://')) props.image = absoluteImageRef(props.image, baseDir);
  }
  return raw;
}

/** Reads and parses a manifest file; YAML errors stop here, before anything is sent. */
export async function readManifestFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new CliError(`cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
  const { raw, problems } = parseManifestText(text);
  if (problems.length) throw new CliError(`${file}:\n${formatProblems(problems)}`);
  return absolutizeImages(raw, dirname(resolve(file)));
}

async function isFile(arg: string): Promise<boolean> {
  try {
    return (await stat(arg)).isFile();
  } catch {
    return false;
  }
}

const DONE: ReadonlySet<AppStatus['state']> = new Set(['deployed', 'failed']);

/**
 * Waits until the application's status is `deployed` or `failed`, printing each new status on
 * stderr. Listens to published status and also asks every second, so a missed publication
 * cannot make it hang; gives up after `waitMs`.
 */
async function waitForOutcome(client: WadmClient, name: string, waitMs: number): Promise<AppStatus> {
  const watch = client.watchStatus(name);
  const deadline = Date.now() + waitMs;
  let last: AppStatus | null = null;
  // On a terminal the status is one line redrawn in place; in a pipe nothing is printed.
  const shown = progress();
  const started = Date.now();
  const show = (s: AppStatus) => {
    shown.update(`${name}: ${s.state}${s.message ? `: ${s.message}` : ''} (${Math.round((Date.now() - started) / 1000)} s)`);
    last = s;
  };
  try {
    let next = watch.updates.next();
    while (Date.now() < deadline) {
      const tick = new Promise<'tick'>((r) => setTimeout(() => r('tick'), Math.min(1_000, Math.max(0, deadline - Date.now()))));
      const got = await Promise.race([next, tick]);
      let status: AppStatus;
      if (got === 'tick') status = await client.status(name);
      else {
        if (got.done) break;
        status = got.value;
        next = watch.updates.next();
      }
      show(status);
      if (DONE.has(status.state)) return status;
    }
  } finally {
    shown.done();
    watch.unsubscribe();
  }
  throw new CliError(`${name} is not deployed after ${Math.round(waitMs / 1000)} s${last ? ` (last: ${(last as AppStatus).state} ${(last as AppStatus).message})` : ''}`);
}

function describeDeploy(r: DeployReply): string {
  const lines = [`${r.name} ${r.version ?? ''}: ${r.accepted ? r.state : 'refused'}`];
  for (const p of r.problems) lines.push(`  ${p.level} ${p.path}: ${p.message}`);
  for (const p of r.placement) lines.push(`  cannot place: ${p.message}`);
  return lines.join('\n');
}

export function registerDeploy(app: Command): void {
  app
    .command('deploy')
    .argument('<file-or-name>', 'a manifest file (stored as a new version first) or the name of a stored application')
    .option('--version <version>', 'version to deploy (default: latest)')
    .option('--no-wait', 'return once wadm accepted the deploy')
    .option('--wait-timeout <seconds>', 'how long to wait for deployed or failed', '120')
    .description('deploy an application; shows progress until it is deployed or failed')
    .action(async (target: string, cmdOpts: { version?: string; wait: boolean; waitTimeout: string }, command: Command) =>
      withLattice(command, async ({ nc, lattice, opts }) => {
        const client = createWadmClient(nc, lattice, { timeoutMs: timeoutMs(opts) ?? 10_000 });
        let name = target;
        let version = cmdOpts.version;
        if (await isFile(target)) {
          const put = await client.put(await readManifestFile(target));
          if (!put.accepted) throw new CliError(`${target} was not accepted:\n${formatProblems(put.problems)}`);
          name = put.name!;
          version = version ?? put.version!;
        }
        const reply = await client.deploy(name, version);
        if (!reply.accepted || reply.state === 'failed' || !cmdOpts.wait) {
          emit(opts, reply, () => describeDeploy(reply));
          if (!reply.accepted || reply.state === 'failed') throw new CliError(`deploy of ${name} failed`);
          return;
        }
        if (progressWanted()) process.stderr.write(`${describeDeploy(reply)}\n`);
        const waitSeconds = Number(cmdOpts.waitTimeout);
        if (!Number.isFinite(waitSeconds) || waitSeconds <= 0) throw new CliError('--wait-timeout must be a positive number of seconds');
        const outcome = reply.state === 'deployed' ? await client.status(name) : await waitForOutcome(client, name, waitSeconds * 1000);
        emit(opts, outcome, () => `${name} ${outcome.version ?? ''}: ${outcome.state}`);
        if (outcome.state === 'failed') throw new CliError(`${name} failed: ${outcome.message}`);
      }),
    );
}
