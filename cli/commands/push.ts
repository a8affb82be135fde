import type { Command } from 'commander';
import { type ArtifactRefError, parseNameTag } from '../../protocol/artifacts.js';
import { openArtifactStore } from '../../store/artifact-store.js';
import { checkComponentBytes } from '../../runtime/binary-check.js';
import { latticeJsDomain } from '../../store/kv.js';
import { formatOciRef, pushComponent } from '../../lib/oci/mod.js';
import { progress } from '../progress.js';
import { cliRegistryClient, ociRefArgument, registryFailure } from '../registry-client.js';
import { CliError, globalOptions, UsageError, withLattice } from '../context.js';
import { collect, emit, parsePairs } from '../output.js';
import { readInputFile } from '../input-file.js';

interface PushFlags {
  name?: string;
  jsDomain?: string;
  insecure?: boolean;
  annotation?: string[];
}

async function readComponent(file: string): Promise<Uint8Array> {
  const bytes = await readInputFile(file, 'give the .wasm file');
  try {
    checkComponentBytes(new Uint8Array(bytes));
  } catch (cause) {
    throw new CliError(`${file} is not a component: ${(cause as Error).message}`, { cause });
  }
  return new Uint8Array(bytes);
}

/** `lattice push oci://REGISTRY/REPO:TAG FILE`: the Wasm OCI artifact layout, as wash pushes it. */
async function pushOci(target: string, file: string, flags: PushFlags, command: Command): Promise<void> {
  const ref = ociRefArgument(target);
  const annotations = parsePairs(flags.annotation ?? [], 'annotation');
  const bytes = await readComponent(file);
  const client = cliRegistryClient(flags.insecure ? ref.registry : undefined);
  // The artifact's config lists the component's world, as the Wasm OCI artifact spec asks.
  const { componentInterfaces } = await import('../../components/tools/inspect.js');
  const world = await componentInterfaces(bytes).catch(() => ({ imports: [], exports: [] }));
  const shown = progress();
  shown.update(`pushing ${bytes.length} bytes to ${formatOciRef(ref)}`);
  try {
    const result = await pushComponent(client, ref, bytes, world, annotations).finally(() => shown.done());
    emit(
      globalOptions(command),
      { ref: result.ref, manifest_digest: result.manifestDigest, digest: result.digest, size: result.size },
      () =>
        `pushed ${result.ref} (manifest ${result.manifestDigest}, component ${result.digest}, ${result.size} bytes)\n  pinned: ${formatOciRef({ ...ref, tag: undefined, digest: result.manifestDigest })}`,
    );
  } catch (error) {
    registryFailure(`push to ${formatOciRef(ref)}`, error);
  }
}

/**
 * `lattice push FILE [--name NAME:TAG]`: puts a component into the lattice's artifact object store
 * so that hosts without registry access load it as `nats://NAME:TAG` (or `nats://sha256:<hex>`).
 * `lattice push oci://REGISTRY/REPO:TAG FILE` publishes it to an OCI registry instead.
 */
export function register(program: Command): void {
  program
    .command('push')
    .argument('<target-or-file>', 'oci://REGISTRY/REPO:TAG to publish to a registry, or the component to store in the lattice')
    .argument('[file]', 'the component (.wasm), after an oci:// target')
    .option('--name <name:tag>', 'lattice store: name and tag to point at it (tag defaults to "latest")')
    .option('--js-domain <domain>', 'lattice store: JetStream domain of the lattice buckets (env LATTICE_JS_DOMAIN; "hub" from a leaf)')
    .option('--insecure', 'registry: allow plain HTTP to this registry (env LATTICE_INSECURE_REGISTRIES lists more)')
    .option('--annotation <k=v>', 'registry: manifest annotation (repeatable)', collect)
    .description('publish a component: to an OCI registry (oci://...) or into the lattice (JetStream object store)')
    .action(async (first: string, second: string | undefined, flags: PushFlags, command: Command) => {
      if (first.startsWith('oci://')) {
        if (second === undefined) throw new UsageError(`give the component after the target: lattice push ${first} FILE`);
        await pushOci(first, second, flags, command);
        return;
      }
      if (second !== undefined)
        throw new UsageError(
          `two arguments push to a registry, and its target starts with oci:// (got ${JSON.stringify(first)}); to store ${first} in the lattice give it alone`,
        );
      const file = first;
      let target;
      try {
        target = flags.name === undefined ? undefined : parseNameTag(flags.name);
      } catch (error) {
        throw new UsageError(`--name: ${(error as ArtifactRefError).message}`, { cause: error });
      }
      const bytes = await readComponent(file);
      await withLattice(command, async ({ nc, lattice, opts }) => {
        const shown = progress();
        shown.update(`storing ${bytes.length} bytes in the lattice's artifact store`);
        const store = await openArtifactStore(nc, lattice, latticeJsDomain(flags.jsDomain));
        const result = await store.push(bytes, target).finally(() => shown.done());
        emit(opts, result, () => `${result.ref} ${result.digest} (${result.size} bytes${result.uploaded ? '' : ', already stored'})`);
      });
    });
}
