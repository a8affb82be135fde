import { canaryTable, canaryVerdicts } from '../canary-summary.js';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { createWadmClient } from '../../protocol/wadm-client.js';
import { formatProblems, validateManifestText } from '../../wadm/manifest/mod.js';
import { CliError, globalOptions, timeoutMs, withLattice, type GlobalOptions } from '../context.js';
import { emit, renderTable } from '../output.js';
import { readInputFile } from '../input-file.js';
import { readManifestFile, registerDeploy } from './app-deploy.js';
import type { NatsConnection } from 'nats';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function wadmClient(nc: NatsConnection, lattice: string, opts: GlobalOptions) {
  return createWadmClient(nc, lattice, { timeoutMs: timeoutMs(opts) });
}

/** `lattice app ...`: wadm applications. `validate` works offline; the others talk to wadm. */
export function register(program: Command): void {
  const app = program.command('app').description('manage applications (wadm manifests)');

  app
    .command('validate')
    .argument('<file>', 'manifest file (YAML or JSON)')
    .description('check a manifest and print every problem; exits non-zero when there are errors')
    .action(async (file: string, _opts, command: Command) => {
      const opts = globalOptions(command);
      const text = (await readInputFile(file)).toString('utf8');
      const result = validateManifestText(text);
      const errors = result.problems.filter((p) => p.level === 'error').length;
      const warnings = result.problems.length - errors;
      emit(
        opts,
        { file, valid: result.valid, name: result.manifest?.name ?? null, version: result.manifest?.version ?? null, problems: result.problems },
        () => {
          const summary = result.valid
            ? `${file}: valid${warnings ? ` (${plural(warnings, 'warning')})` : ''}`
            : `${file}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
          if (result.problems.length === 0) return summary;
          const rows = result.problems.map((p) => [p.level, p.path || '(root)', p.message]);
          return `${renderTable(['Level', 'Path', 'Problem'], rows)}\n${summary}`;
        },
      );
      if (!result.valid) throw new CliError(`${file} is not a valid manifest (${plural(errors, 'error')})`);
    });

  app
    .command('put')
    .argument('<file>', 'manifest file')
    .description('store a manifest as a new version without deploying it')
    .action(async (file: string, _opts, command: Command) =>
      withLattice(command, async ({ nc, lattice, opts }) => {
        const reply = await wadmClient(nc, lattice, opts).put(await readManifestFile(file));
        emit(opts, reply, () =>
          reply.accepted
            ? `${reply.name} ${reply.version}: ${reply.created ? 'stored' : 'already stored'}${reply.problems.length ? `\n${formatProblems(reply.problems)}` : ''}`
            : formatProblems(reply.problems),
        );
        if (!reply.accepted) throw new CliError(`${file} was not accepted`);
      }),
    );

  registerDeploy(app);

  app
    .command('list')
    .description('list applications with their deployed version and state')
    .action(async (_opts, command: Command) =>
      withLattice(command, async ({ nc, lattice, opts }) => {
        const apps = await wadmClient(nc, lattice, opts).list();
        emit(opts, apps, () =>
          renderTable(
            ['Name', 'Latest', 'Deployed', 'State', 'Description'],
            apps.map((a) => [a.name, a.latest_version, a.deployed_version ?? '-', a.state, a.description ?? '']),
          ),
        );
      }),
    );

  app
    .command('status')
    .argument('<name>', 'application name')
    .description('show an application state and each scaler')
    .action(async (name: string, _opts, command: Command) =>
      withLattice(command, async ({ nc, lattice, opts }) => {
        const s = await wadmClient(nc, lattice, opts).status(name);
        emit(opts, s, () =>
          [
            `${s.name} ${s.version ?? '(not deployed)'}: ${s.state}${s.message ? ` - ${s.message}` : ''}`,
            renderTable(
              ['Scaler', 'Component', 'State', 'Message'],
              s.scalers.map((x) => [x.kind, x.component, x.state, x.message]),
            ),
            ...(s.canaries?.length ? ['', 'Canaries (figures: running version / canary)', canaryTable(s.canaries)] : []),
          ].join('\n'),
        );
      }),
    );

  app
    .command('get')
    .argument('<name>', 'application name')
    .option('--version <version>', 'version (default: latest)')
    .description('print a stored manifest (YAML; JSON with -o json)')
    .action(async (name: string, cmdOpts: { version?: string }, command: Command) =>
      withLattice(command, async ({ nc, lattice, opts }) => {
        const got = await wadmClient(nc, lattice, opts).get(name, cmdOpts.version);
        emit(opts, got, () => stringify(got.manifest).trimEnd());
      }),
    );

  app
    .command('history')
    .argument('<name>', 'application name')
    .description('list the stored versions of an application')
    .action(async (name: string, _opts, command: Command) =>
      withLattice(command, async ({ nc, lattice, opts }) => {
        const versions = await wadmClient(nc, lattice, opts).versions(name);
        emit(opts, versions, () =>
          renderTable(
            ['Version', 'Created', 'Deployed', 'Canary'],
            versions.map((v) => [v.version, v.created_at, v.deployed ? 'yes' : '', canaryVerdicts(v.canaries)]),
          ),
        );
      }),
    );

  app
    .command('undeploy')
    .argument('<name>', 'application name')
    .description('stop everything the application runs (its manifests stay stored)')
    .action(async (name: string, _opts, command: Command) =>
      withLattice(command, async ({ nc, lattice, opts }) => {
        const r = await wadmClient(nc, lattice, opts).undeploy(name);
        emit(opts, r, () => (r.undeployed ? `${name}: undeploying` : `${name} was not deployed`));
      }),
    );

  app
    .command('delete')
    .alias('del')
    .argument('<name>', 'application name')
    .option('--version <version>', 'delete only this version')
    .description('delete an application (undeploying it first) or one of its versions')
    .action(async (name: string, cmdOpts: { version?: string }, command: Command) =>
      withLattice(command, async ({ nc, lattice, opts }) => {
        const r = await wadmClient(nc, lattice, opts).del(name, cmdOpts.version);
        emit(opts, r, () => `${name}: deleted ${r.deleted.join(', ')}${r.undeployed ? ' (undeploying)' : ''}`);
      }),
    );
}
