import type { ComponentDescription, ConfigValues, HostCapacity, Link, ProviderDescription } from '../../protocol/mod.js';
import type { CanaryRequest } from '../../protocol/schemas/canary.js';
import type { PlacementProblem, ScalerStatus } from '../../protocol/schemas/wadm.js';

/**
 * Plain data in, plain data out: the scalers see the lattice as this snapshot and answer with
 * commands. The snapshot is built from host events (host_inventory replaces a host's entry,
 * host_heartbeat keeps it alive, host_stopped or missed heartbeats remove it, linkdef_* and
 * config_* maintain links and config); see `observed-state.ts`.
 */
export type ObservedComponent = Pick<ComponentDescription, 'id' | 'image_ref' | 'max_instances' | 'annotations'> & {
  /** The canary image and share running beside `image_ref` (wadm/scalers/canary.ts). */
  canary?: CanaryRequest;
};
export type ObservedProvider = Pick<ProviderDescription, 'id' | 'image_ref' | 'annotations'>;

export interface ObservedHost {
  id: string;
  labels: Record<string, string>;
  components: ObservedComponent[];
  providers: ObservedProvider[];
  /** From its last heartbeat; absent for hosts that do not report it (placement.ts). */
  capacity?: HostCapacity;
}

/** Live hosts only: the observer drops a host on host_stopped or after missed heartbeats. */
export interface LatticeState {
  hosts: ObservedHost[];
  links: Link[];
  /** Named config currently in the lattice, by name. */
  configs: Record<string, ConfigValues>;
}

/**
 * What the executor must do. Each maps to one control-client call: scaleComponent,
 * startProvider, stopProvider, putLink, deleteLink, putConfig, deleteConfig.
 */
export type Command =
  | {
      type: 'scale_component';
      host_id: string;
      component_id: string;
      image_ref: string;
      /** Concurrency slots (max_instances) on that host; 0 stops the component there. */
      count: number;
      annotations: Record<string, string>;
      /** Secret reference names the component may read (wasmcloud:secrets); absent: none. */
      secrets?: string[];
      config: string[];
      /** Set when the host runs another image of this component: replace it. */
      allow_update: boolean;
      /** Keep `image_ref` serving and send this share to the canary image (wadm/scalers/canary.ts). */
      canary?: CanaryRequest;
    }
  | {
      type: 'start_provider';
      host_id: string;
      provider_id: string;
      image_ref: string;
      annotations: Record<string, string>;
      config: string[];
      /** Secret reference names (`SECRET_<app>-<name>`) the provider gets at init. */
      secrets: string[];
    }
  | { type: 'stop_provider'; host_id: string; provider_id: string }
  | { type: 'put_link'; link: Link }
  | { type: 'delete_link'; source_id: string; wit_namespace: string; wit_package: string; name: string; target: string }
  | { type: 'put_config'; name: string; values: ConfigValues }
  | { type: 'delete_config'; name: string };

export type CommandType = Command['type'];

/** Status and placement problems are wire types: the schemas in protocol/schemas/wadm.ts are the source. */
export type { PlacementProblem, ScalerState, ScalerStatus } from '../../protocol/schemas/wadm.js';
export type ScalerKind = ScalerStatus['kind'];

/** The result of one scaler: commands to converge plus its status and placement problems. */
export interface ScalerResult {
  commands: Command[];
  status: ScalerStatus;
  problems: PlacementProblem[];
}
