import type { Command } from 'commander';
import { CONTEXT_NAME, contextsPath, readContexts, writeContexts, type CliContext } from '../contexts.js';
import { CliError, globalOptions, UsageError } from '../context.js';
import { emit, renderTable } from '../output.js';

interface AddFlags {
  use?: boolean;
}

function load() {
  try {
    return readContexts();
  } catch (error) {
    throw new CliError((error as Error).message, { cause: error });
  }
}

function checkName(name: string): string {
  if (!CONTEXT_NAME.test(name)) throw new UsageError(`context name "${name}" may contain only letters, digits, '.', '_' and '-'`);
  return name;
}

function unknownContext(name: string, known: Record<string, unknown>): CliError {
  const names = Object.keys(known).sort();
  return new CliError(`no context named "${name}" (known: ${names.join(', ') || 'none'}; \`lattice ctx add ${name}\` saves the current flags as one)`);
}

/** What a context shows: secrets are never printed, only whether they are set. */
function shown(ctx: CliContext): Record<string, string> {
  return {
    nats_url: ctx.nats_url ?? '',
    lattice: ctx.lattice ?? '',
    credentials: [
      ctx.nats_user && `user ${ctx.nats_user}`,
      ctx.nats_token && 'token',
      ctx.nats_nkey && 'nkey',
      ctx.nats_creds && `creds ${ctx.nats_creds}`,
      ctx.tls_ca && 'tls',
    ]
      .filter(Boolean)
      .join(', '),
  };
}

/**
 * `lattice ctx add/use/list/del`: NATS URL, lattice and credentials per environment, like wash
 * contexts. `add` takes them from the global flags: `lattice --nats-url ... --nats-creds ... ctx add prod`.
 */
export function register(program: Command): void {
  const ctx = program.command('ctx').description('CLI contexts: NATS URL, lattice name and credentials per environment');
  ctx
    .command('add')
    .argument('<name>', 'context name')
    .option('--use', 'also make it the current context')
    .description('save the connection given by the global flags (--nats-url, --lattice, --nats-*, --tls-*) as a context')
    .action(async (name: string, flags: AddFlags, command: Command) => {
      const opts = globalOptions(command);
      const file = load();
      const context: CliContext = {
        nats_url: opts.natsUrl,
        lattice: opts.lattice,
        nats_user: opts.natsUser,
        nats_password: opts.natsPassword,
        nats_token: opts.natsToken,
        nats_nkey: opts.natsNkey,
        nats_creds: opts.natsCreds,
        tls_ca: opts.tlsCa,
        tls_cert: opts.tlsCert,
        tls_key: opts.tlsKey,
      };
      for (const key of Object.keys(context) as Array<keyof CliContext>) if (context[key] === undefined) delete context[key];
      file.contexts[checkName(name)] = context;
      if (flags.use || file.current === undefined) file.current = name;
      await writeContexts(file);
      emit(
        opts,
        { name, current: file.current === name, ...shown(context) },
        () => `saved context ${name}${file.current === name ? ' (current)' : ''} in ${contextsPath()}`,
      );
    });
  ctx
    .command('use')
    .argument('<name>', 'context name')
    .description('make a context the current one')
    .action(async (name: string, _flags: unknown, command: Command) => {
      const file = load();
      if (!file.contexts[name]) throw unknownContext(name, file.contexts);
      file.current = name;
      await writeContexts(file);
      emit(globalOptions(command), { current: name }, () => `current context: ${name}`);
    });
  ctx
    .command('list')
    .description('list contexts; * marks the current one')
    .action((_flags: unknown, command: Command) => {
      const file = load();
      const rows = Object.entries(file.contexts).sort(([a], [b]) => a.localeCompare(b));
      emit(
        globalOptions(command),
        rows.map(([name, c]) => ({ name, current: name === file.current, ...shown(c) })),
        () =>
          renderTable(
            ['', 'name', 'nats url', 'lattice', 'credentials'],
            rows.map(([name, c]) => {
              const s = shown(c);
              return [name === file.current ? '*' : '', name, s.nats_url, s.lattice, s.credentials];
            }),
          ),
      );
    });
  ctx
    .command('del')
    .argument('<name>', 'context name')
    .description('delete a context')
    .action(async (name: string, _flags: unknown, command: Command) => {
      const file = load();
      if (!file.contexts[name]) throw unknownContext(name, file.contexts);
      delete file.contexts[name];
      if (file.current === name) delete file.current;
      await writeContexts(file);
      emit(globalOptions(command), { deleted: name }, () => `deleted context ${name}`);
    });
}
