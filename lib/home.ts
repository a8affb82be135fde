/**
 * The lattice home directory of this machine (`LATTICE_DATA_DIR`, else `~/.lattice`): CLI
 * contexts, registry logins, keys, and the OCI artifact cache that every host on the machine
 * shares. Files here are written atomically and, when they hold credentials, readable by their
 * owner only.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export function latticeHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.LATTICE_DATA_DIR ?? join(homedir(), '.lattice');
}

let counter = 0;

/**
 * Write-then-rename: readers (other hosts, other CLI runs) see the old file or the new one, never
 * a partial write. `mode` 0o600 for files that hold secrets.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, mode = 0o644): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${Date.now()}.${counter++}.tmp`;
  await writeFile(tmp, data, { mode });
  await rename(tmp, path);
}
