import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ArtifactRefError, openArtifactStore, parseNameTag, pushArtifact } from '../../protocol/artifacts.js';
import { checkComponentBytes } from '../../host/runtime/binary-check.js';
import { latticeJsDomain } from '../../host/stores/kv.js';
import { CliError, UsageError, withLattice } from '../context.js';
import { emit } from '../output.js';

interface PushFlags {
  name?: string;
  jsDomain?: string;
}

/**
 * `lattice push FILE [--name NAME:TAG]`: puts a component into the lattice's artifact object store
 * so that hosts without registry access load it as `nats://NAME:TAG` (or `nats://sha256:<hex>`).
 */
export function register(program: Command): void {
  program
    .command('push')
    .argument('<file>', 'component (.wasm) to push')
    .option('--name <name:tag>', 'name and tag to point at it (tag defaults to "latest")')
    .option('--js-domain <domain>', 'JetStream domain of the lattice buckets (env LATTICE_JS_DOMAIN; "hub" from a leaf)')
    .description('store a component in the lattice (JetStream object store), addressed by digest and name:tag')
    .action(async (file: string, flags: PushFlags, command: Command) => {
      let target;
      try {
        target = flags.name === undefined ? undefined : parseNameTag(flags.name);
      } catch (error) {
        throw new UsageError(`--name: ${(error as ArtifactRefError).message}`, { cause: error });
      }
      const bytes = await readFile(file).catch((cause: NodeJS.ErrnoException) => {
        throw new CliError(`cannot read ${file}: ${cause.code === 'ENOENT' ? 'no such file' : cause.message}`, { cause });
      });
      try {
        checkComponentBytes(new Uint8Array(bytes));
      } catch (cause) {
        throw new CliError(`${file} is not a component: ${(cause as Error).message}`, { cause });
      }
      await withLattice(command, async ({ nc, lattice, opts }) => {
        const store = await openArtifactStore(nc, lattice, latticeJsDomain(flags.jsDomain));
        const result = await pushArtifact(store, new Uint8Array(bytes), target);
        emit(opts, result, () => `${result.ref} ${result.digest} (${result.size} bytes${result.uploaded ? '' : ', already stored'})`);
      });
    });
}
