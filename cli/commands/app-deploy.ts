import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { AppStatus, CanaryReport, DeployReply } from '../../protocol/schemas/wadm.js';
import { createWadmClient, type WadmClient } from '../../protocol/wadm-client.js';
import { formatProblems, parseManifestText } from '../../wadm/manifest/mod.js';
import { ControlError } from '../../protocol/errors.js';
import type { Problem } from '../../wadm/manifest/mod.js';
import { progress, progressWanted } from '../progress.js';
import { CliError, UsageError, timeoutMs, withLattice } from '../context.js';
import { emit } from '../output.js';
import { readInputFile } from '../input-file.js';
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

/**
 * One line for a list of manifest problems: the first, how many more, and where to see them all.
 * The full list is the error's --verbose detail.
 */
export function problemsError(file: string, what: string, problems: readonly Problem[]): CliError {
  const errors = problems.filter((p) => p.level === 'error');
  const first = errors[0] ?? problems[0];
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more; \`lattice app validate ${file}\` lists them)` : '';
  const where = first?.path ? `${first.path}: ` : '';
  return new CliError(`${file} ${what}: ${where}${first?.message ?? 'invalid'}${more}`, { detail: formatProblems(problems).split('\n') });
}

/** Reads and parses a manifest file; YAML errors stop here, before anything is sent. */
export async function readManifestFile(file: string): Promise<unknown> {
  const text = (await readInputFile(file)).toString('utf8');
  const { raw, problems } = parseManifestText(text);
  if (problems.length) throw problemsError(file, 'is not a manifest', problems);
  return absolutizeImages(raw, dirname(resolve(file)));
}

/** A word that can only mean a file: it has a directory part or a manifest's extension. */
function looksLikePath(arg: string): boolean {
  return arg.includes('/') || arg.includes('\\') || /\.(ya?ml|json)$/i.test(arg) || arg.startsWith('.');
}

/**
 * `app deploy X`: X is a manifest file when a file X exists, else the name of a stored
 * application (wash decides the same way). A word that can only be a path but names no file is
 * an error saying so, rather than a lookup of an application nobody could have named that way.
 */
export async function deployTarget(arg: string): Promise<{ file: string } | { name: string }> {
  const found = await stat(arg).catch(() => null);
  if (found?.isFile()) return { file: arg };
  if (found?.isDirectory()) {
    const inside = join(arg, 'wadm.yaml');
    const hint = (await stat(inside).catch(() => null))?.isFile() ? `: deploy its manifest, \`lattice app deploy ${inside}\`` : '; give a manifest file';
    throw new UsageError(`${arg} is a directory${hint}`);
  }
  if (looksLikePath(arg)) {
    throw new CliError(
      `no such file: ${arg} (looked for a manifest file because of the path; a stored application is given by its name, \`lattice app list\`)`,
    );
  }
  return { name: arg };
}

const DONE: ReadonlySet<AppStatus['state']> = new Set(['deployed', 'failed']);

/**
 * Waits until the application's status is `deployed` or `failed`, printing each new status on
 * stderr. Listens to published status and also asks every second, so a missed publication
 * cannot make it hang; gives up after `waitMs`.
 */
async function waitForOutcome(client: WadmClient, name: string, version: string | null, waitMs: number): Promise<AppStatus> {
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
      if (DONE.has(status.state) || rolledBack(status, version)) return status;
    }
  } finally {
    shown.done();
    watch.unsubscribe();
  }
  throw new CliError(
    `${name} is not deployed after ${Math.round(waitMs / 1000)} s${last ? ` (last: ${(last as AppStatus).state} ${(last as AppStatus).message})` : ''}`,
  );
}

/** The verdict that rolled `version` back, once its canary has failed (docs/wadm.md, "Canaries"). */
function rolledBack(status: AppStatus, version: string | null): CanaryReport | undefined {
  return status.canaries?.find((c) => c.version === version && c.state === 'rolled_back');
}

function describeDeploy(r: DeployReply): string {
  const lines = [`${r.name} ${r.version ?? ''}: ${r.accepted ? r.state : 'refused'}`];
  for (const p of r.problems) lines.push(`  ${p.level} ${p.path}: ${p.message}`);
  for (const p of r.placement) lines.push(`  cannot place: ${p.message}`);
  return lines.join('\n');
}

interface WaitOptions {
  wait: boolean;
  waitTimeout: string;
}

function waitMs(cmdOpts: WaitOptions): number {
  const seconds = Number(cmdOpts.waitTimeout);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--wait-timeout must be a positive number of seconds, got "${cmdOpts.waitTimeout}"`);
  return seconds * 1000;
}

/** Deploys a stored version and, unless told not to, waits until it is deployed or failed. */
async function deployStored(
  client: WadmClient,
  name: string,
  version: string | undefined,
  cmdOpts: WaitOptions,
  opts: Parameters<typeof emit>[0],
  notFound?: () => CliError,
): Promise<void> {
  const wait = waitMs(cmdOpts);
  let reply: DeployReply;
  try {
    reply = await client.deploy(name, version);
  } catch (error) {
    if (notFound && error instanceof ControlError && /not found/.test(error.message)) throw Object.assign(notFound(), { cause: error });
    throw error;
  }
  if (!reply.accepted || reply.state === 'failed' || !cmdOpts.wait) {
    emit(opts, reply, () => describeDeploy(reply));
    if (!reply.accepted || reply.state === 'failed') {
      const reason = reply.placement[0]?.message ?? reply.problems.find((p) => p.level === 'error')?.message ?? reply.state;
      throw new CliError(`deploy of ${name} failed: ${reason}`);
    }
    return;
  }
  if (progressWanted()) process.stderr.write(`${describeDeploy(reply)}\n`);
  const outcome = reply.state === 'deployed' ? await client.status(name) : await waitForOutcome(client, name, reply.version, wait);
  emit(opts, outcome, () => `${name} ${outcome.version ?? ''}: ${outcome.state}`);
  const rollback = rolledBack(outcome, reply.version);
  if (rollback)
    throw new CliError(
      `the canary of ${name} ${reply.version} was rolled back (${rollback.component}: ${rollback.reason}); ${outcome.version ?? 'the earlier version'} runs again`,
    );
  if (outcome.state === 'failed') throw new CliError(`${name} failed: ${outcome.message}`);
}

export function registerDeploy(app: Command): void {
  app
    .command('deploy')
    .argument('<file-or-name>', 'a manifest file (stored as a new version first) or the name of a stored application')
    .option('--version <version>', 'version to deploy (default: latest)')
    .option('--no-wait', 'return once wadm accepted the deploy')
    .option('--wait-timeout <seconds>', 'how long to wait for deployed or failed', '120')
    .description('deploy an application; shows progress until it is deployed or failed')
    .action(async (target: string, cmdOpts: WaitOptions & { version?: string }, command: Command) =>
      withLattice(command, async ({ nc, lattice, opts }) => {
        const client = createWadmClient(nc, lattice, { timeoutMs: timeoutMs(opts) ?? 10_000 });
        waitMs(cmdOpts);
        const what = await deployTarget(target);
        let name: string;
        let version = cmdOpts.version;
        if ('file' in what) {
          const put = await client.put(await readManifestFile(what.file));
          if (!put.accepted) throw problemsError(what.file, 'was not accepted', put.problems);
          name = put.name!;
          version = version ?? put.version!;
        } else {
          name = what.name;
        }
        await deployStored(client, name, version, cmdOpts, opts, () =>
          'name' in what
            ? new CliError(
                `no stored application "${name}" and no file ${name} here (\`lattice app list\` shows stored applications; give a manifest path to deploy a file)`,
              )
            : new CliError(`${name} was stored but cannot be found`),
        );
      }),
    );

  app
    .command('rollback')
    .argument('<name>', 'application name')
    .argument('[version]', 'version to go back to (default: the one stored before the deployed version)')
    .option('--no-wait', 'return once wadm accepted the deploy')
    .option('--wait-timeout <seconds>', 'how long to wait for deployed or failed', '120')
    .description('deploy an earlier stored version again (the one before the deployed version by default)')
    .action(async (name: string, version: string | undefined, cmdOpts: WaitOptions, command: Command) =>
      withLattice(command, async ({ nc, lattice, opts }) => {
        const client = createWadmClient(nc, lattice, { timeoutMs: timeoutMs(opts) ?? 10_000 });
        const target = version ?? previousVersion(name, await client.versions(name));
        await deployStored(
          client,
          name,
          target,
          cmdOpts,
          opts,
          () => new CliError(`${name} has no stored version ${target} (\`lattice app history ${name}\`)`),
        );
      }),
    );
}

/** The version stored right before the deployed one: what a rollback goes back to by default. */
export function previousVersion(name: string, versions: ReadonlyArray<{ version: string; created_at: string; deployed: boolean }>): string {
  const ordered = [...versions].sort((a, b) => a.created_at.localeCompare(b.created_at));
  const at = ordered.findIndex((v) => v.deployed);
  if (at < 0) throw new CliError(`${name} is not deployed: name the version to deploy (\`lattice app history ${name}\`)`);
  if (at === 0) throw new CliError(`${name} ${ordered[0]!.version} is the first stored version: there is nothing before it to roll back to`);
  return ordered[at - 1]!.version;
}
