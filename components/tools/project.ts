import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ComponentBuildError, errorText } from './errors.js';

/** The file that makes a directory a lattice component project. */
export const PROJECT_FILE = 'lattice.json';

const ComponentEntrySchema = z.strictObject({
  /** Output name: build/NAME.wasm. */
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes'),
  /** The TypeScript (or JavaScript) entry module, relative to the project. */
  entry: z.string().min(1),
  /** The world in the project's WIT package that this component targets. */
  world: z.string().min(1),
  /**
   * StarlingMonkey features to leave out. By default `http` is left out when the world neither
   * exports nor imports wasi:http, so that non-HTTP components do not import wasi:http.
   */
  disableFeatures: z.array(z.enum(['stdio', 'random', 'clocks', 'http', 'fetch-event'])).optional(),
});

const ProjectFileSchema = z.strictObject({
  $schema: z.string().optional(),
  /** Folder holding the project's WIT package (world.wit and optional deps/). */
  wit: z.string().default('wit'),
  /** Folder where components are written. */
  out: z.string().default('build'),
  components: z.array(ComponentEntrySchema).min(1),
});

export type ComponentEntry = z.infer<typeof ComponentEntrySchema>;

/** A loaded project with absolute paths. */
export interface ComponentProject {
  dir: string;
  witDir: string;
  outDir: string;
  /** Scratch space for staged WIT, generated types and bundles (gitignored). */
  workDir: string;
  components: ComponentEntry[];
}

/** Reads and validates DIR/lattice.json; every problem is reported in one error. */
export async function loadProject(dir: string): Promise<ComponentProject> {
  const root = resolve(dir);
  const file = join(root, PROJECT_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new ComponentBuildError('config', `${file}: cannot read the project file (${errorText(cause)}); is ${root} a component project?`, { cause });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new ComponentBuildError('config', `${file}: invalid JSON: ${errorText(cause)}`, { cause });
  }
  const parsed = ProjectFileSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ComponentBuildError('config', `${file}: invalid project file:\n${problems.join('\n')}`);
  }
  const names = parsed.data.components.map((c) => c.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new ComponentBuildError('config', `${file}: component name "${duplicate}" is used twice`);
  return {
    dir: root,
    witDir: join(root, parsed.data.wit),
    outDir: join(root, parsed.data.out),
    workDir: join(root, '.lattice'),
    components: parsed.data.components,
  };
}
