/**
 * `lattice new component NAME --template T`: creates a component project from one of the
 * example applications, renamed. The examples are the templates, so what a new project starts
 * from is exactly what `npm run build:examples` builds and the tests check.
 *
 *   await newComponentProject({ name: 'counter', template: 'kv-counter', parentDir: '.' });
 */
import { cp, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { ScaffoldError, errorText } from './errors.js';
import { EXAMPLES_DIR, GUEST_GLOBALS_DTS } from './paths.js';

/** Template name -> the example it copies. */
export const TEMPLATES = {
  'http-hello': 'http-hello',
  'kv-counter': 'kv-counter',
  blobstore: 'blobby',
  messaging: 'echo-messaging',
} as const;
export type TemplateName = keyof typeof TEMPLATES;
export const TEMPLATE_NAMES = Object.keys(TEMPLATES) as TemplateName[];

/** WIT identifiers: kebab-case words, each starting with a letter. */
const NAME_PATTERN = /^[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*$/;

/** What a project holds besides generated output (build/, .lattice/). */
const COPIED = ['lattice.json', 'wadm.yaml', 'README.md', 'wit', 'src'];

/** For editors: the same settings `lattice build` type-checks with, plus the generated types. */
const EDITOR_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'ESNext',
    moduleResolution: 'Bundler',
    lib: ['ES2022', 'ESNext.Disposable', 'DOM', 'DOM.Iterable'],
    types: [],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    allowImportingTsExtensions: true,
    isolatedModules: true,
  },
  include: ['src', '.lattice/*/types/**/*.d.ts'],
};

export interface NewComponentOptions {
  name: string;
  template: TemplateName;
  /** Where the project folder NAME is created (default: the current directory). */
  parentDir?: string;
}

export interface NewComponentResult {
  dir: string;
  files: string[];
}

function isTemplate(name: string): name is TemplateName {
  return Object.hasOwn(TEMPLATES, name);
}

async function listFiles(dir: string, out: string[] = []): Promise<string[]> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await listFiles(path, out);
    else out.push(path);
  }
  return out;
}

/** Replaces the example's name with the project's wherever it appears as a whole word. */
export function renameText(text: string, from: string, to: string): string {
  const escaped = from.replace(/[-]/g, '\\-');
  return text.replace(new RegExp(`(?<![a-z0-9-])${escaped}(?![a-z0-9])`, 'g'), to);
}

export async function newComponentProject(options: NewComponentOptions): Promise<NewComponentResult> {
  const { name, template } = options;
  if (!NAME_PATTERN.test(name)) {
    throw new ScaffoldError(`invalid component name "${name}": use lower-case words separated by dashes (e.g. my-counter)`);
  }
  if (!isTemplate(template)) {
    throw new ScaffoldError(`unknown template "${String(template)}" (templates: ${TEMPLATE_NAMES.join(', ')})`);
  }
  const dir = resolve(options.parentDir ?? process.cwd(), name);
  const existing = await readdir(dir).catch(() => null);
  if (existing && existing.length > 0) throw new ScaffoldError(`${dir} already exists and is not empty`);
  const example = TEMPLATES[template];
  const source = join(EXAMPLES_DIR, example);
  await mkdir(dir, { recursive: true });
  try {
    for (const item of COPIED) {
      const from = join(source, item);
      if (!(await stat(from).catch(() => null))) continue;
      await cp(from, join(dir, item), { recursive: true });
    }
    for (const file of await listFiles(dir)) {
      await writeFile(file, renameText(await readFile(file, 'utf8'), example, name));
    }
    await cp(GUEST_GLOBALS_DTS, join(dir, 'src', 'starlingmonkey.d.ts'));
    await writeFile(join(dir, 'tsconfig.json'), `${JSON.stringify(EDITOR_TSCONFIG, null, 2)}\n`);
    await writeFile(join(dir, '.gitignore'), 'build/\n.lattice/\n');
  } catch (cause) {
    throw new ScaffoldError(`cannot create ${dir} from template ${template}: ${errorText(cause)}`, { cause });
  }
  const files = (await listFiles(dir)).map((f) => relative(dir, f)).sort();
  return { dir, files };
}
