/**
 * How `lattice app status` and `app history` show canaries (docs/wadm.md, "Canaries"): both
 * versions' figures side by side, running version first.
 */
import type { CanaryReport } from '../protocol/schemas/wadm.js';
import { renderTable } from './output.js';

const STATES: Record<CanaryReport['state'], string> = { watching: 'watching', promoted: 'promoted', rolled_back: 'rolled back' };

const pair = (a: number, b: number) => `${a} / ${b}`;

/** A table of canaries with their figures as "running / canary". */
export function canaryTable(reports: readonly CanaryReport[]): string {
  return renderTable(
    ['Canary', 'Version', 'Image', 'Share', 'State', 'Requests', 'Errors', 'p99 ms', 'Reason'],
    reports.map((c) => [
      c.component,
      c.version,
      c.image_ref,
      `${c.weight}%`,
      STATES[c.state],
      pair(c.stable.requests, c.canary.requests),
      pair(c.stable.errors, c.canary.errors),
      pair(c.stable.p99_ms, c.canary.p99_ms),
      c.reason,
    ]),
  );
}

/** One line per verdict for the history table: "web promoted at ...: reason". */
export function canaryVerdicts(reports: readonly CanaryReport[] | undefined): string {
  return (reports ?? []).map((c) => `${c.component} ${STATES[c.state]}${c.decided_at ? ` at ${c.decided_at}` : ''}: ${c.reason}`).join('; ');
}
