import type { ControlClient } from '../../protocol/control-client.js';
import type { Command } from '../scalers/types.js';
import { DEFAULT_LOAD_TIMEOUT_MS } from '../../protocol/request.js';
import { Attr, SpanKind, startSpan, tracing, type Attributes } from '../../lib/telemetry/mod.js';

/** Deadline for a scale or provider start: the host answers after loading (protocol/request.ts). */
export const SLOW_COMMAND_TIMEOUT_MS = DEFAULT_LOAD_TIMEOUT_MS;
/** Commands of one phase sent at once; bounds the requests in flight to a lattice. */
export const PHASE_CONCURRENCY = 16;

export type CommandOutcome = { command: Command; ok: true } | { command: Command; ok: false; error: string };

/** Sends one command through the control client; `success: false` and transport errors both reject. */
export async function sendCommand(ctl: ControlClient, c: Command): Promise<void> {
  switch (c.type) {
    case 'scale_component':
      await ctl.scaleComponent(
        c.host_id,
        {
          component_id: c.component_id,
          image_ref: c.image_ref,
          count: c.count,
          annotations: c.annotations,
          config: c.config,
          secrets: c.secrets ?? [],
          allow_update: c.allow_update,
          ...(c.canary ? { canary: c.canary } : {}),
        },
        { timeoutMs: SLOW_COMMAND_TIMEOUT_MS },
      );
      return;
    case 'start_provider':
      await ctl.startProvider(
        c.host_id,
        { provider_id: c.provider_id, provider_ref: c.image_ref, annotations: c.annotations, config: c.config, secrets: c.secrets },
        { timeoutMs: SLOW_COMMAND_TIMEOUT_MS },
      );
      return;
    case 'stop_provider':
      await ctl.stopProvider(c.host_id, c.provider_id);
      return;
    case 'put_link':
      await ctl.putLink(c.link);
      return;
    case 'delete_link':
      await ctl.deleteLink({ source_id: c.source_id, wit_namespace: c.wit_namespace, wit_package: c.wit_package, name: c.name, target: c.target });
      return;
    case 'put_config':
      await ctl.putConfig(c.name, c.values);
      return;
    case 'delete_config':
      await ctl.deleteConfig(c.name);
      return;
  }
}

/** The lattice names a command is about, as span attributes. */
function commandAttributes(c: Command): Attributes {
  switch (c.type) {
    case 'scale_component':
      return { [Attr.host]: c.host_id, [Attr.component]: c.component_id, 'wadm.command.count': c.count, 'wadm.command.image': c.image_ref };
    case 'start_provider':
      return { [Attr.host]: c.host_id, [Attr.provider]: c.provider_id, 'wadm.command.image': c.image_ref };
    case 'stop_provider':
      return { [Attr.host]: c.host_id, [Attr.provider]: c.provider_id };
    case 'put_link':
      return {
        [Attr.source]: c.link.source_id,
        [Attr.target]: c.link.target,
        [Attr.link]: c.link.name,
        [Attr.interface]: `${c.link.wit_namespace}:${c.link.wit_package}`,
      };
    case 'delete_link':
      return { [Attr.source]: c.source_id, [Attr.link]: c.name, [Attr.interface]: `${c.wit_namespace}:${c.wit_package}` };
    case 'put_config':
    case 'delete_config':
      return { 'wadm.config.name': c.name };
  }
}

/**
 * Phases keep the plan's order where it matters (config and links before the instances that
 * read them, removals after their replacements); commands within a phase are independent.
 */
function phase(c: Command): number {
  switch (c.type) {
    case 'put_config':
      return 0;
    case 'put_link':
      return 1;
    case 'scale_component':
      return c.count === 0 ? 4 : 2;
    case 'start_provider':
      return 2;
    case 'delete_link':
      return 3;
    case 'stop_provider':
      return 4;
    case 'delete_config':
      return 5;
  }
}

/**
 * Executes a plan's commands phase by phase, the commands of a phase concurrently (bounded).
 * A failure does not stop later phases: each command's outcome is reported, and the reconciler
 * retries failures with backoff. `onOutcome` sees each result as it arrives.
 */
export async function executeCommands(
  ctl: ControlClient,
  commands: readonly Command[],
  onOutcome: (o: CommandOutcome) => void,
  /** Each command is a span, child of `parent`, when tracing (the reconcile round's span). */
  trace?: { parent: string; attributes: Attributes },
): Promise<CommandOutcome[]> {
  const phases = new Map<number, Command[]>();
  for (const c of commands) phases.set(phase(c), [...(phases.get(phase(c)) ?? []), c]);
  const outcomes: CommandOutcome[] = [];
  for (const p of [...phases.keys()].sort((a, b) => a - b)) {
    const queue = [...phases.get(p)!];
    const worker = async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        let outcome: CommandOutcome;
        const span =
          trace && tracing.on ? startSpan(`wadm ${c.type}`, SpanKind.client, trace.parent, { ...trace.attributes, ...commandAttributes(c) }) : undefined;
        try {
          await sendCommand(ctl, c);
          outcome = { command: c, ok: true };
          span?.end();
        } catch (error) {
          outcome = { command: c, ok: false, error: error instanceof Error ? error.message : String(error) };
          span?.end(error);
        }
        outcomes.push(outcome);
        onOutcome(outcome);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PHASE_CONCURRENCY, queue.length) }, worker));
  }
  return outcomes;
}
