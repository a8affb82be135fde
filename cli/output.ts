import Table from 'cli-table3';
import type { GlobalOptions } from './context.js';

/** Writes command output: a table for people, JSON for scripts (`-o json`). */
export function emit(opts: GlobalOptions, json: unknown, table: () => string): void {
  if (opts.output === 'json') process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  else process.stdout.write(`${table()}\n`);
}

export function renderTable(head: string[], rows: Array<Array<string | number>>): string {
  if (rows.length === 0) return `(none)`;
  const table = new Table({
    head,
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const row of rows) table.push(row.map(String));
  return table.toString();
}

export function formatLabels(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/** Parses `k=v` arguments into a map; rejects malformed pairs with the offending argument. */
export function parsePairs(pairs: string[], what = 'argument'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`${what} "${pair}" is not of the form key=value`);
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}
