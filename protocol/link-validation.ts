import { ApplicationError } from './invocation-errors.js';
import { invoke } from './rpc/client.js';
import type { Link } from './schemas/links.js';
import type { NatsConnection } from 'nats';

/**
 * Before a link is stored, the host asks both ends whether they accept it, so a link a provider
 * cannot honour (a second link asking for the same listen address, a route already taken) fails
 * the `link put` with the provider's reason instead of failing silently later. The question is an
 * ordinary invocation on this reserved interface; components and targets that do not run answer
 * nothing, which counts as consent.
 */
export const LINK_VALIDATION_INTERFACE = 'lattice:provider/links@0.1.0';
export const LINK_VALIDATION_FUNCTION = 'validate';

/** How long a host waits for an end to answer before storing the link anyway. */
const VALIDATION_DEADLINE_MS = 2_000;

/** True for calls on the reserved interface (targets that are not providers refuse them at once). */
export function isLinkValidation(ref: { namespace: string; package: string }): boolean {
  return ref.namespace === 'lattice' && ref.package === 'provider';
}

export function refuseLinkValidation(): never {
  throw new ApplicationError('unknown-function', 'not a provider: no link validation');
}

/** Asks `endpoint` about `link`; resolves with its refusal, or null when it accepts or cannot answer. */
export async function askEndpoint(nc: NatsConnection, lattice: string, endpoint: string, link: Link): Promise<string | null> {
  try {
    const answer = await invoke(nc, lattice, {
      target: endpoint,
      interface: LINK_VALIDATION_INTERFACE,
      function: LINK_VALIDATION_FUNCTION,
      args: [link],
      source: 'lattice-host',
      deadlineMs: VALIDATION_DEADLINE_MS,
    });
    const outcome = answer as { tag?: string; val?: unknown };
    return outcome.tag === 'ok' && typeof outcome.val === 'string' ? outcome.val : null;
  } catch {
    // No answer is consent: the end is not running (TargetNotRunningError), is a component and
    // refuses the reserved interface (RemoteApplicationError), or is slow; a link must not wait on
    // it, and a provider that starts later is told about the link through its linkAdded hook.
    return null;
  }
}
