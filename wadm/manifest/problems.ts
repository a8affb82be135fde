import type { ManifestProblem } from '../../protocol/schemas/wadm.js';

/**
 * A validation finding: `{ level, path, message }`, `path` like
 * `spec.components[1].traits[0].properties.target` (empty for the whole document). Validation
 * never stops at the first one: a user fixing a manifest wants the whole list (wadm's
 * `ValidationFailure` has a level and a message; we add the path so editors and the CLI can point
 * at the spot). The wire schema in protocol/schemas/wadm.ts is the source of the type.
 */
export type Problem = ManifestProblem;
export type ProblemLevel = Problem['level'];

export type PathPart = string | number;

export function formatPath(parts: readonly PathPart[]): string {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

/** Collects problems while checks walk the manifest. */
export class ProblemList {
  readonly items: Problem[] = [];

  error(path: readonly PathPart[], message: string): void {
    this.items.push({ level: 'error', path: formatPath(path), message });
  }

  warning(path: readonly PathPart[], message: string): void {
    this.items.push({ level: 'warning', path: formatPath(path), message });
  }
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.level === 'error');
}

/** One line per problem, `error   spec.components[0].name: message`, for logs and replies. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((p) => `${p.level.padEnd(7)} ${p.path || '(root)'}: ${p.message}`).join('\n');
}
