import type { AppStatus, ScalerStatus } from '../../protocol/schemas/wadm.js';
import type { AppManifest } from '../manifest/model.js';
import type { Plan } from '../scalers/plan.js';
import type { Command } from '../scalers/types.js';
import { commandSubject, FAILURES_BEFORE_FAILED } from './expected.js';

export interface StatusInput {
  name: string;
  version: string | null;
  manifest: AppManifest | null;
  plan: Plan;
  failures: Array<{ command: Command; failure: { count: number; retryAt: number; error: string } }>;
}

function describeCommand(c: Command): string {
  switch (c.type) {
    case 'scale_component':
      return `scale ${c.component_id} to ${c.count} on ${c.host_id}`;
    case 'start_provider':
      return `start ${c.provider_id} on ${c.host_id}`;
    case 'stop_provider':
      return `stop ${c.provider_id} on ${c.host_id}`;
    case 'put_link':
      return `link ${c.link.source_id} -> ${c.link.target} (${c.link.wit_namespace}:${c.link.wit_package})`;
    case 'delete_link':
      return `unlink ${c.source_id} -> ${c.target} (${c.wit_namespace}:${c.wit_package})`;
    case 'put_config':
      return `put config ${c.name}`;
    case 'delete_config':
      return `delete config ${c.name}`;
  }
}

const isPlacement = (c: Command) => c.type === 'scale_component' || c.type === 'start_provider' || c.type === 'stop_provider';

/**
 * An application's status from its plan plus the commands that keep failing. A command that
 * failed FAILURES_BEFORE_FAILED times in a row makes the scaler that wants it `failed` with the
 * host's reason (it is still retried, with backoff); fewer failures leave it `reconciling`.
 */
export function describeStatus(input: StatusInput): Omit<AppStatus, 'updated_at'> {
  const { name, version, manifest, plan, failures } = input;
  if (!manifest) {
    return {
      name,
      version: null,
      state: plan.state === 'undeployed' ? 'undeployed' : 'reconciling',
      message: plan.state === 'undeployed' ? 'not deployed' : `undeploying: ${plan.commands.length} command(s) outstanding`,
      scalers: [],
    };
  }
  const persistent = failures.filter((f) => f.failure.count >= FAILURES_BEFORE_FAILED);
  const nameOf = (id: string) => manifest.components.find((c) => c.id === id)?.name;
  const scalers: ScalerStatus[] = plan.scalers.map((s) => {
    const placing = s.kind === 'spreadscaler' || s.kind === 'daemonscaler';
    const mine = placing ? persistent.filter((f) => isPlacement(f.command) && nameOf(commandSubject(f.command)) === s.component) : [];
    if (!mine.length) return s;
    return { ...s, state: 'failed', message: mine.map((f) => `${describeCommand(f.command)}: ${f.failure.error}`).join('; ') };
  });
  const failedCommands = failures.map((f) => `${describeCommand(f.command)} failed (${f.failure.count}x): ${f.failure.error}`);
  let state: AppStatus['state'] = plan.state;
  if (persistent.length) state = 'failed';
  let message: string;
  if (state === 'failed') message = [...plan.problems.map((p) => p.message), ...failedCommands].join('; ');
  else if (state === 'waiting')
    message = scalers
      .filter((s) => s.state === 'waiting')
      .map((s) => s.message)
      .join('; ');
  else if (state === 'reconciling')
    message = failedCommands.length ? failedCommands.join('; ') : `reconciling version ${version}: ${plan.commands.length} command(s) outstanding`;
  else message = `deployed version ${version}`;
  return { name, version, state, message, scalers };
}
