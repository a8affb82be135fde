import { lstat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Name-to-path rules of the filesystem backend. Everything stays under the configured root:
 * container names are one path segment, object names are '/'-separated segments, and no segment
 * may be empty, '.', '..', or hold a NUL. Symlinks are never followed (a link inside the root could
 * point anywhere): any symlink met on the way to an object refuses the operation.
 */

/** Directory under the root where writes are staged before an atomic rename. */
export const STAGING_DIR = '.lattice-tmp';

export class PathRefused extends Error {}

/** Checks a container name; returns the refusal text or null. */
export function containerNameProblem(name: string): string | null {
  if (name === '') return 'container name must not be empty';
  if (name.includes('/') || name.includes('\\')) return `container name ${JSON.stringify(name)} must not contain a path separator`;
  if (name.includes('\0')) return 'container name must not contain NUL';
  if (name === '.' || name === '..') return `container name ${JSON.stringify(name)} is refused`;
  // Dot names are reserved for the backend's own files (the staging directory).
  if (name.startsWith('.')) return `container name ${JSON.stringify(name)} must not start with "."`;
  return null;
}

/** Splits an object name into path segments; throws PathRefused naming the problem. */
export function objectSegments(name: string): string[] {
  if (name === '') throw new PathRefused('object name must not be empty');
  if (name.startsWith('/')) throw new PathRefused(`object name ${JSON.stringify(name)} is absolute`);
  if (name.includes('\0')) throw new PathRefused('object name must not contain NUL');
  const segments = name.split('/');
  for (const s of segments) {
    if (s === '' || s === '.' || s === '..') {
      throw new PathRefused(`object name ${JSON.stringify(name)} has a "${s || '//'}" segment`);
    }
  }
  return segments;
}

type Kind = 'missing' | 'file' | 'dir' | 'symlink' | 'other';

export async function kindOf(path: string): Promise<Kind> {
  try {
    const st = await lstat(path);
    if (st.isSymbolicLink()) return 'symlink';
    if (st.isDirectory()) return 'dir';
    if (st.isFile()) return 'file';
    return 'other';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
}

/**
 * The path of `object` in container directory `dir`, checked segment by segment. With `create`,
 * missing parent directories are made (only after checking that what exists is no symlink).
 * Returns the path and what is there now.
 */
export async function objectPath(dir: string, object: string, create: boolean): Promise<{ path: string; kind: Kind }> {
  const segments = objectSegments(object);
  let path = dir;
  for (let i = 0; i < segments.length; i++) {
    path = join(path, segments[i]);
    const kind = await kindOf(path);
    if (kind === 'symlink') throw new PathRefused(`object ${JSON.stringify(object)} crosses a symlink; symlinks are not followed`);
    const last = i === segments.length - 1;
    if (last) return { path, kind };
    if (kind === 'missing') {
      if (!create) return { path: join(dir, ...segments), kind: 'missing' };
      await mkdir(path);
    } else if (kind !== 'dir') {
      throw new PathRefused(`object ${JSON.stringify(object)}: ${segments.slice(0, i + 1).join('/')} is not a directory`);
    }
  }
  throw new PathRefused('unreachable');
}
