import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { connectOnce, type NatsSettings } from '../../lib/nats-connection.js';
import { createControlClient } from '../../protocol/mod.js';
import { createWadmClient } from '../../protocol/wadm-client.js';
import { CliError, globalOptions, latticeName, natsSettings } from '../context.js';
import { dataDir, layout, type Layout } from '../local/data-dir.js';
import { binaryAvailable, lastLines, runningPid, startProcess, stopPid, type Started } from '../local/processes.js';
import { connect as netConnect } from 'node:net';
import { readContexts, writeContexts } from '../contexts.js';
import { secureSetup, type SecureSetup } from '../local/secure.js';
import { collect } from '../output.js';

const NATS_BIN = process.env.NATS_SERVER_BIN ?? 'nats-server';
const CLI_ENTRY = fileURLToPath(new URL('../main.js', import.meta.url));

export const NATS_INSTALL_HELP =
  'nats-server is not installed: `sudo apt-get install -y nats-server` (Debian/Ubuntu) or `brew install nats-server` (macOS), ' +
  'or put a release binary on PATH or in NATS_SERVER_BIN; then run `lattice up` again';

async function natsAnswers(settings: NatsSettings): Promise<boolean> {
  try {
    const nc = await connectOnce(settings, 'lattice-up-probe');
    await nc.close();
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(what: string, check: () => Promise<boolean>, proc: Started, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    if (proc.exited() !== null) {
      const last = lastLines(proc.log, 1);
      throw new CliError(`${what} exited during start${last ? `: ${last}` : ''} (see ${proc.log}; --verbose shows the last lines)`, {
        detail: lastLines(proc.log).split('\n'),
      });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new CliError(`${what} did not become ready within ${timeoutMs / 1000} s; see ${proc.log}`);
}

async function ensureNats(settings: NatsSettings, dirs: Layout, detach: boolean): Promise<Started | null> {
  if (await natsAnswers(settings)) return null;
  const url = new URL(settings.url.split(',')[0]!.replace(/^nats:/, 'http:'));
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(url.hostname)) {
    throw new CliError(`no NATS answers at ${settings.url}, and it is not local, so lattice up will not start one`);
  }
  if (!binaryAvailable(NATS_BIN)) throw new CliError(NATS_INSTALL_HELP);
  mkdirSync(dirs.nats, { recursive: true });
  const port = url.port || '4222';
  const proc = startProcess(dirs, 'nats', NATS_BIN, ['-js', '-a', '127.0.0.1', '-p', port, '-sd', dirs.nats], detach);
  await waitUntil('nats-server', () => natsAnswers(settings), proc, 10_000);
  return proc;
}

function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host, port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/**
 * `--secure`: a NATS server of its own with nkey users and permissions (docs/security.md), the
 * host on the host user, provider processes on the provider user, and a CLI context `local` on
 * the CLI user, made current so that the next commands reach the lattice.
 */
async function startSecureNats(
  settings: NatsSettings,
  lattice: string,
  dirs: Layout,
  detach: boolean,
): Promise<{ proc: Started; setup: SecureSetup; cli: NatsSettings }> {
  const url = new URL(settings.url.split(',')[0]!.replace(/^nats:/, 'http:'));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!['127.0.0.1', 'localhost', '::1'].includes(host))
    throw new CliError(
      `--secure starts a local NATS server; ${settings.url} is not local (leave out --nats-url, or give a loopback one such as nats://127.0.0.1:4222)`,
    );
  const port = url.port || '4222';
  if (await listening(host, Number(port))) {
    throw new CliError(`something already listens at ${settings.url}; --secure starts its own NATS server (stop that one, or give another --nats-url)`);
  }
  if (!binaryAvailable(NATS_BIN)) throw new CliError(NATS_INSTALL_HELP);
  mkdirSync(dirs.nats, { recursive: true });
  const setup = await secureSetup(dirs.root, lattice, { host, port }, dirs.nats);
  const cli: NatsSettings = { url: settings.url, nkeySeed: setup.seeds.cli, tlsCa: settings.tlsCa, tlsCert: settings.tlsCert, tlsKey: settings.tlsKey };
  const proc = startProcess(dirs, 'nats', NATS_BIN, ['-c', setup.serverConfig], detach);
  await waitUntil('nats-server', () => natsAnswers(cli), proc, 10_000);
  return { proc, setup, cli };
}

async function saveLocalContext(cli: NatsSettings, lattice: string): Promise<void> {
  const file = readContexts();
  file.contexts.local = { nats_url: cli.url, lattice, nats_nkey: cli.nkeySeed };
  file.current = 'local';
  await writeContexts(file);
}

function forwardedFlags(command: Command): string[] {
  const opts = globalOptions(command);
  const flags: string[] = [];
  const pairs: Array<[string, string | undefined]> = [
    ['--nats-url', opts.natsUrl],
    ['--lattice', opts.lattice],
    ['--nats-user', opts.natsUser],
    ['--nats-password', opts.natsPassword],
    ['--nats-token', opts.natsToken],
    ['--nats-nkey', opts.natsNkey],
    ['--nats-creds', opts.natsCreds],
    ['--tls-ca', opts.tlsCa],
    ['--tls-cert', opts.tlsCert],
    ['--tls-key', opts.tlsKey],
  ];
  for (const [flag, value] of pairs) if (value !== undefined) flags.push(flag, value);
  return flags;
}

interface UpFlags {
  dataDir?: string;
  detach?: boolean;
  label?: string[];
  wadm?: boolean;
  secure?: boolean;
  ui?: string | boolean;
  metricsAddress?: string;
}

export function register(program: Command): void {
  program
    .command('up')
    .description('start a local lattice: NATS with JetStream (if none answers), a host and wadm')
    .option('--data-dir <dir>', 'where NATS data, pid files and logs live (env LATTICE_DATA_DIR, default ~/.lattice)')
    .option('-d, --detach', 'leave everything running in the background and return')
    .option('--label <k=v>', 'label for the host (repeatable)', collect)
    .option('--no-wadm', 'do not run wadm in the host process (run `lattice wadm` elsewhere)')
    .option('--secure', 'start NATS with nkey users and permissions (host, CLI, providers) and save a CLI context "local" for them')
    .option('--ui [host:port]', 'serve the web dashboard from the host (default 127.0.0.1:3030)')
    .option('--metrics-address <host:port>', "serve the host's Prometheus metrics at http://HOST:PORT/metrics")
    .action(async (flags: UpFlags, command: Command) => {
      const opts = globalOptions(command);
      const settings = natsSettings(opts);
      const lattice = latticeName(opts);
      const dirs = layout(dataDir(flags.dataDir));
      const detach = flags.detach === true;
      const started: Started[] = [];

      const existingHost = runningPid(dirs, 'host');
      if (existingHost !== null) {
        process.stdout.write(`a lattice started by \`lattice up\` is already running (host pid ${existingHost}); \`lattice down\` stops it\n`);
        return;
      }
      try {
        let clientSettings = settings;
        const hostArgs = [CLI_ENTRY];
        if (flags.secure) {
          const secure = await startSecureNats(settings, lattice, dirs, detach);
          started.push(secure.proc);
          clientSettings = secure.cli;
          process.stdout.write(`started nats-server (pid ${secure.proc.pid}) at ${settings.url} with nkey users (${secure.setup.dir})\n`);
          const forwarded = forwardedFlags(command).filter(
            (f, i, all) => !/^--nats-(user|password|token|nkey|creds)$/.test(f) && !/^--nats-(user|password|token|nkey|creds)$/.test(all[i - 1] ?? ''),
          );
          hostArgs.push(...forwarded, '--nats-nkey', secure.setup.seeds.host, 'host', '--data-dir', dirs.root, '--provider-nkey', secure.setup.seeds.provider);
        } else {
          const nats = await ensureNats(settings, dirs, detach);
          if (nats) started.push(nats);
          process.stdout.write(nats ? `started nats-server (pid ${nats.pid}) at ${settings.url}\n` : `using NATS at ${settings.url}\n`);
          hostArgs.push(...forwardedFlags(command), 'host', '--data-dir', dirs.root);
        }
        for (const label of flags.label ?? []) hostArgs.push('--label', label);
        if (flags.wadm !== false) hostArgs.push('--wadm');
        const uiAddress = flags.ui === undefined || flags.ui === false ? null : flags.ui === true ? '127.0.0.1:3030' : flags.ui;
        if (uiAddress) hostArgs.push('--ui-address', uiAddress);
        if (flags.metricsAddress) hostArgs.push('--metrics-address', flags.metricsAddress);
        const host = startProcess(dirs, 'host', process.execPath, hostArgs, detach);
        started.push(host);
        const nc = await connectOnce(clientSettings, 'lattice-up');
        try {
          const ctl = createControlClient(nc, lattice);
          await waitUntil('host', async () => (await ctl.pingHosts({ timeoutMs: 300 })).length > 0, host, 20_000);
          // The host answers pings before its wadm has opened its buckets: `up --detach && lattice
          // app deploy` must not meet "no wadm answers".
          if (flags.wadm !== false) {
            const wadm = createWadmClient(nc, lattice, { timeoutMs: 500 });
            const answers = async () => (await wadm.list().catch(() => null)) !== null;
            await waitUntil('wadm', answers, host, 20_000);
          }
        } finally {
          await nc.close();
        }
        process.stdout.write(`started host (pid ${host.pid})${flags.wadm !== false ? ' with wadm' : ''} in lattice "${lattice}"; logs in ${dirs.logs}\n`);
        if (uiAddress) process.stdout.write(`dashboard at http://${uiAddress.replace(/^0\.0\.0\.0:/, '127.0.0.1:')}/\n`);
        if (flags.metricsAddress) process.stdout.write(`metrics at http://${flags.metricsAddress}/metrics\n`);
        if (flags.secure) {
          await saveLocalContext(clientSettings, lattice);
          process.stdout.write('CLI context "local" (the CLI user) is now current: lattice commands use it; a client without credentials is refused\n');
        }
      } catch (error) {
        for (const proc of started.reverse()) await stopPid(proc.pid, proc.name === 'nats' ? 'SIGINT' : 'SIGTERM');
        throw error;
      }

      if (detach) {
        process.stdout.write('running in the background; `lattice down` stops it\n');
        return;
      }
      process.stdout.write('running; press Ctrl-C to stop\n');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      for (const proc of started.reverse()) await stopPid(proc.pid, proc.name === 'nats' ? 'SIGINT' : 'SIGTERM');
    });
}
