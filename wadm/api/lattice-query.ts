import type { ControlClient } from '../../protocol/control-client.js';
import type { ConfigValues } from '../../protocol/schemas/config.js';
import type { LatticeState } from '../scalers/types.js';

/**
 * Builds the observed lattice by asking the hosts (ping, then each inventory), the link store and
 * the named configs asked for. Used for deploy-time checks when no event-fed observer is at hand;
 * a host that does not answer its inventory is left out rather than failing the whole query.
 */
export async function queryLattice(ctl: ControlClient, needs: { configs?: readonly string[] } = {}): Promise<LatticeState> {
  const hosts = await ctl.pingHosts();
  const inventories = await Promise.all(hosts.map((h) => ctl.getInventory(h.id).catch(() => null)));
  const links = hosts.length ? await ctl.getLinks().catch(() => []) : [];
  const configs: Record<string, ConfigValues> = {};
  if (hosts.length) {
    await Promise.all(
      (needs.configs ?? []).map(async (name) => {
        const values = await ctl.getConfig(name).catch(() => null);
        if (values) configs[name] = values;
      }),
    );
  }
  return {
    hosts: inventories
      .filter((inv) => inv !== null)
      .map((inv) => ({
        id: inv.id,
        labels: inv.labels,
        components: inv.components.map(({ id, image_ref, max_instances, annotations }) => ({ id, image_ref, max_instances, annotations })),
        providers: inv.providers.map(({ id, image_ref, annotations }) => ({ id, image_ref, annotations })),
      })),
    links,
    configs,
  };
}
