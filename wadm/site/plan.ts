import type { AppComponent, AppManifest } from '../manifest/model.js';
import { planApp } from '../scalers/plan.js';
import { eligibleHosts, effectiveSpreads } from '../scalers/placement.js';
import type { Command, ObservedHost, PlacementProblem } from '../scalers/types.js';
import type { SiteApp } from './snapshot.js';

export interface SitePlan {
  commands: Command[];
  problems: PlacementProblem[];
}

/**
 * What a site does for one application while it cannot reach the hub: keep the share of the app
 * it ran when last synced, on the site's hosts that are alive now. A spreadscaler entry becomes
 * "the site's count, over the spread entries that match a live site host", so the instances of a
 * lost host move to the site's other matching hosts and no more than the site's share is ever
 * started (the rest of the app belongs to other sites and the cloud, which the hub's wadm
 * keeps). A daemonscaler keeps its meaning. Only placement is done: links and config are
 * lattice-wide state in the hub's buckets and are not written from a site.
 */
export function planSite(app: SiteApp, manifest: AppManifest, siteHosts: readonly ObservedHost[]): SitePlan {
  const components: AppComponent[] = [];
  for (const component of manifest.components) {
    const scaler = component.scaler;
    if (!scaler || scaler.type === 'daemonscaler') {
      components.push(component);
      continue;
    }
    const share = component.kind === 'capability' ? (app.providers[component.id] ?? 0) : (app.components[component.id] ?? 0);
    if (share === 0) continue;
    const spreads = effectiveSpreads(scaler.spread);
    const here = spreads.filter((s) => eligibleHosts(siteHosts, s).length > 0);
    // With no live matching host the original entries stay, so the planner reports the problem.
    components.push({ ...component, scaler: { ...scaler, instances: share, spread: here.length ? here : spreads } });
  }
  const site: AppManifest = { ...manifest, components };
  const plan = planApp({ app: manifest.name, manifest: site, previous: null, state: { hosts: [...siteHosts], links: [], configs: {} } });
  // A share the live site hosts still hold whole is left where it is: the site acts on losses,
  // it does not re-balance what the hub placed.
  const whole = new Set(components.filter((c) => c.scaler?.type === 'spreadscaler' && held(c, siteHosts) === c.scaler.instances).map((c) => c.id));
  // Nor does it change what runs: upgrades, canaries and their verdicts are the hub wadm's.
  const commands = plan.commands.filter((c) => {
    if (c.type === 'scale_component') return !whole.has(c.component_id) && !c.allow_update;
    if (c.type === 'start_provider' || c.type === 'stop_provider') return !whole.has(c.provider_id);
    return false;
  });
  return { commands, problems: plan.problems };
}

/** Instances (components) or hosts (providers) of `component` with its manifest image on the live site hosts. */
function held(component: AppComponent, siteHosts: readonly ObservedHost[]): number {
  let n = 0;
  for (const host of siteHosts) {
    if (component.kind === 'capability') {
      if (host.providers.some((p) => p.id === component.id && p.image_ref === component.image)) n++;
    } else {
      const c = host.components.find((x) => x.id === component.id && x.image_ref === component.image);
      n += c?.max_instances ?? 0;
    }
  }
  return n;
}
