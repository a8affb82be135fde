/**
 * `lattice inspect FILE|IMAGE`: what a component is before it runs anywhere: its WIT world
 * (imports and exports with their versions), size, digest, the toolchain that produced it
 * (producers section) and its signature claims when it is signed; `--wit` prints the world as WIT.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { claimsSummary, signatureVerdict, type ClaimsSummary } from '../claims-summary.js';
import type { Inspection, WorldItem } from '../../components/tools/inspect.js';
import { looksLikeOciRef } from '../../lib/oci/reference.js';
import { CliError, globalOptions, UsageError, withLattice } from '../context.js';
import { unreadableReason } from '../input-file.js';
import { emit, renderTable } from '../output.js';

interface InspectFlags {
  wit?: boolean;
  jsDomain?: string;
  insecure?: boolean;
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const unit = bytes < 1024 * 1024 ? (['KiB', 1024] as const) : (['MiB', 1024 * 1024] as const);
  return `${(bytes / unit[1]).toFixed(1)} ${unit[0]} (${bytes} bytes)`;
}

function claimsLines(s: ClaimsSummary): string[] {
  const rows: Array<[string, unknown]> = [
    ['issuer', s.issuer],
    ['subject', s.subject],
    ['name', s.name],
    ['version', s.version],
    ['revision', s.revision],
    ['tags', s.tags.join(', ')],
    ['call alias', s.call_alias],
    ['module hash', s.module_hash],
    ['signed hash', s.signed_hash !== s.module_hash ? s.signed_hash : null],
    ['issued', s.issued_at],
    ['not before', s.not_before],
    ['expires', s.expires ?? 'never'],
  ];
  return rows.filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => `  ${k.padEnd(12)} ${String(v)}`);
}

function items(list: WorldItem[]): string {
  return renderTable(
    ['Name', 'Version'],
    list.map((i) => [i.name, i.version ?? '']),
  );
}

function describe(ref: string, r: Inspection, claims: ClaimsSummary | null, note: string | null): string {
  const producers = Object.entries(r.producers).map(([field, values]) => `  ${field.padEnd(12)} ${values.join(', ')}`);
  const lines = [
    `${'component'.padEnd(10)} ${ref}`,
    `${'kind'.padEnd(10)} ${r.kind === 'component' ? 'component' : `core module${note ? ` (${note})` : ''}`}`,
    `${'size'.padEnd(10)} ${formatSize(r.size)}`,
    `${'digest'.padEnd(10)} ${r.digest}`,
    `${'producers'.padEnd(10)} ${producers.length ? '' : '(none)'}`.trimEnd(),
    ...producers,
    `${'signed'.padEnd(10)} ${claims ? signatureVerdict(claims) : 'no'}`,
    ...(claims ? claimsLines(claims) : []),
  ];
  if (r.kind === 'component') lines.push('', 'Imports:', items(r.imports), '', 'Exports:', items(r.exports));
  return lines.join('\n');
}

/** A registry image, pulled as hosts pull it: through this machine's shared OCI cache, digests checked. */
async function pullImage(ref: string, flags: InspectFlags): Promise<Uint8Array> {
  const [{ OciCache, defaultOciCacheDir, pullComponent }, { cliRegistryClient, ociRefArgument, registryFailure }] = await Promise.all([
    import('../../lib/oci/mod.js'),
    import('../registry-client.js'),
  ]);
  const oci = ociRefArgument(ref);
  try {
    const client = cliRegistryClient(flags.insecure ? oci.registry : undefined);
    return (await pullComponent({ client, cache: new OciCache(defaultOciCacheDir()) }, oci)).bytes;
  } catch (error) {
    return registryFailure(`pull of ${ref}`, error);
  }
}

/** The bytes behind FILE, `file://...`, `nats://name:tag` (the lattice's artifact store) or a registry image. */
async function readImage(ref: string, flags: InspectFlags, command: Command): Promise<Uint8Array> {
  if (ref.startsWith('nats://')) {
    const { ObjectStoreImageLoader } = await import('../../host/object-store-loader.js');
    return withLattice(command, async ({ nc, lattice }) => {
      // The loader checks the bytes against their digest; its cache is thrown away afterwards.
      const cacheDir = await mkdtemp(join(tmpdir(), 'lattice-inspect-'));
      try {
        const loader = new ObjectStoreImageLoader({ nc, lattice, cacheDir, domain: flags.jsDomain ?? process.env.LATTICE_JS_DOMAIN });
        return await loader.load(ref, {});
      } catch (cause) {
        throw new CliError(`cannot fetch ${ref}: ${(cause as Error).message} (\`lattice push FILE --name NAME:TAG\` stores one)`, { cause });
      } finally {
        await rm(cacheDir, { recursive: true, force: true });
      }
    });
  }
  if (ref.startsWith('oci://')) return pullImage(ref, flags);
  let path = ref;
  if (ref.startsWith('file://')) {
    try {
      path = fileURLToPath(ref);
    } catch {
      path = decodeURIComponent(ref.slice('file://'.length));
    }
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(ref)) {
    throw new UsageError(`cannot read ${ref}: lattice inspect reads files, file://, nats:// and registry images (REGISTRY/REPO:TAG or oci://...)`);
  }
  try {
    return new Uint8Array(await readFile(path));
  } catch (cause) {
    // A file of that name wins; otherwise ghcr.io/org/name:tag is the registry image it names.
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT' && path === ref && looksLikeOciRef(ref)) return pullImage(ref, flags);
    throw new CliError(`cannot read ${ref}: ${unreadableReason(cause, 'give the .wasm file')}`, { cause });
  }
}

export function register(program: Command): void {
  program
    .command('inspect')
    .argument('<file-or-image>', 'a .wasm file, file:// URL, registry image (REGISTRY/REPO:TAG, oci://...) or nats://NAME:TAG pushed with `lattice push`')
    .option('--wit', "print the component's world as WIT instead")
    .option('--js-domain <domain>', 'JetStream domain of the artifact store for nats:// (env LATTICE_JS_DOMAIN)')
    .option('--insecure', 'registry image: allow plain HTTP to its registry (env LATTICE_INSECURE_REGISTRIES lists more)')
    .description("show a component's WIT world (imports, exports, versions), size, digest, producers and signature claims")
    .action(async (ref: string, flags: InspectFlags, command: Command) => {
      const opts = globalOptions(command);
      const bytes = await readImage(ref, flags, command);
      // Loaded here: jco is large and only this command needs it on the main thread.
      const [{ checkComponentBytes }, { BinaryProblem, InvalidComponentError }, { inspectWasm }, { WascapError }] = await Promise.all([
        import('../../runtime/binary-check.js'),
        import('../../runtime/errors.js'),
        import('../../components/tools/inspect.js'),
        import('../../lib/wascap.js'),
      ]);
      let note: string | null = null;
      try {
        checkComponentBytes(bytes);
      } catch (error) {
        if (!(error instanceof InvalidComponentError)) throw error;
        if (error.problem !== BinaryProblem.CoreModule)
          throw new CliError(`${ref} is ${error.message.replace(/^not a runnable component \([a-z-]+\): /, 'not a component: ')}`, { cause: error });
        note = 'not a component: hosts cannot run it; wrap it with `wasm-tools component new`';
      }
      let report: Inspection;
      try {
        report = await inspectWasm(bytes);
      } catch (cause) {
        if (cause instanceof WascapError)
          throw new CliError(`${ref}: its signature claims cannot be read: ${cause.message} (sign it again with \`lattice claims sign\`)`, { cause });
        throw new CliError(`${ref} cannot be read as a component: ${(cause as Error).message.split('\n')[0]} (the file is damaged; rebuild it)`, { cause });
      }
      if (flags.wit) {
        if (!report.wit) throw new CliError(`${ref} is a core module: it has no WIT world`);
        process.stdout.write(report.wit.endsWith('\n') ? report.wit : `${report.wit}\n`);
        return;
      }
      const claims = report.claims && claimsSummary(report.claims);
      emit(opts, { ref, ...report, claims, note }, () => describe(ref, report, claims, note));
    });
}
