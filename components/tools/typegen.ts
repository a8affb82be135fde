import { types } from '@bytecodealliance/jco';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ComponentBuildError, errorText } from './errors.js';
import { allowWitReads } from './wit-reads.js';

export interface GeneratedTypes {
  /** Every .d.ts written (one per interface plus the world's). */
  files: string[];
  /** The ambient module name jco gives the world, e.g. `lattice:kv-counter/kv-counter`. */
  worldModule: string;
}

/**
 * Writes TypeScript declarations for a world's imports and exports (jco `types`, guest side)
 * into OUT_DIR, so that `import { open } from 'wasi:keyvalue/store@0.2.0-draft'` type-checks.
 * jco parses the whole WIT package here, so WIT mistakes surface at this step.
 */
export async function generateTypes(witDir: string, world: string, outDir: string): Promise<GeneratedTypes> {
  await allowWitReads();
  let generated: Record<string, Uint8Array>;
  try {
    generated = await types(witDir, { worldName: world, guest: true, name: world });
  } catch (cause) {
    throw new ComponentBuildError('wit', `WIT error for world "${world}":\n${errorText(cause)}`, { cause });
  }
  await rm(outDir, { recursive: true, force: true });
  const files: string[] = [];
  let worldModule: string | undefined;
  const decoder = new TextDecoder();
  for (const [name, bytes] of Object.entries(generated)) {
    const path = join(outDir, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
    files.push(path);
    if (!name.startsWith('interfaces/')) {
      const modules = [...decoder.decode(bytes).matchAll(/declare module '([^']+)'/g)].map((m) => m[1]);
      worldModule = modules.at(-1);
    }
  }
  if (!worldModule) throw new ComponentBuildError('types', `jco produced no declaration for world "${world}"`);
  return { files, worldModule };
}
