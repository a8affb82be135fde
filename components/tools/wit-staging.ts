import { cp, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ComponentBuildError, errorText } from './errors.js';
import { PLATFORM_WIT_DEPS } from './paths.js';

/**
 * Lays out the WIT a build reads: the project's own package (its top-level .wit files) plus a
 * deps/ folder holding every platform package and, on top, the project's own wit/deps/*.
 * Projects therefore reference `wasi:keyvalue/store@0.2.0-draft` without vendoring anything.
 * Returns the staged folder (PROJECT/.lattice/wit).
 */
export async function stageWit(projectWitDir: string, workDir: string): Promise<string> {
  const staged = join(workDir, 'wit');
  await rm(staged, { recursive: true, force: true });
  await mkdir(join(staged, 'deps'), { recursive: true });
  let entries: string[];
  try {
    entries = await readdir(projectWitDir);
  } catch (cause) {
    throw new ComponentBuildError('wit', `cannot read the WIT folder ${projectWitDir}: ${errorText(cause)}`, { cause });
  }
  const witFiles = entries.filter((e) => e.endsWith('.wit'));
  if (witFiles.length === 0) throw new ComponentBuildError('wit', `${projectWitDir} holds no .wit file (expected world.wit)`);
  for (const file of witFiles) await cp(join(projectWitDir, file), join(staged, file));
  await cp(PLATFORM_WIT_DEPS, join(staged, 'deps'), { recursive: true });
  if (entries.includes('deps') && (await stat(join(projectWitDir, 'deps'))).isDirectory()) {
    await cp(join(projectWitDir, 'deps'), join(staged, 'deps'), { recursive: true, force: true });
  }
  return staged;
}

/** The text of the project's top-level WIT files, for deciding StarlingMonkey features. */
export async function readProjectWit(projectWitDir: string): Promise<string> {
  const entries = (await readdir(projectWitDir)).filter((e) => e.endsWith('.wit')).sort();
  const texts = await Promise.all(entries.map((e) => readFile(join(projectWitDir, e), 'utf8')));
  return texts.join('\n');
}

/**
 * The body of `world NAME { ... }` in WIT text, or null. Good enough for the feature decision
 * (WIT worlds do not nest braces except in inline interfaces, which we do not look inside).
 */
export function worldBody(witText: string, world: string): string | null {
  const start = new RegExp(`\\bworld\\s+${world.replace(/[-]/g, '\\-')}\\s*\\{`).exec(witText);
  if (!start) return null;
  let depth = 1;
  let i = start.index + start[0].length;
  for (; i < witText.length && depth > 0; i++) {
    if (witText[i] === '{') depth++;
    else if (witText[i] === '}') depth--;
  }
  return witText.slice(start.index + start[0].length, i - 1);
}
