import type { Command } from './types.js';

/** Hosts upgraded at once when the manifest does not say (`lattice.dev/upgrade-wave`). */
export const DEFAULT_UPGRADE_WAVE = 1;

/**
 * Keeps an upgrade to `wave` hosts at a time: of the scale commands that replace a running image
 * (`allow_update`), the first `wave` by host id go now and the others wait for a later round,
 * while their hosts keep serving the old version. A host counts as upgraded once it reports the
 * new image (or the reconciler expects it to, after a successful command), so the next round
 * moves on; an upgrade that keeps failing on a host stops the rollout there, with every other
 * host still on the version that worked. Other commands (new hosts, count changes, stops) pass.
 */
export function holdBackUpgrades(commands: readonly Command[], wave: number): { commands: Command[]; waiting: number } {
  const upgrades = commands.filter(isUpgrade).sort((a, b) => (a.host_id < b.host_id ? -1 : a.host_id > b.host_id ? 1 : 0));
  if (upgrades.length <= wave) return { commands: [...commands], waiting: 0 };
  const now = new Set<Command>(upgrades.slice(0, wave));
  return { commands: commands.filter((c) => !isUpgrade(c) || now.has(c)), waiting: upgrades.length - now.size };
}

function isUpgrade(c: Command): c is Extract<Command, { type: 'scale_component' }> {
  return c.type === 'scale_component' && c.allow_update;
}
