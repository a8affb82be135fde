import { linkKey, type Link } from '../../protocol/mod.js';
import type { Command, LatticeState, ObservedHost } from './types.js';

/**
 * The lattice as it would be after every command succeeded. Used to check that a plan converges
 * (planning again on the result gives no commands) and for dry runs; it is not an executor.
 */
export function applyCommands(state: LatticeState, commands: readonly Command[]): LatticeState {
  const hosts = new Map<string, ObservedHost>(state.hosts.map((h) => [h.id, { ...h, components: [...h.components], providers: [...h.providers] }]));
  const links = new Map<string, Link>(state.links.map((l) => [linkKey(l), l]));
  const configs = { ...state.configs };
  for (const c of commands) {
    switch (c.type) {
      case 'scale_component': {
        const host = hosts.get(c.host_id);
        if (!host) break;
        host.components = host.components.filter((x) => x.id !== c.component_id);
        if (c.count > 0) {
          host.components.push({
            id: c.component_id,
            image_ref: c.image_ref,
            max_instances: c.count,
            annotations: c.annotations,
            ...(c.canary ? { canary: c.canary } : {}),
          });
        }
        break;
      }
      case 'start_provider': {
        const host = hosts.get(c.host_id);
        if (host && !host.providers.some((p) => p.id === c.provider_id)) {
          host.providers.push({ id: c.provider_id, image_ref: c.image_ref, annotations: c.annotations });
        }
        break;
      }
      case 'stop_provider': {
        const host = hosts.get(c.host_id);
        if (host) host.providers = host.providers.filter((p) => p.id !== c.provider_id);
        break;
      }
      case 'put_link':
        links.set(linkKey(c.link), c.link);
        break;
      case 'delete_link':
        links.delete(linkKey(c));
        break;
      case 'put_config':
        configs[c.name] = c.values;
        break;
      case 'delete_config':
        delete configs[c.name];
        break;
    }
  }
  return { hosts: [...hosts.values()], links: [...links.values()], configs };
}
