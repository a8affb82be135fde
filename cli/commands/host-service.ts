/**
 * `lattice host install-service`: a systemd unit that runs `lattice host` with this installation's
 * node and CLI, restarts it on failure and gives it time to drain on stop. NATS and lattice
 * settings live in an environment file readable only by its owner (root for a system unit), so
 * credentials never appear in the unit or on a command line.
 */
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { CliError, UsageError, globalOptions, latticeName, natsSettings, type GlobalOptions } from '../context.js';
import { parsePairs } from '../output.js';
import { policySubject, positiveInt, trustedIssuers, type HostFlags } from '../host-flags.js';

interface ServiceFlags {
  user?: boolean;
  envFile?: string;
  dryRun?: boolean;
  unitName: string;
  runAs?: string;
}

const CLI_ENTRY = fileURLToPath(new URL('../main.js', import.meta.url));

/** NATS and lattice settings in effect for this command: NATS_ and LATTICE variables, overridden by options. */
function serviceEnvironment(opts: GlobalOptions, isServiceVariable: (k: string) => boolean): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && isServiceVariable(k)) values[k] = v;
  const s = natsSettings(opts);
  const set = (key: string, value: string | undefined) => {
    if (value !== undefined) values[key] = value;
  };
  set('NATS_URL', s.url);
  set('LATTICE', latticeName(opts));
  set('NATS_USER', s.user);
  set('NATS_PASSWORD', s.password);
  set('NATS_TOKEN', s.token);
  set('NATS_NKEY', s.nkeySeed);
  set('NATS_CREDS', s.credsFile);
  set('NATS_TLS_CA', s.tlsCa);
  set('NATS_TLS_CERT', s.tlsCert);
  set('NATS_TLS_KEY', s.tlsKey);
  return values;
}

async function writeOrExplain(path: string, text: string, mode: number, user: boolean): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text, { mode });
    await chmod(path, mode);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      throw new CliError(
        `cannot write ${path}: permission denied (${user ? "check the folder's owner" : 'run it with sudo, or add --user for a per-user service'})`,
        { cause },
      );
    }
    throw new CliError(`cannot write ${path}: ${(cause as Error).message}`, { cause });
  }
}

export function registerInstallService(host: Command): void {
  host
    .command('install-service')
    .description('write a systemd unit that runs this host (restart on failure, drain on stop) and print how to enable it')
    .option('--user', 'a per-user unit (systemctl --user) instead of a system one')
    .option(
      '--env-file <file>',
      'environment file with NATS_* and LATTICE* settings (default /etc/lattice/host.env, --user: $XDG_CONFIG_HOME/lattice/host.env)',
    )
    .option('--run-as <user>', 'system unit: run as this existing user instead of a dynamic one')
    .option('--unit-name <name>', 'unit name', 'lattice-host')
    .option('--dry-run', 'print the unit; write nothing')
    .addHelpText(
      'after',
      '\nAny `lattice host` option given too (--label k=v, --max-memory MB, --stop-timeout MS, --wadm, --data-dir DIR,\n' +
        '--js-domain D, --name N, --trusted-issuers K, --policy-subject S, --allow-insecure-registry R ...) goes into the\n' +
        "unit's command line; --provider-nkey and --provider-creds go into the environment file. TimeoutStopSec follows\n" +
        '--stop-timeout and MemoryHigh follows --max-memory. The data directory defaults to /var/lib/lattice (--user: ~/.lattice).',
    )
    .action(async (flags: ServiceFlags, command: Command) => {
      const hostFlags = (command.parent?.opts() ?? {}) as HostFlags;
      const { renderEnvFile, renderUnit, isServiceVariable } = await import('../local/systemd-unit.js');
      const opts = globalOptions(command);
      if (!/^[A-Za-z0-9@_.:-]+$/.test(flags.unitName))
        throw new UsageError(`--unit-name "${flags.unitName}" is not a systemd unit name (letters, digits, "-", "_", ".", "@", ":")`);
      if (flags.user && flags.runAs) throw new UsageError('--run-as is for system units; a --user unit runs as you');
      const user = flags.user === true;
      const labels = parsePairs(hostFlags.label ?? [], 'label');
      const maxMemoryMb = positiveInt('--max-memory', hostFlags.maxMemory);
      const stopTimeoutMs = positiveInt('--stop-timeout', hostFlags.stopTimeout);
      const heartbeatMs = positiveInt('--heartbeat-interval', hostFlags.heartbeatInterval);
      const kvReplicas = positiveInt('--kv-replicas', hostFlags.kvReplicas);
      const dataDir = hostFlags.dataDir === undefined ? undefined : resolve(hostFlags.dataDir);
      const configHome = process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config');
      const envFile = resolve(flags.envFile ?? (user ? join(configHome, 'lattice', 'host.env') : '/etc/lattice/host.env'));
      const hostArgs: string[] = [];
      for (const [k, v] of Object.entries(labels)) hostArgs.push('--label', `${k}=${v}`);
      if (hostFlags.name) hostArgs.push('--name', hostFlags.name);
      if (maxMemoryMb) hostArgs.push('--max-memory', String(maxMemoryMb));
      if (stopTimeoutMs) hostArgs.push('--stop-timeout', String(stopTimeoutMs));
      if (heartbeatMs) hostArgs.push('--heartbeat-interval', String(heartbeatMs));
      if (kvReplicas) hostArgs.push('--kv-replicas', String(kvReplicas));
      if (hostFlags.jsDomain) hostArgs.push('--js-domain', hostFlags.jsDomain);
      if (hostFlags.wadm) hostArgs.push('--wadm');
      if (dataDir) hostArgs.push('--data-dir', dataDir);
      // Trust and registry settings, checked as the host checks them. Provider credentials go to the
      // environment file below, never into the unit (it is world-readable).
      const issuers = hostFlags.trustedIssuers === undefined ? [] : trustedIssuers(hostFlags.trustedIssuers);
      if (issuers.length) hostArgs.push('--trusted-issuers', issuers.join(','));
      const subject = hostFlags.policySubject === undefined ? undefined : policySubject(hostFlags.policySubject);
      if (subject) hostArgs.push('--policy-subject', subject);
      const policyTimeout = positiveInt('--policy-timeout', hostFlags.policyTimeout);
      if (policyTimeout) hostArgs.push('--policy-timeout', String(policyTimeout));
      for (const registry of hostFlags.allowInsecureRegistry ?? []) hostArgs.push('--allow-insecure-registry', registry);
      if (hostFlags.ociCacheDir) hostArgs.push('--oci-cache-dir', resolve(hostFlags.ociCacheDir));
      if (hostFlags.metricsAddress) hostArgs.push('--metrics-address', hostFlags.metricsAddress);
      if (hostFlags.uiAddress) hostArgs.push('--ui-address', hostFlags.uiAddress);
      const unit = renderUnit({ user, envFile, node: process.execPath, cli: CLI_ENTRY, hostArgs, stopTimeoutMs, maxMemoryMb, runAs: flags.runAs, dataDir });
      const unitDir = user ? join(configHome, 'systemd', 'user') : '/etc/systemd/system';
      const unitPath = join(unitDir, `${flags.unitName}.service`);
      const values = serviceEnvironment(opts, isServiceVariable);
      if (hostFlags.providerNkey)
        values.LATTICE_PROVIDER_NKEY = /^S[A-Z]/.test(hostFlags.providerNkey) ? hostFlags.providerNkey : resolve(hostFlags.providerNkey);
      if (hostFlags.providerCreds) values.LATTICE_PROVIDER_CREDS = resolve(hostFlags.providerCreds);

      if (flags.dryRun) {
        process.stdout.write(unit);
        process.stderr.write(`# dry run: would write ${unitPath} and, if missing, ${envFile} (mode 0600) with ${Object.keys(values).sort().join(', ')}\n`);
        return;
      }
      // An existing environment file is the operator's: keep its content, insist on its mode.
      const existing = await stat(envFile).catch(() => null);
      let envNote: string;
      if (existing) {
        if ((existing.mode & 0o077) !== 0) {
          throw new CliError(`${envFile} is readable by others (mode ${(existing.mode & 0o777).toString(8)}): \`chmod 600 ${envFile}\`, then run this again`);
        }
        envNote = `kept ${envFile}`;
      } else {
        await writeOrExplain(envFile, renderEnvFile(values), 0o600, user);
        envNote = `wrote ${envFile} (mode 0600: ${Object.keys(values).sort().join(', ')})`;
      }
      await writeOrExplain(unitPath, unit, 0o644, user);
      const ctl = user ? 'systemctl --user' : 'sudo systemctl';
      const lines = [
        `wrote ${unitPath}`,
        envNote,
        'enable and start it:',
        `  ${ctl} daemon-reload`,
        `  ${ctl} enable --now ${flags.unitName}`,
        ...(user ? [`  sudo loginctl enable-linger ${userInfo().username}   # keep it running without a login session`] : []),
        `logs: journalctl ${user ? '--user ' : ''}-u ${flags.unitName} -f`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
