import { LabelKey, RESERVED_LABEL_PREFIX, type Labels } from '../protocol/mod.js';

/** Environment variables with this prefix become host labels: `LATTICE_LABEL_zone=edge` -> `zone=edge`. */
export const LABEL_ENV_PREFIX = 'LATTICE_LABEL_';

/**
 * Node's `process.arch` mapped to Rust's `std::env::consts::ARCH`, the values wasmCloud hosts
 * report in `hostcore.arch`, so manifests written for wasmCloud keep matching. Unknown values
 * pass through unchanged.
 */
const ARCH: Record<string, string> = {
  x64: 'x86_64',
  arm64: 'aarch64',
  arm: 'arm',
  ia32: 'x86',
  riscv64: 'riscv64',
  s390x: 's390x',
  ppc64: 'powerpc64',
  ppc: 'powerpc',
  loong64: 'loongarch64',
  mips: 'mips',
  mipsel: 'mips',
};

/** `process.platform` mapped to Rust's `std::env::consts::OS` (`darwin` is `macos`, `win32` is `windows`). */
const OS: Record<string, string> = { darwin: 'macos', win32: 'windows', sunos: 'solaris' };

/**
 * Built-in label set by the host at start: `true` when its components' provider calls suspend the
 * guest (JSPI, Node 24+) rather than block a worker (runtime/jspi.ts). Manifests can place
 * on it (a WASIp3 component needs it).
 */
export const JSPI_LABEL = 'hostcore.jspi';

/** The built-in labels: `hostcore.os` (linux, macos, windows, ...), `hostcore.arch` (x86_64, aarch64, ...), `hostcore.osfamily` (unix or windows). */
export function builtinLabels(platform: string = process.platform, arch: string = process.arch): Labels {
  const os = OS[platform] ?? platform;
  return {
    'hostcore.os': os,
    'hostcore.arch': ARCH[arch] ?? arch,
    'hostcore.osfamily': os === 'windows' ? 'windows' : 'unix',
  };
}

export function labelsFromEnv(env: NodeJS.ProcessEnv = process.env): Labels {
  const labels: Labels = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(LABEL_ENV_PREFIX) || value === undefined) continue;
    const key = name.slice(LABEL_ENV_PREFIX.length);
    if (key) labels[key] = value;
  }
  return labels;
}

/** A label the host refuses at start (reserved or malformed key). */
export class LabelError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LabelError';
  }
}

export type LabelChange = { ok: true; changed: boolean } | { ok: false; reason: string };

/** Why a key cannot be set by users, or null when it can. */
function refuseKey(key: string): string | null {
  if (key.startsWith(RESERVED_LABEL_PREFIX)) {
    return `label "${key}" is built in (the "${RESERVED_LABEL_PREFIX}" namespace) and cannot be changed or deleted`;
  }
  const parsed = LabelKey.safeParse(key);
  return parsed.success ? null : `label key "${key}" ${parsed.error.issues[0]?.message ?? 'is invalid'}`;
}

/** The host's labels: built-in ones fixed for the process lifetime, user ones editable at run time. */
export class HostLabels {
  private readonly builtin: Labels;
  private readonly user = new Map<string, string>();
  private readonly listeners = new Set<(labels: Labels) => void>();

  /** Throws LabelError when an initial label is reserved or malformed: a start-up mistake to fix, not to ignore. */
  constructor(initial: Labels = {}, builtin: Labels = builtinLabels()) {
    this.builtin = { ...builtin };
    for (const [key, value] of Object.entries(initial)) {
      const reason = refuseKey(key);
      if (reason) throw new LabelError(reason);
      this.user.set(key, value);
    }
  }

  /** Built-in and user labels together (a copy). */
  all(): Labels {
    return { ...Object.fromEntries(this.user), ...this.builtin };
  }

  get(key: string): string | undefined {
    return this.builtin[key] ?? this.user.get(key);
  }

  put(key: string, value: string): LabelChange {
    const reason = refuseKey(key);
    if (reason) return { ok: false, reason };
    if (this.user.get(key) === value) return { ok: true, changed: false };
    this.user.set(key, value);
    this.notify();
    return { ok: true, changed: true };
  }

  delete(key: string): LabelChange {
    const reason = refuseKey(key);
    if (reason) return { ok: false, reason };
    if (!this.user.delete(key)) return { ok: true, changed: false };
    this.notify();
    return { ok: true, changed: true };
  }

  /** Every key=value of `constraints` is present on this host (auctions, placement). */
  matches(constraints: Labels): boolean {
    return matchesConstraints(this.all(), constraints);
  }

  onChange(listener: (labels: Labels) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    const labels = this.all();
    for (const listener of this.listeners) listener(labels);
  }
}

/** True when every constraint key is present in `labels` with the same value. */
export function matchesConstraints(labels: Labels, constraints: Labels): boolean {
  return Object.entries(constraints).every(([key, value]) => labels[key] === value);
}
