/**
 * The systemd unit `lattice host install-service` writes, and the environment file beside it.
 * Pure text generation: the command (cli/commands/host-service.ts) decides where files go.
 */
import { DEFAULT_STOP_TIMEOUT_MS } from '../../host/options.js';

export interface UnitOptions {
  /** A per-user unit (`systemctl --user`) instead of a system one. */
  user: boolean;
  /** Absolute path of the environment file (NATS_*, LATTICE*). */
  envFile: string;
  /** Absolute paths: the node binary and the CLI entry (dist/cli/main.js). */
  node: string;
  cli: string;
  /** `lattice host` arguments after `host` (labels, --max-memory ...). */
  hostArgs: string[];
  /** The host's drain deadline (`--stop-timeout`), ms. */
  stopTimeoutMs?: number;
  /** `--max-memory` in MB: also the unit's MemoryHigh, so the kernel reclaims before the budget is passed. */
  maxMemoryMb?: number;
  /** System units: run as this existing user instead of a DynamicUser. */
  runAs?: string;
  /** The host's data directory when not the unit's state directory. */
  dataDir?: string;
}

/**
 * What the host needs after its drain deadline to close NATS, stop provider children and exit.
 * systemd's TimeoutStopSec is drain + this; past it systemd sends SIGKILL.
 */
export const STOP_MARGIN_S = 10;

/** The TimeoutStopSec that lets a host drain fully (`--stop-timeout`, default 10 s) and exit. */
export function timeoutStopSec(stopTimeoutMs = DEFAULT_STOP_TIMEOUT_MS): number {
  return Math.ceil(stopTimeoutMs / 1000) + STOP_MARGIN_S;
}

/**
 * systemd's quoting for one ExecStart word: double quotes when it holds anything the parser
 * splits or expands (space, quote, backslash, `$`, `%`).
 */
export function quoteArg(arg: string): string {
  const escaped = arg.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (escaped !== '' && !/[\s"'\\]/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function renderUnit(o: UnitOptions): string {
  const exec = [o.node, o.cli, 'host', ...o.hostArgs].map(quoteArg).join(' ');
  const lines = [
    '# Written by `lattice host install-service`; edit the environment file, not this unit, for NATS and lattice settings.',
    '[Unit]',
    'Description=lattice host (WebAssembly components over NATS)',
    'Documentation=https://www.npmjs.com/package/@lattice-run/lattice',
    ...(o.user ? ['After=network-online.target'] : ['After=network-online.target nats-server.service', 'Wants=network-online.target']),
    // Restart on failure, but not forever in a tight loop: 10 tries a minute, then the unit fails.
    'StartLimitIntervalSec=60',
    'StartLimitBurst=10',
    '',
    '[Service]',
    'Type=exec',
    ...(o.user ? [] : o.runAs ? [`User=${o.runAs}`] : ['DynamicUser=yes']),
    // Read by systemd (as root for a system unit) before the host starts: the file can stay 0600 root.
    `EnvironmentFile=${o.envFile}`,
    ...(o.dataDir
      ? o.user
        ? []
        : [`ReadWritePaths=${o.dataDir}`]
      : o.user
        ? ['Environment=LATTICE_DATA_DIR=%h/.lattice']
        : ['StateDirectory=lattice', 'Environment=LATTICE_DATA_DIR=%S/lattice']),
    `ExecStart=${exec}`,
    'Restart=on-failure',
    'RestartSec=2',
    // SIGTERM to the host only: it drains in-flight work and stops its provider processes itself.
    'KillMode=mixed',
    'KillSignal=SIGTERM',
    `TimeoutStopSec=${timeoutStopSec(o.stopTimeoutMs)}`,
    'MemoryAccounting=yes',
    ...(o.maxMemoryMb ? [`MemoryHigh=${o.maxMemoryMb}M`] : []),
    ...(o.user ? [] : ['NoNewPrivileges=yes', 'PrivateTmp=yes', 'ProtectHome=yes']),
    '',
    '[Install]',
    `WantedBy=${o.user ? 'default.target' : 'multi-user.target'}`,
    '',
  ];
  return lines.join('\n');
}

/** A systemd environment file line: values are double-quoted with `\` and `"` escaped. */
function envLine(key: string, value: string): string {
  return `${key}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The variables the host reads that belong in its environment file (never values on a command line). */
export function isServiceVariable(key: string): boolean {
  return /^(NATS_|LATTICE)/.test(key) && key !== 'LATTICE_LOG_PRETTY';
}

export function renderEnvFile(values: Record<string, string>): string {
  const keys = Object.keys(values).sort();
  return [
    '# lattice host settings, read by systemd for the lattice host unit (mode 0600: it may hold NATS credentials).',
    '# NATS_URL, LATTICE (lattice name), LATTICE_JS_DOMAIN, LATTICE_LABEL_<key>, NATS_CREDS, LATTICE_SECRETS_KEY ...',
    ...keys.map((k) => envLine(k, values[k]!)),
    '',
  ].join('\n');
}
