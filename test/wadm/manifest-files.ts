/**
 * Where the wadm tests (and bench/wadm-plan.ts) get manifest files:
 * - the project's fixtures, `test/wadm/fixtures/manifests/{valid,invalid}/`, part of the
 *   repository, so every test that needs a manifest file passes in a bare clone;
 * - the optional compatibility corpus: manifests written by the wasmCloud project (wadm's test
 *   fixtures, wasmCloud's examples), kept outside the repository. Found through
 *   `LATTICE_MANIFEST_CORPUS=DIR`, else in `manifests/` of a `shared/` folder beside the
 *   repository when there is one. The tests that read it skip, with the reason, when it is absent.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** A parsed manifest document: YAML of any shape, which tests edit before putting it. */
export type ManifestDoc = Record<string, any>;
export type ManifestKind = 'valid' | 'invalid';

/** dist/test/wadm -> the repository root (the YAML files are not copied into dist/). */
export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const FIXTURES_DIR = join(REPO_ROOT, 'test', 'wadm', 'fixtures', 'manifests');

export function fixturePath(kind: ManifestKind, file: string): string {
  return join(FIXTURES_DIR, kind, file);
}

export function fixtureText(kind: ManifestKind, file: string): string {
  return readFileSync(fixturePath(kind, file), 'utf8');
}

/** A fresh parsed copy of a fixture on every call (tests edit them). */
export function fixture(kind: ManifestKind, file: string): ManifestDoc {
  return parse(fixtureText(kind, file)) as ManifestDoc;
}

export function fixtureFiles(kind: ManifestKind): string[] {
  return yamlFiles(join(FIXTURES_DIR, kind));
}

export const CORPUS_ENV = 'LATTICE_MANIFEST_CORPUS';
/** The default place of the corpus: beside the repository, as CI checks it out. */
export const DEFAULT_CORPUS_DIR = resolve(REPO_ROOT, '..', 'shared', 'manifests');

/** The corpus found, or why there is none (the reason a skipped test reports). */
export type Corpus = { dir: string; reason: null } | { dir: null; reason: string };

export class CorpusConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorpusConfigError';
  }
}

function isCorpus(dir: string): boolean {
  return ['valid', 'invalid'].every((sub) => existsSync(join(dir, sub)) && statSync(join(dir, sub)).isDirectory());
}

/**
 * The compatibility corpus, if there is one. An explicit `LATTICE_MANIFEST_CORPUS` that does not
 * point at a corpus (a folder with `valid/` and `invalid/`) is an error, not a skip: whoever set
 * it expects the suite to run.
 */
export function manifestCorpus(env: NodeJS.ProcessEnv = process.env): Corpus {
  const given = env[CORPUS_ENV];
  if (given) {
    const dir = isAbsolute(given) ? given : resolve(given);
    if (!isCorpus(dir)) throw new CorpusConfigError(`${CORPUS_ENV}=${given}: ${dir} is not a manifest corpus (a folder with valid/ and invalid/)`);
    return { dir, reason: null };
  }
  if (isCorpus(DEFAULT_CORPUS_DIR)) return { dir: DEFAULT_CORPUS_DIR, reason: null };
  return {
    dir: null,
    reason: `no manifest compatibility corpus: ${CORPUS_ENV} is not set and ${DEFAULT_CORPUS_DIR} does not exist`,
  };
}

export function corpusFiles(dir: string, kind: ManifestKind): string[] {
  return yamlFiles(join(dir, kind));
}

export function corpusText(dir: string, kind: ManifestKind, file: string): string {
  return readFileSync(join(dir, kind, file), 'utf8');
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
}
