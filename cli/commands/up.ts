import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { connectOnce, type NatsSettings } from '../../lib/nats-connection.js';
import { createControlClient } from '../../protocol/mod.js';
import { CliError, globalOptions, latticeName, natsSettings } from '../context.js';
import { dataDir, layout, type Layout } from '../local/data-dir.js';
import { binaryAvailable, lastLines, runningPid, startProcess, stopPid, type Started } from '../local/processes.js';

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
}

export function register(program: Command): void {
  program
    .command('up')
    .description('start a local lattice: NATS with JetStream (if none answers), a host and wadm')
    .option('--data-dir <dir>', 'where NATS data, pid files and logs live (env LATTICE_DATA_DIR, default ~/.lattice)')
    .option('-d, --detach', 'leave everything running in the background and return')
    .option('--label <k=v>', 'label for the host (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--no-wadm', 'do not run wadm in the host process (run `lattice wadm` elsewhere)')
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
        const nats = await ensureNats(settings, dirs, detach);
        if (nats) started.push(nats);
        process.stdout.write(nats ? `started nats-server (pid ${nats.pid}) at ${settings.url}\n` : `using NATS at ${settings.url}\n`);

        const hostArgs = [CLI_ENTRY, ...forwardedFlags(command), 'host', '--data-dir', dirs.root];
        for (const label of flags.label ?? []) hostArgs.push('--label', label);
        if (flags.wadm !== false) hostArgs.push('--wadm');
        const host = startProcess(dirs, 'host', process.execPath, hostArgs, detach);
        started.push(host);
        const nc = await connectOnce(settings, 'lattice-up');
        try {
          const ctl = createControlClient(nc, lattice);
          await waitUntil('host', async () => (await ctl.pingHosts({ timeoutMs: 300 })).length > 0, host, 20_000);
        } finally {
          await nc.close();
        }
        process.stdout.write(`started host (pid ${host.pid})${flags.wadm !== false ? ' with wadm' : ''} in lattice "${lattice}"; logs in ${dirs.logs}\n`);
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
