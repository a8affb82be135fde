/**
 * What the component and provider scalers share once they know where things go: the daemon
 * scaler's problem when no host matches, and a scaler's state from its problems and commands.
 */
import type { AppSpread } from '../manifest/model.js';
import { formatRequirements } from './placement.js';
import type { Command, PlacementProblem, ScalerState } from './types.js';

/**
 * No live host matches any spread entry of a daemonscaler: `waiting`, not failed, since matching
 * hosts may still join (`what` says what happens then: "run", "start").
 */
export function noDaemonHost(name: string, spreads: readonly AppSpread[], wanted: number, what: string): PlacementProblem {
  return {
    component: name,
    scaler: 'daemonscaler',
    spread: spreads.map((s) => s.name).join(','),
    requirements: spreads[0]!.requirements,
    wanted,
    placed: 0,
    message: `${name}: no host matches ${spreads.map((s) => formatRequirements(s.requirements)).join(' or ')}; it will ${what} on matching hosts when they join`,
  };
}

/** Unplaced (failed or waiting) with problems, else reconciling while commands remain, else deployed. */
export function scalerState(problems: readonly PlacementProblem[], commands: readonly Command[], whenUnplaced: ScalerState): ScalerState {
  return problems.length ? whenUnplaced : commands.length ? 'reconciling' : 'deployed';
}
