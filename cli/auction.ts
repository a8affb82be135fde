import type { Command } from 'commander';
import type { ControlClient } from '../protocol/mod.js';
import { CliError } from './context.js';
import { collect, parsePairs } from './output.js';

/** `--host` and `--constraint`, the placement options of `scale component` and `start provider`. */
export function placementOptions(command: Command, hostHelp: string): Command {
  return command
    .option('--host <host-id>', `${hostHelp} (default: an auction among hosts matching --constraint)`)
    .option('--constraint <k=v>', 'label the chosen host must have (repeatable)', collect);
}

/**
 * Runs an auction and picks one of the bidding hosts at random (spreading manual placements).
 * Not a command: shared by `scale component` and `start provider`.
 */
export async function pickHost(ctl: ControlClient, kind: 'component' | 'provider', id: string, imageRef: string, constraints: string[] = []): Promise<string> {
  const wanted = parsePairs(constraints, 'constraint');
  const req = { id, image_ref: imageRef, constraints: wanted };
  const bids = kind === 'component' ? await ctl.auctionComponent(req) : await ctl.auctionProvider(req);
  if (bids.length === 0) {
    const what = Object.keys(wanted).length ? ` matching ${constraints.join(', ')}` : '';
    throw new CliError(`no host${what} bid to run ${kind} ${id}`);
  }
  return bids[Math.floor(Math.random() * bids.length)]!.host_id;
}
