import type { Command } from 'commander';
import { createLogger } from '../../lib/logger.js';
import { generateSecretsKey, loadOrCreateSecretsKey, loadSecretsKey, SecretsKeyError } from '../../lib/secrets-key.js';
import { Identifier } from '../../protocol/mod.js';
import { SecretStore, SecretUnavailableError } from '../../store/secret-store.js';
import { CliError, UsageError, globalOptions, withLattice } from '../context.js';
import { emit, renderTable } from '../output.js';
import { readInputFile, readStdinValue } from '../input-file.js';

interface PutOptions {
  fromFile?: string;
  fromEnv?: string;
  stdin?: boolean;
}

/** The value from exactly one source; a value on the command line ends up in shell history. */
async function secretValue(value: string | undefined, opts: PutOptions): Promise<string> {
  const sources = [value !== undefined, opts.fromFile !== undefined, opts.fromEnv !== undefined, opts.stdin === true].filter(Boolean);
  if (sources.length !== 1) throw new UsageError('give the value one way: VALUE, --from-file FILE, --from-env VAR or --stdin');
  if (opts.fromFile !== undefined) {
    return (await readInputFile(opts.fromFile)).toString('utf8').replace(/\r?\n$/, '');
  }
  if (opts.fromEnv !== undefined) {
    const fromEnv = process.env[opts.fromEnv];
    if (fromEnv === undefined) throw new CliError(`environment variable ${opts.fromEnv} is not set`);
    return fromEnv;
  }
  if (opts.stdin) return readStdinValue();
  return value!;
}

function checkName(name: string): void {
  const parsed = Identifier.safeParse(name);
  if (!parsed.success) throw new UsageError(`invalid secret name "${name}": ${parsed.error.issues[0]?.message ?? 'invalid'}`);
}

/** Key problems are the user's to fix: say so plainly. */
async function keyOrFail<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (error instanceof SecretsKeyError) throw new CliError(error.message, { cause: error });
    throw error;
  }
}

export function register(program: Command): void {
  const secret = program.command('secret').description('manage secrets (sealed with the lattice secrets key; given to providers and links by name)');

  secret
    .command('put')
    .argument('<name>', 'secret name')
    .argument('[value]', 'the value (prefer --from-file, --from-env or --stdin: a command line is kept in shell history)')
    .option('--from-file <file>', 'read the value from a file (one trailing newline dropped)')
    .option('--from-env <var>', 'read the value from an environment variable')
    .option('--stdin', 'read the value from standard input')
    .description('create or replace a secret')
    .action(async (name: string, value: string | undefined, putOpts: PutOptions, command: Command) => {
      checkName(name);
      const text = await secretValue(value, putOpts);
      const { key, created } = await keyOrFail(() => loadOrCreateSecretsKey());
      await withLattice(command, async ({ nc, lattice, opts }) => {
        const store = await SecretStore.open(nc, lattice, key, createLogger({ component: 'cli' }));
        await store.put(name, text);
        const note = created ? ` (new secrets key written to ${created}: hosts on other machines need it too)` : '';
        emit(opts, { name, stored: true, keyCreated: created }, () => `secret ${name} stored${note}`);
      });
    });

  secret
    .command('list')
    .alias('ls')
    .description('list secret names (never values)')
    .action(async (_opts, command: Command) =>
      withLattice(command, async ({ nc, lattice, opts }) => {
        const store = await SecretStore.open(nc, lattice, null, createLogger({ component: 'cli' }));
        const names = (await store.names()).sort();
        emit(opts, names, () =>
          renderTable(
            ['Name'],
            names.map((n) => [n]),
          ),
        );
      }),
    );

  secret
    .command('check')
    .argument('<name>', 'secret name')
    .description("check that a secret exists and opens with this machine's key (prints its length, not its value)")
    .action(async (name: string, _opts, command: Command) => {
      checkName(name);
      const key = await keyOrFail(() => loadSecretsKey());
      await withLattice(command, async ({ nc, lattice, opts }) => {
        const store = await SecretStore.open(nc, lattice, key, createLogger({ component: 'cli' }));
        let value: string | null;
        try {
          value = await store.reveal(name);
        } catch (error) {
          if (error instanceof SecretUnavailableError) throw new CliError(error.message, { cause: error });
          throw error;
        }
        if (value === null) throw new CliError(`secret ${name} does not exist`);
        emit(opts, { name, readable: true, length: value.length }, () => `secret ${name} opens with this key (${value.length} characters)`);
      });
    });

  secret
    .command('del')
    .alias('delete')
    .argument('<name>', 'secret name')
    .description('delete a secret')
    .action(async (name: string, _opts, command: Command) =>
      withLattice(command, async ({ nc, lattice, opts }) => {
        checkName(name);
        const store = await SecretStore.open(nc, lattice, null, createLogger({ component: 'cli' }));
        const existed = await store.delete(name);
        emit(opts, { name, deleted: existed }, () => (existed ? `secret ${name} deleted` : `secret ${name} did not exist`));
      }),
    );

  secret
    .command('keygen')
    .description('print a new random secrets key (base64) for LATTICE_SECRETS_KEY or a key file')
    .action((_opts, command: Command) => {
      const key = generateSecretsKey();
      emit(globalOptions(command), { key }, () => key);
    });
}
