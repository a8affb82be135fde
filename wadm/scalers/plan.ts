import type { AppComponent, AppManifest, AppScaler } from '../manifest/model.js';
import { isOwnedBy } from './annotations.js';
import { componentScaler } from './component-scaler.js';
import { configNames, configScaler, removeConfigs } from './config-scaler.js';
import { secretName } from '../manifest/ids.js';
import { linkScaler, removeLinks } from './link-scaler.js';
import { PLACEMENT_ANNOTATION, parseUpgradeWave, UPGRADE_WAVE_ANNOTATION } from '../manifest/schema.js';
import { providerScaler } from './provider-scaler.js';
import type { AppState } from '../../protocol/schemas/wadm.js';
import type { Command, LatticeState, PlacementProblem, ScalerStatus } from './types.js';

export type { AppState } from '../../protocol/schemas/wadm.js';

export interface Plan {
  app: string;
  /** In execution order: config, links, scale-ups and starts, then removals (links, instances, config). */
  commands: Command[];
  scalers: ScalerStatus[];
  problems: PlacementProblem[];
  /** failed > waiting > reconciling > deployed, over all scalers; `undeployed` once nothing is left. */
  state: AppState;
}

export interface PlanInput {
  app: string;
  /** The version to run. */
  manifest: AppManifest;
  /** The version that ran before (its links and config are removed when no longer declared). */
  previous?: AppManifest | null;
  state: LatticeState;
  /**
   * Upgrades go through a canary (scalers/canary.ts): the policy's share, and the verdicts already
   * given on this deployment by component name.
   */
  canary?: { weight: number; verdicts: ReadonlyMap<string, 'promoted' | 'rolled_back'> } | null;
}

type Placed = AppComponent & { image: string; scaler: AppScaler };
const isPlaced = (c: AppComponent): c is Placed => c.image !== undefined && c.scaler !== undefined;

/**
 * One reconcile step for a deployed application: a pure function of the manifest, the version
 * before it and the observed lattice. Converged input gives no commands; the same input always
 * gives the same commands (the executor can re-run it safely after every event or tick).
 */
export function planApp(input: PlanInput): Plan {
  const { app, manifest, state } = input;
  const previous = input.previous ?? null;
  const scalers: ScalerStatus[] = [];
  const problems: PlacementProblem[] = [];
  const placement: Command[] = [];

  const placed = manifest.components.filter(isPlaced);
  const byCapacity = manifest.annotations[PLACEMENT_ANNOTATION] === 'capacity';
  const upgradeWave = parseUpgradeWave(manifest.annotations[UPGRADE_WAVE_ANNOTATION]) ?? undefined;
  for (const component of placed) {
    const config = configNames(app, component.config);
    const secrets = component.secrets.map((s) => secretName(app, s.name));
    const args = { app, component, config, secrets, hosts: state.hosts };
    const canary = input.canary ? { weight: input.canary.weight, verdict: input.canary.verdicts.get(component.name) } : undefined;
    const result = component.kind === 'capability' ? providerScaler(args) : componentScaler({ ...args, byCapacity, upgradeWave, canary });
    placement.push(...result.commands);
    problems.push(...result.problems);
    scalers.push(result.status);
  }
  // Instances of this app whose component left the manifest (or lost its scaler) go away.
  const keepComponents = new Set(placed.filter((c) => c.kind === 'component').map((c) => c.id));
  const keepProviders = new Set(placed.filter((c) => c.kind === 'capability').map((c) => c.id));
  placement.push(...removeOwned(app, state, keepComponents, keepProviders));

  const config = configScaler(manifest, previous, state.configs);
  const links = linkScaler(manifest, previous, state.links);
  scalers.push(config.status, ...links.statuses);

  const commands = order([...config.commands, ...links.commands, ...placement]);
  return { app, commands, scalers, problems, state: overall(scalers, commands) };
}

/**
 * Undeploy: stop every component instance and provider annotated as this app's, delete the
 * links and inline config its last deployed version declared. Nothing else is touched.
 */
export function planUndeploy(input: { app: string; previous: AppManifest | null; state: LatticeState }): Plan {
  const { app, previous, state } = input;
  const commands = order([
    ...removeOwned(app, state, new Set(), new Set()),
    ...(previous ? removeLinks(previous, state.links) : []),
    ...(previous ? removeConfigs(previous, state.configs) : []),
  ]);
  return { app, commands, scalers: [], problems: [], state: commands.length ? 'reconciling' : 'undeployed' };
}

/**
 * "Cannot be placed" reasons for a manifest on the current lattice, for a synchronous deploy
 * answer: the placement problems of a plan, without executing anything.
 */
export function placementProblems(app: string, manifest: AppManifest, state: LatticeState): PlacementProblem[] {
  return planApp({ app, manifest, state }).problems;
}

function removeOwned(app: string, state: LatticeState, keepComponents: Set<string>, keepProviders: Set<string>): Command[] {
  const out: Command[] = [];
  for (const host of state.hosts) {
    for (const c of host.components) {
      if (isOwnedBy(c.annotations, app) && !keepComponents.has(c.id) && c.max_instances > 0) {
        out.push({
          type: 'scale_component',
          host_id: host.id,
          component_id: c.id,
          image_ref: c.image_ref,
          count: 0,
          annotations: c.annotations,
          config: [],
          allow_update: false,
        });
      }
    }
    for (const p of host.providers) {
      if (isOwnedBy(p.annotations, app) && !keepProviders.has(p.id)) {
        out.push({ type: 'stop_provider', host_id: host.id, provider_id: p.id });
      }
    }
  }
  return out;
}

const RANK: Record<Command['type'], number> = {
  put_config: 0,
  put_link: 1,
  start_provider: 2,
  scale_component: 2,
  delete_link: 3,
  stop_provider: 4,
  delete_config: 5,
};

/**
 * Config and links first (a provider reads its links and config when it starts), scale-ups and
 * starts next, removals last, and a scale to 0 among the removals. Stable within a rank.
 */
function order(commands: Command[]): Command[] {
  const rank = (c: Command) => (c.type === 'scale_component' && c.count === 0 ? 4 : RANK[c.type]);
  return commands
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i)
    .map(({ c }) => c);
}

function overall(scalers: ScalerStatus[], commands: Command[]): AppState {
  if (scalers.some((s) => s.state === 'failed')) return 'failed';
  if (scalers.some((s) => s.state === 'waiting')) return 'waiting';
  if (commands.length > 0 || scalers.some((s) => s.state === 'reconciling')) return 'reconciling';
  return 'deployed';
}
