import type { AppComponent, AppScaler } from '../manifest/model.js';
import { isOwnedBy, ownedAnnotations, scalerId } from './annotations.js';
import { capacitySplit, effectiveSpreads, eligibleHosts, evenSplit, formatRequirements, roomyHosts, splitByWeight } from './placement.js';
import { noDaemonHost, scalerState } from './outcome.js';
import { type CanaryInput, canaryCommand, canaryMode, isPromotion } from './canary.js';
import { DEFAULT_UPGRADE_WAVE, holdBackUpgrades } from './upgrade-wave.js';
import type { Command, ObservedComponent, ObservedHost, PlacementProblem, ScalerResult, ScalerState } from './types.js';

/** A Wasm component to scale: its manifest entry (with image and scaler) and resolved config names. */
export interface ComponentScalerInput {
  app: string;
  component: AppComponent & { image: string; scaler: AppScaler };
  /** Config names passed to the component (already app-scoped for inline config). */
  config: string[];
  /** Secret reference names the component may read. */
  secrets?: string[];
  hosts: readonly ObservedHost[];
  /** `lattice.dev/placement: capacity`: shares in proportion to the hosts' CPUs (placement.ts). */
  byCapacity?: boolean;
  /** Hosts whose image an upgrade replaces at once (`lattice.dev/upgrade-wave`, upgrade-wave.ts). */
  upgradeWave?: number;
  /** Upgrades of this component go through a canary (canary.ts). */
  canary?: CanaryInput;
}

function observed(host: ObservedHost, id: string): ObservedComponent | undefined {
  return host.components.find((c) => c.id === id);
}

/**
 * spreadscaler for components. `instances` is the number of concurrency slots (the hosts'
 * `max_instances`) for this component across the lattice: split over the spread entries by weight
 * (largest remainder), each entry's share divided evenly over the live hosts whose labels match
 * its requirements (see evenSplit for the odd units), or in proportion to their CPUs with
 * `byCapacity`. Hosts short of memory are left out while others have room (roomyHosts). A host
 * matching several entries gets the sum. Hosts matching no entry lose this app's instances. A
 * share with no matching host is reported as a placement problem.
 */
export function spreadComponent(input: ComponentScalerInput): ScalerResult {
  const { component, hosts } = input;
  const spreads = effectiveSpreads(component.scaler.spread);
  const shares = splitByWeight(
    component.scaler.instances,
    spreads.map((s) => s.weight),
  );
  const desired = new Map<string, number>();
  const problems: PlacementProblem[] = [];
  spreads.forEach((spread, i) => {
    const share = shares[i]!;
    if (share === 0) return;
    const eligible = eligibleHosts(hosts, spread);
    if (eligible.length === 0) {
      problems.push({
        component: component.name,
        scaler: 'spreadscaler',
        spread: spread.name,
        requirements: spread.requirements,
        wanted: share,
        placed: 0,
        message: `${component.name}: spread "${spread.name}" needs ${share} instance(s) but no host matches ${formatRequirements(spread.requirements)}`,
      });
      return;
    }
    const current = new Map(eligible.map((h) => [h.id, observed(h, component.id)?.max_instances ?? 0]));
    const roomy = roomyHosts(eligible, current);
    const split = input.byCapacity ? capacitySplit(share, roomy) : evenSplit(share, roomy, component.id, current);
    for (const [hostId, n] of split) {
      desired.set(hostId, (desired.get(hostId) ?? 0) + n);
    }
  });
  return finish(input, 'spreadscaler', desired, problems, 'failed');
}

/**
 * daemonscaler for components: `instances` slots on every live host that matches any spread
 * entry (every host when there is none), including hosts that join later: each reconcile
 * recomputes the set. No matching host is "waiting", not failed: hosts may still join.
 */
export function daemonComponent(input: ComponentScalerInput): ScalerResult {
  const { component, hosts } = input;
  const spreads = effectiveSpreads(component.scaler.spread);
  const desired = new Map<string, number>();
  for (const spread of spreads) {
    for (const h of eligibleHosts(hosts, spread)) desired.set(h.id, component.scaler.instances);
  }
  const problems: PlacementProblem[] =
    desired.size === 0 && component.scaler.instances > 0 ? [noDaemonHost(component.name, spreads, component.scaler.instances, 'run')] : [];
  return finish(input, 'daemonscaler', desired, problems, 'waiting');
}

export function componentScaler(input: ComponentScalerInput): ScalerResult {
  return input.component.scaler.type === 'daemonscaler' ? daemonComponent(input) : spreadComponent(input);
}

/** Turns a desired slot count per host into scale commands for the hosts that differ. */
function finish(
  input: ComponentScalerInput,
  kind: 'spreadscaler' | 'daemonscaler',
  desired: Map<string, number>,
  problems: PlacementProblem[],
  stateWhenUnplaced: ScalerState,
): ScalerResult {
  const { app, component, hosts, config } = input;
  const id = scalerId(kind, component.name);
  const mode = canaryMode(input.canary, hosts, app, component.id, component.image);
  const wanted: Command[] = [];
  const exempt: Command[] = [];
  for (const host of hosts) {
    const want = desired.get(host.id) ?? 0;
    const seen = observed(host, component.id);
    const owned = seen !== undefined && isOwnedBy(seen.annotations, app);
    const have = owned ? seen.max_instances : 0;
    // Someone else's instance on a host we do not want: not ours to stop.
    if (want === 0 && !owned) continue;
    const base = {
      type: 'scale_component' as const,
      host_id: host.id,
      component_id: component.id,
      count: want,
      annotations: ownedAnnotations(app, id),
      config,
      ...(input.secrets?.length ? { secrets: input.secrets } : {}),
    };
    if (mode && want > 0 && seen?.image_ref !== component.image) {
      // A canary is its own exposure limit: every host takes its share at once, no waves.
      const command = canaryCommand(mode, base, seen, have);
      if (command) exempt.push(command);
      continue;
    }
    const otherImage = seen !== undefined && seen.image_ref !== component.image;
    if (want === have && !(want > 0 && (otherImage || seen?.canary !== undefined))) continue;
    const command: Command = { ...base, image_ref: component.image, allow_update: want > 0 && otherImage };
    (isPromotion(command, seen) ? exempt : wanted).push(command);
  }
  const held = holdBackUpgrades(wanted, input.upgradeWave ?? DEFAULT_UPGRADE_WAVE);
  const commands = [...exempt, ...held.commands];
  const waiting = held.waiting;
  const state = mode && !problems.length ? 'reconciling' : scalerState(problems, commands, stateWhenUnplaced);
  const total = [...desired.values()].reduce((a, b) => a + b, 0);
  const hostCount = [...desired.values()].filter((n) => n > 0).length;
  const message = problems.length
    ? problems.map((p) => p.message).join('; ')
    : mode?.canary
      ? `canary: ${component.image} takes ${mode.canary.weight}% of ${component.id} beside ${mode.stable} on ${hostCount} host(s)`
      : mode
        ? `canary of ${component.image} rolled back: ${mode.stable} keeps serving ${component.id}`
        : waiting
          ? `upgrading ${component.id} to ${component.image}: ${commands.length} host(s) now, ${waiting} waiting for their turn`
          : commands.length
            ? `scaling ${component.id} on ${commands.length} host(s)`
            : `${total} instance(s) on ${hostCount} host(s)`;
  return { commands, problems, status: { id, kind, component: component.name, state, message } };
}
