import type { z } from 'zod';
import type { ProblemList, PathPart } from './problems.js';

/** Reads the value at `path` in the raw input (undefined when any step is missing). */
export function valueAt(root: unknown, path: readonly PathPart[]): unknown {
  let current: unknown = root;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

type Issue = z.core.$ZodIssue;

/**
 * Turns zod's issues into problems with wording a manifest author understands: "unknown key",
 * "unknown trait type", "is required". Paths are absolute (`base` + the issue's own path).
 */
export function addZodIssues(problems: ProblemList, raw: unknown, issues: readonly Issue[], base: PathPart[] = []): void {
  for (const issue of issues) {
    const path = [...base, ...(issue.path as PathPart[])];
    const value = valueAt(raw, path);
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) problems.error([...path, key], `unknown key "${key}"`);
        break;
      case 'invalid_union': {
        if ('discriminator' in issue && issue.discriminator) {
          const what = path.at(-3) === 'traits' ? 'trait type' : path.at(-3) === 'components' ? 'component type' : 'type';
          const options = ((issue as { options?: unknown[] }).options ?? []).map(String).join(', ');
          const hint = value === 'linkdef' ? '; "linkdef" is the wadm 0.x name of "link"' : '';
          if (value === undefined) problems.error(path, `is required (one of: ${options})`);
          else problems.error(path, `unknown ${what} ${JSON.stringify(value)} (expected one of: ${options}${hint})`);
          break;
        }
        // A plain union (link `target`: string or map): report the branch that matches the shape
        // the author wrote, so a bad key inside the map form is named rather than "invalid input".
        const branch = issue.errors.find(
          (branchIssues) => !(branchIssues.length === 1 && branchIssues[0]!.code === 'invalid_type' && branchIssues[0]!.path.length === 0),
        );
        if (branch) addZodIssues(problems, raw, branch, path);
        else problems.error(path, `has the wrong shape: got ${describeValue(value)}`);
        break;
      }
      case 'invalid_type':
        if (value === undefined) problems.error(path, 'is required');
        else
          problems.error(
            path,
            `must be ${issue.expected === 'record' || issue.expected === 'object' ? 'a map' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}, got ${describeValue(value)}${issue.expected === 'string' && (typeof value === 'number' || typeof value === 'boolean') ? ' (quote it)' : ''}`,
          );
        break;
      case 'invalid_value':
        problems.error(path, `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${describeValue(value)}`);
        break;
      default:
        problems.error(path, issue.message);
    }
  }
}
