import type { AppComponent, AppScaler } from '../manifest/model.js';
import { isOwnedBy, ownedAnnotations, scalerId } from './annotations.js';
import { effectiveSpreads, eligibleHosts, formatRequirements, splitByWeight } from './placement.js';
import { noDaemonHost, scalerState } from './outcome.js';
import type { Command, ObservedHost, PlacementProblem, ScalerResult, ScalerState } from './types.js';

/** A capability provider to place: its manifest entry (with image and scaler) and config names. */
export interface ProviderScalerInput {
  app: string;
  component: AppComponent & { image: string; scaler: AppScaler };
  config: string[];
  /** Secret reference names the provider gets at init. */
  secrets?: string[];
  hosts: readonly ObservedHost[];
}

function runs(host: ObservedHost, id: string) {
  return host.providers.find((p) => p.id === id);
}

/**
 * spreadscaler for providers. A host runs a provider at most once, so `instances` is the number
 * of hosts running it: split over the spread entries by weight (largest remainder), each share
 * taken from distinct matching hosts. Hosts already running it are kept when any entry can use
 * them: they are matched to entries first (a maximum bipartite matching, this app's own ones
 * before others'), so a running provider is never stopped just to start it elsewhere, and the
 * plan after the commands ran is empty. Remaining shares go to the least loaded matching hosts.
 * A share larger than the matching hosts is placed partly and reported.
 */
export function spreadProvider(input: ProviderScalerInput): ScalerResult {
  const { app, component, hosts } = input;
  const spreads = effectiveSpreads(component.scaler.spread);
  const shares = splitByWeight(
    component.scaler.instances,
    spreads.map((s) => s.weight),
  );
  const eligible = spreads.map((s) => new Set(eligibleHosts(hosts, s).map((h) => h.id)));
  const slotOwner: Array<string | null> = [];
  const slotSpread: number[] = [];
  shares.forEach((share, i) => {
    for (let k = 0; k < share; k++) {
      slotOwner.push(null);
      slotSpread.push(i);
    }
  });

  // Kuhn's augmenting paths: hosts already running the provider take slots; a matched host
  // stays matched when a later one needs its slot (it moves to another slot it is eligible for).
  const tryPlace = (hostId: string, seen: Set<number>): boolean => {
    for (let slot = 0; slot < slotOwner.length; slot++) {
      if (seen.has(slot) || !eligible[slotSpread[slot]!]!.has(hostId)) continue;
      seen.add(slot);
      const holder = slotOwner[slot];
      if (holder === null || holder === undefined || tryPlace(holder, seen)) {
        slotOwner[slot] = hostId;
        return true;
      }
    }
    return false;
  };
  const running = hosts.filter((h) => runs(h, component.id) !== undefined);
  const ownedFirst = [...running].sort(
    (a, b) =>
      Number(isOwnedBy(runs(b, component.id)!.annotations, app)) - Number(isOwnedBy(runs(a, component.id)!.annotations, app)) || a.id.localeCompare(b.id),
  );
  for (const h of ownedFirst) tryPlace(h.id, new Set());

  const chosen = new Set(slotOwner.filter((h): h is string => h !== null));
  const byLoad = [...hosts].sort((a, b) => a.providers.length - b.providers.length || a.components.length - b.components.length || a.id.localeCompare(b.id));
  for (let slot = 0; slot < slotOwner.length; slot++) {
    if (slotOwner[slot] !== null) continue;
    const pick = byLoad.find((h) => !chosen.has(h.id) && eligible[slotSpread[slot]!]!.has(h.id));
    if (pick) {
      slotOwner[slot] = pick.id;
      chosen.add(pick.id);
    }
  }

  const problems: PlacementProblem[] = [];
  spreads.forEach((spread, i) => {
    const share = shares[i]!;
    const placed = slotOwner.filter((h, slot) => h !== null && slotSpread[slot] === i).length;
    if (placed >= share) return;
    problems.push({
      component: component.name,
      scaler: 'spreadscaler',
      spread: spread.name,
      requirements: spread.requirements,
      wanted: share,
      placed,
      message:
        eligible[i]!.size === 0
          ? `${component.name}: spread "${spread.name}" needs ${share} host(s) but no host matches ${formatRequirements(spread.requirements)}`
          : eligible[i]!.size < share
            ? `${component.name}: spread "${spread.name}" needs ${share} host(s) but only ${eligible[i]!.size} match ${formatRequirements(spread.requirements)}`
            : `${component.name}: spread "${spread.name}" needs ${share} host(s); the hosts matching ${formatRequirements(spread.requirements)} are taken by other spread entries`,
    });
  });
  return finish(input, 'spreadscaler', chosen, problems, 'failed');
}

/** daemonscaler for providers: on every live host matching any spread entry (all hosts if none). */
export function daemonProvider(input: ProviderScalerInput): ScalerResult {
  const { component, hosts } = input;
  const spreads = effectiveSpreads(component.scaler.spread);
  const chosen = new Set<string>();
  if (component.scaler.instances > 0) {
    for (const spread of spreads) for (const h of eligibleHosts(hosts, spread)) chosen.add(h.id);
  }
  const problems: PlacementProblem[] = chosen.size === 0 && component.scaler.instances > 0 ? [noDaemonHost(component.name, spreads, 1, 'start')] : [];
  return finish(input, 'daemonscaler', chosen, problems, 'waiting');
}

export function providerScaler(input: ProviderScalerInput): ScalerResult {
  return input.component.scaler.type === 'daemonscaler' ? daemonProvider(input) : spreadProvider(input);
}

function finish(
  input: ProviderScalerInput,
  kind: 'spreadscaler' | 'daemonscaler',
  chosen: Set<string>,
  problems: PlacementProblem[],
  stateWhenUnplaced: ScalerState,
): ScalerResult {
  const { app, component, hosts, config } = input;
  const id = scalerId(kind, component.name);
  const commands: Command[] = [];
  for (const host of hosts) {
    const running = runs(host, component.id);
    const owned = running !== undefined && isOwnedBy(running.annotations, app);
    if (chosen.has(host.id)) {
      // A different image of an owned provider is stopped first; the next reconcile starts the
      // wanted one (a host cannot run two providers under one id).
      if (owned && running.image_ref !== component.image) {
        commands.push({ type: 'stop_provider', host_id: host.id, provider_id: component.id });
      } else if (running === undefined) {
        commands.push({
          type: 'start_provider',
          host_id: host.id,
          provider_id: component.id,
          image_ref: component.image,
          annotations: ownedAnnotations(app, id),
          config,
          secrets: input.secrets ?? [],
        });
      }
    } else if (owned) {
      commands.push({ type: 'stop_provider', host_id: host.id, provider_id: component.id });
    }
  }
  const state = scalerState(problems, commands, stateWhenUnplaced);
  const message = problems.length
    ? problems.map((p) => p.message).join('; ')
    : commands.length
      ? `placing ${component.id}: ${commands.length} change(s)`
      : `running on ${chosen.size} host(s)`;
  return { commands, problems, status: { id, kind, component: component.name, state, message } };
}
