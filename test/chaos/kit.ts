/**
 * What the chaos suite shares: the lattice state a test puts in (a manifest's versions, links,
 * named config, secrets) and a count of what of it is gone after a fault, which must be nothing;
 * and one line per fault with its figures, on the test's diagnostics and on stderr.
 */
import type { TestContext } from 'node:test';
import type { NatsConnection } from 'nats';
import { createLogger } from '../../lib/logger.js';
import { SecretStore } from '../../store/secret-store.js';
import { createControlClient, linkKey, type ConfigValues, type Link, type LinkInput } from '../../protocol/mod.js';
import { createWadmClient } from '../../protocol/wadm-client.js';
import { TEST_SECRETS_KEY } from '../kit/secrets.js';
import { waitFor } from '../kit/wait.js';

export interface SeededState {
  app: string;
  versions: string[];
  links: LinkInput[];
  configs: Record<string, ConfigValues>;
  secrets: Record<string, string>;
}

/** Puts the links, config and secrets of `state` (the manifests are the test's to put). */
export async function seed(nc: NatsConnection, lattice: string, state: SeededState, replicas = 1): Promise<void> {
  const ctl = createControlClient(nc, lattice);
  // Config first: a link naming config that does not exist is refused.
  for (const [name, values] of Object.entries(state.configs)) await ctl.putConfig(name, values);
  for (const link of state.links) await ctl.putLink(link);
  const secrets = await SecretStore.open(nc, lattice, TEST_SECRETS_KEY, createLogger({ component: 'chaos' }), { replicas });
  for (const [name, value] of Object.entries(state.secrets)) await secrets.put(name, value);
}

/**
 * What of `state` the lattice no longer holds, one line per item. Asked again for a while when
 * the lattice does not answer yet (right after a fault): unreachable is not lost.
 */
export async function lostState(nc: NatsConnection, lattice: string, state: SeededState): Promise<string[]> {
  return waitFor(
    'the lattice to answer about its state',
    async () => {
      try {
        const ctl = createControlClient(nc, lattice, { timeoutMs: 3_000 });
        const wadm = createWadmClient(nc, lattice, { timeoutMs: 3_000 });
        const lost: string[] = [];
        const versions = new Set((await wadm.versions(state.app)).map((v) => v.version));
        for (const v of state.versions) if (!versions.has(v)) lost.push(`manifest ${state.app} ${v}`);
        const links = new Map((await ctl.getLinks()).map((l: Link) => [linkKey(l), l]));
        for (const link of state.links) {
          const held = links.get(linkKey({ name: 'default', ...link }));
          if (!held || held.target !== link.target) lost.push(`link ${link.source_id} -> ${link.target}`);
        }
        for (const [name, values] of Object.entries(state.configs)) {
          if (JSON.stringify(await ctl.getConfig(name)) !== JSON.stringify(values)) lost.push(`config ${name}`);
        }
        const secrets = await SecretStore.open(nc, lattice, TEST_SECRETS_KEY, createLogger({ component: 'chaos' }));
        for (const [name, value] of Object.entries(state.secrets)) if ((await secrets.reveal(name)) !== value) lost.push(`secret ${name}`);
        return lost;
      } catch {
        return null;
      }
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );
}

/** One figure line of a fault, where the run's output shows it. */
export function report(t: TestContext, fault: string, line: string): void {
  t.diagnostic(`${fault}: ${line}`);
  process.stderr.write(`# chaos ${fault}: ${line}\n`);
}
