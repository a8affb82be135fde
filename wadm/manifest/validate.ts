import { parseAllDocuments } from 'yaml';
import { checkComponents, checkConfigs, checkSecrets } from './component-checks.js';
import { checkCanaryPolicy } from './canary-policy.js';
import { checkLinks } from './link-checks.js';
import { checkMetadata } from './metadata-checks.js';
import { normalizeManifest, type AppManifest } from './model.js';
import { hasErrors, ProblemList, type Problem } from './problems.js';
import { asMap, asString, rawComponents } from './raw-view.js';
import { ManifestInput } from './schema.js';
import { addZodIssues } from './zod-issues.js';

export interface ValidationResult {
  /** True when there is no error (warnings allowed). */
  valid: boolean;
  /** Every problem found, errors and warnings, in the order the checks found them. */
  problems: Problem[];
  /** The canonical manifest when valid, else null. */
  manifest: AppManifest | null;
}

/**
 * Validates a parsed manifest (from YAML or JSON) and returns every problem at once. The schema
 * (unknown keys, types, required fields) and the semantic checks (names, ids, links, scalers,
 * config, secrets, deprecated forms) both always run, so fixing one problem never reveals
 * another that was already there.
 *
 * @example
 *   const { valid, problems, manifest } = validateManifest(YAML.parse(text));
 */
export function validateManifest(raw: unknown): ValidationResult {
  const problems = new ProblemList();
  const parsed = ManifestInput.safeParse(raw);
  if (!parsed.success) addZodIssues(problems, raw, parsed.error.issues);

  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const app = asString(asMap(asMap(raw).metadata).name) ?? '';
    const components = rawComponents(raw);
    checkMetadata(raw, problems);
    checkComponents(app, components, problems);
    checkConfigs(app, components, problems);
    checkSecrets(raw, components, problems);
    checkLinks(components, problems);
    checkCanaryPolicy(raw, problems);
  }

  const list = dedupe(problems.items);
  const valid = parsed.success && !hasErrors(list);
  return { valid, problems: list, manifest: valid ? normalizeManifest(parsed.data) : null };
}

/** Parses manifest text: YAML or JSON (JSON is YAML). Syntax errors come back as problems. */
export function parseManifestText(text: string): { raw: unknown; problems: Problem[] } {
  const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const problems: Problem[] = [];
  for (const doc of list) {
    for (const e of doc.errors) {
      const where = e.linePos?.[0] ? ` (line ${e.linePos[0].line}, column ${e.linePos[0].col})` : '';
      problems.push({ level: 'error', path: '', message: `not valid YAML/JSON${where}: ${e.message.split('\n')[0]}` });
    }
  }
  const nonEmpty = list.filter((d) => d.contents !== null);
  if (problems.length === 0 && nonEmpty.length === 0) {
    problems.push({ level: 'error', path: '', message: 'the file is empty' });
  }
  if (problems.length === 0 && nonEmpty.length > 1) {
    problems.push({ level: 'error', path: '', message: `found ${nonEmpty.length} YAML documents: a file holds one manifest` });
  }
  return { raw: problems.length === 0 ? nonEmpty[0]!.toJS() : undefined, problems };
}

/** Parses and validates manifest text in one step. */
export function validateManifestText(text: string): ValidationResult {
  const { raw, problems } = parseManifestText(text);
  if (problems.length > 0) return { valid: false, problems, manifest: null };
  return validateManifest(raw);
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.level}|${p.path}|${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
