import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * A per-component build lock shared by every process on the machine. Two builds of the same
 * component at once (two `lattice build` in two terminals, or test files running in parallel)
 * would otherwise stage WIT into the same work folder and delete each other's files mid-build.
 * With the lock the second build waits, then finds the first one's stamp fresh and skips the
 * ~10 s, ~0.8 GB componentize step instead of repeating it.
 *
 * The lock file holds the owner's pid; a lock whose owner is gone (killed build) is taken over.
 */
export interface BuildLockOptions {
  pollMs?: number;
  /** Called once when the lock is held by another live process. */
  onWait?: (ownerPid: number) => void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function ownerOf(lockPath: string): Promise<number | null> {
  const text = await readFile(lockPath, 'utf8').catch(() => null);
  if (text === null) return null;
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

async function tryAcquire(lockPath: string): Promise<boolean> {
  try {
    const handle = await open(lockPath, 'wx');
    try {
      await handle.writeFile(String(process.pid));
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Runs FN while holding the lock at LOCK_PATH; releases it however FN ends. */
export async function withBuildLock<T>(lockPath: string, fn: () => Promise<T>, options: BuildLockOptions = {}): Promise<T> {
  const pollMs = options.pollMs ?? 200;
  await mkdir(dirname(lockPath), { recursive: true });
  let announced = false;
  for (;;) {
    if (await tryAcquire(lockPath)) break;
    const owner = await ownerOf(lockPath);
    // A file being written has no pid yet: treat it as held and look again shortly.
    if (owner !== null && owner !== process.pid && !isAlive(owner)) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (!announced && owner !== null) {
      announced = true;
      options.onWait?.(owner);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  try {
    return await fn();
  } finally {
    await rm(lockPath, { force: true });
  }
}
