/** Public API of the scalers: pure functions from (manifest, observed lattice) to commands. */
export * from './types.js';
export * from './annotations.js';
export { splitByWeight, matchesRequirements, evenSplit, formatRequirements } from './placement.js';
export { spreadComponent, daemonComponent, componentScaler, type ComponentScalerInput } from './component-scaler.js';
export { spreadProvider, daemonProvider, providerScaler, type ProviderScalerInput } from './provider-scaler.js';
export { desiredLinks, linkScaler, removeLinks, sameLink } from './link-scaler.js';
export { configScaler, configNames, ownedConfigs, referencedConfigs, removeConfigs } from './config-scaler.js';
export { planApp, planUndeploy, placementProblems, type Plan, type PlanInput, type AppState } from './plan.js';
export { applyCommands } from './simulate.js';
export {
  emptyObserved,
  applyEvent,
  expireHosts,
  snapshot,
  MISSED_HEARTBEATS,
  type ObservedLattice,
  type HostRecord,
  type Followups,
} from './observed-state.js';
