import type { Command } from 'commander';
import { listLogins, loginsPath, saveLogin } from '../../lib/oci/credentials.js';
import { CliError, globalOptions, UsageError } from '../context.js';
import { emit } from '../output.js';
import { readStdinValue } from '../input-file.js';

interface LoginFlags {
  username?: string;
  password?: string;
  passwordStdin?: boolean;
}

/**
 * `lattice registry login/logout/list`: registry credentials kept in `<lattice home>/registries.json`
 * (docker's format, mode 0600), used by `lattice push oci://` and by hosts on this machine.
 */
export function register(program: Command): void {
  const registry = program.command('registry').description('credentials for OCI registries');
  registry
    .command('login')
    .argument('<registry>', 'registry host[:port], e.g. ghcr.io or localhost:5000')
    .requiredOption('-u, --username <user>', 'user name')
    .option('-p, --password <password>', 'password or token (prefer --password-stdin)')
    .option('--password-stdin', 'read the password from standard input')
    .description('store credentials for a registry')
    .action(async (host: string, flags: LoginFlags, command: Command) => {
      if (!/^[A-Za-z0-9.-]+(?::\d+)?$/.test(host))
        throw new UsageError(`"${host}" is not a registry host[:port] (give the registry alone, e.g. ghcr.io or localhost:5000)`);
      const password = flags.passwordStdin ? await readStdinValue() : flags.password;
      if (password === undefined || password === '') throw new UsageError('give the password with --password-stdin (or --password)');
      await saveLogin(host, { username: flags.username!, password });
      emit(globalOptions(command), { registry: host, username: flags.username, file: loginsPath() }, () => `stored credentials for ${host} in ${loginsPath()}`);
    });
  registry
    .command('logout')
    .argument('<registry>', 'registry host[:port]')
    .description('forget the stored credentials of a registry')
    .action(async (host: string, _flags: unknown, command: Command) => {
      const known = await listLogins();
      if (!known.includes(host)) throw new CliError(`no stored credentials for ${host} (stored: ${known.join(', ') || 'none'}; \`lattice registry list\`)`);
      await saveLogin(host, null);
      emit(globalOptions(command), { registry: host }, () => `removed credentials for ${host}`);
    });
  registry
    .command('list')
    .description('registries with stored credentials')
    .action(async (_flags: unknown, command: Command) => {
      const known = await listLogins();
      emit(globalOptions(command), known, () => (known.length ? known.join('\n') : '(none)'));
    });
}
