import type { Command } from 'commander';
import { UsageError, withLattice } from '../context.js';
import { imageArgument } from '../image-ref.js';
import { collect, collectList, emit, parsePairs } from '../output.js';
import { pickHost, placementOptions } from '../auction.js';

interface ScaleFlags {
  count: string;
  host?: string;
  constraint?: string[];
  annotation?: string[];
  config?: string[];
  secret?: string[];
  allowUpdate?: boolean;
}

export function register(program: Command): void {
  const scale = program.command('scale').description('scale components');
  placementOptions(scale.command('component'), 'host to scale on')
    .argument('<component-id>', 'component id')
    .argument('<image>', 'image: a .wasm path, file:// URL, REGISTRY/REPO:TAG (or oci://...), or nats://NAME:TAG')
    .requiredOption('-c, --count <n>', 'max concurrent instances on the host; 0 stops it')
    .option('--annotation <k=v>', 'annotation (repeatable)', collect)
    .option('--config <name>', 'named config for the component (repeatable or comma-separated)', collectList)
    .option('--secret <name>', 'secret the component may read through wasmcloud:secrets (repeatable or comma-separated)', collectList)
    .option('--allow-update', 'replace the image if the component runs another one')
    .description('scale a component on a host; reports the exact reason when it cannot run')
    .action(async (componentId: string, image: string, flags: ScaleFlags, command: Command) =>
      withLattice(command, async ({ ctl, opts }) => {
        const count = Number(flags.count);
        if (!Number.isInteger(count) || count < 0) throw new UsageError(`--count must be a non-negative integer (0 stops the component), got "${flags.count}"`);
        const annotations = parsePairs(flags.annotation ?? [], 'annotation');
        const imageRef = imageArgument(image);
        const hostId = flags.host ?? (await pickHost(ctl, 'component', componentId, imageRef, flags.constraint));
        await ctl.scaleComponent(
          hostId,
          {
            component_id: componentId,
            image_ref: imageRef,
            count,
            annotations,
            config: flags.config ?? [],
            secrets: flags.secret ?? [],
            allow_update: flags.allowUpdate ?? false,
          },
          // Loading a JS component the first time means a transpile of about a second.
          { timeoutMs: 60_000 },
        );
        emit(opts, { component_id: componentId, host_id: hostId, image_ref: imageRef, count }, () =>
          count === 0 ? `stopped ${componentId} on ${hostId}` : `scaled ${componentId} to ${count} on ${hostId}`,
        );
      }),
    );
}
