import type { Command } from 'commander';
import { dataDir, layout } from '../local/data-dir.js';
import { runningPid } from '../local/processes.js';
import { addHostUser, HOST_NAME, hostUsers, removeHostUser, SecureSetupError } from '../local/secure.js';
import { CliError, globalOptions, UsageError } from '../context.js';
import { emit } from '../output.js';

/** nats-server re-reads its configuration on SIGHUP and drops clients whose user is gone. */
function reloadNats(root: string): boolean {
  const pid = runningPid(layout(root), 'nats');
  if (pid === null) return false;
  process.kill(pid, 'SIGHUP');
  return true;
}

async function guarded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof SecureSetupError) throw new CliError(error.message, { cause: error });
    throw error;
  }
}

/** `lattice secure add-host/remove-host/hosts`: one NATS user per host of a `lattice up --secure` lattice. */
export function register(program: Command): void {
  const secure = program.command('secure').description('host users of a lattice started with lattice up --secure');
  const dirOption = ['--data-dir <dir>', 'the data dir `up --secure` used (env LATTICE_DATA_DIR, default ~/.lattice)'] as const;
  secure
    .command('add-host')
    .argument('<name>', 'name of the host user')
    .option(...dirOption)
    .description('create a NATS user for one more host; start it with lattice --nats-nkey SEED_FILE host')
    .action(async (name: string, flags: { dataDir?: string }, command: Command) => {
      if (!HOST_NAME.test(name)) throw new UsageError(`host name "${name}" may contain only letters, digits, '-' and '_' (at most 64)`);
      const root = dataDir(flags.dataDir);
      const seed = await guarded(() => addHostUser(root, name));
      const reloaded = reloadNats(root);
      emit(
        globalOptions(command),
        { name, seed_file: seed, reloaded },
        () => `host user ${name}: lattice --nats-nkey ${seed} host${reloaded ? '' : '\n(nats-server is not running; the user is active from its next start)'}`,
      );
    });
  secure
    .command('remove-host')
    .argument('<name>', 'name of the host user')
    .option(...dirOption)
    .description("revoke a host's NATS user; the server disconnects it")
    .action(async (name: string, flags: { dataDir?: string }, command: Command) => {
      const root = dataDir(flags.dataDir);
      await guarded(() => removeHostUser(root, name));
      const reloaded = reloadNats(root);
      emit(globalOptions(command), { name, reloaded }, () => `removed host user ${name}${reloaded ? '; nats-server reloaded' : ''}`);
    });
  secure
    .command('hosts')
    .option(...dirOption)
    .description('list the extra host users')
    .action((flags: { dataDir?: string }, command: Command) => {
      const names = hostUsers(dataDir(flags.dataDir));
      emit(globalOptions(command), names, () => (names.length ? names.join('\n') : '(none)'));
    });
}
