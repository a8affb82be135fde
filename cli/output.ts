import { createRequire } from 'node:module';
import Table from 'cli-table3';
import { UsageError } from './errors.js';

export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/**
 * Writes command output: a table for people, or the same data as JSON or YAML for scripts
 * (`-o json`, `-o yaml`, as wash offers them).
 */
export function emit(opts: { output?: OutputFormat }, data: unknown, table: () => string): void {
  if (opts.output === 'json') process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  else if (opts.output === 'yaml') process.stdout.write(toYaml(data));
  else process.stdout.write(`${table()}\n`);
}

/**
 * yaml is loaded only when YAML is asked for: `lattice host` prints through emit() too, and an
 * edge host should not keep the YAML library in its heap for its whole life (docs/edge.md).
 */
export function toYaml(data: unknown): string {
  const { stringify } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return stringify(data, { aliasDuplicateObjects: false });
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

/** Parses `k=v` arguments into a map; rejects malformed pairs with the offending argument (a usage error). */
export function parsePairs(pairs: string[], what = 'argument'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`${what} "${pair}" is not of the form key=value`);
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

/**
 * Collects a repeatable option, also splitting each value on commas: `--interface store,atomics`
 * means what `--interface store --interface atomics` does (wash accepts both).
 */
export function collectList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== ''),
  ];
}

/** Collects a repeatable option as given (values that may hold commas: `k=v` pairs). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
