import { Option, type Command } from 'commander';
import { withLattice } from '../context.js';
import { collect, collectList, emit, parsePairs } from '../output.js';
import { pickHost, placementOptions } from '../auction.js';
import { checkRegistryImage } from '../image-ref.js';

interface StartFlags {
  host?: string;
  constraint?: string[];
  config?: string[];
  secret?: string[];
  annotation?: string[];
  mode?: 'builtin' | 'process';
}

export function register(program: Command): void {
  const start = program.command('start').description('start providers');
  placementOptions(start.command('provider'), 'host to start it on')
    .argument('<provider-id>', 'provider id')
    .argument('<image>', 'provider image, e.g. ghcr.io/wasmcloud/http-server:0.23.0 (see docs/providers.md)')
    .option('--config <name>', 'named config for the provider (repeatable or comma-separated)', collectList)
    .option('--secret <name>', 'secret the provider gets at start (repeatable or comma-separated; see lattice secret)', collectList)
    .option('--annotation <k=v>', 'annotation (repeatable)', collect)
    .addOption(new Option('--mode <mode>', 'builtin (in the host process) or process (supervised child)').choices(['builtin', 'process']))
    .description('start a capability provider on a host')
    .action(async (providerId: string, image: string, flags: StartFlags, command: Command) =>
      withLattice(command, async ({ ctl, opts }) => {
        const annotations = parsePairs(flags.annotation ?? [], 'annotation');
        checkRegistryImage(image);
        const hostId = flags.host ?? (await pickHost(ctl, 'provider', providerId, image, flags.constraint));
        await ctl.startProvider(
          hostId,
          {
            provider_id: providerId,
            provider_ref: image,
            config: flags.config ?? [],
            secrets: flags.secret ?? [],
            annotations,
            mode: flags.mode,
          },
          { timeoutMs: 30_000 },
        );
        emit(opts, { provider_id: providerId, host_id: hostId, image }, () => `started ${providerId} on ${hostId}`);
      }),
    );
}
