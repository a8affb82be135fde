import { constants, createWriteStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, realpath, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import { containerNameProblem, kindOf, objectPath, PathRefused, STAGING_DIR } from './fs-paths.js';
import { checkRange, chunksOf, fail, guard, ok, toSeconds, type BlobContainer, type BlobResult, type BlobstoreBackend, type ObjectId } from './types.js';

export interface FsBackendOptions {
  /** Directory holding one subdirectory per container; created if missing. */
  root: string;
}

/**
 * Backend on a local directory: a container is a directory under the root, an object a file
 * (names with '/' become subdirectories). Confined to the root: see fs-paths.ts. Writes go to a
 * staging file and are renamed into place, so a reader never sees half an object.
 */
export async function createFsBackend(options: FsBackendOptions): Promise<BlobstoreBackend> {
  await mkdir(options.root, { recursive: true });
  const root = await realpath(options.root);
  const staging = join(root, STAGING_DIR);
  await mkdir(staging, { recursive: true });

  /** The container's directory, or the error text (bad name, missing, or a symlink). */
  const containerDir = async (name: string, mustExist = true): Promise<BlobResult<string>> => {
    const problem = containerNameProblem(name);
    if (problem) return fail(problem);
    const dir = join(root, name);
    const kind = await kindOf(dir);
    if (kind === 'symlink') return fail(`container ${JSON.stringify(name)} is a symlink; symlinks are not followed`);
    if (mustExist && kind !== 'dir') return fail(`container ${JSON.stringify(name)} does not exist`);
    return ok(dir);
  };

  const op = <T>(what: string, fn: () => Promise<BlobResult<T>>): Promise<BlobResult<T>> =>
    guard(what, async () => {
      try {
        return await fn();
      } catch (error) {
        if (error instanceof PathRefused) return fail(error.message);
        throw error;
      }
    });

  /** Removes now-empty directories between an object's old place and its container. */
  const prune = async (dir: string, from: string) => {
    for (let d = dirname(from); d !== dir && d.startsWith(dir); d = dirname(d)) {
      try {
        await rmdir(d);
      } catch {
        return; // not empty (or gone): stop climbing
      }
    }
  };

  const stagePath = () => join(staging, randomUUID());

  const container = (name: string, dir: string): BlobContainer => ({
    name,
    info: () =>
      op('info', async () => {
        const st = await stat(dir);
        return ok({ name, createdAt: toSeconds(st.birthtimeMs > 0 ? st.birthtimeMs : st.mtimeMs) });
      }),
    read: (object, start = 0n, end = 2n ** 64n - 1n) =>
      op(`read ${object}`, async (): Promise<BlobResult<AsyncIterable<Uint8Array>>> => {
        const bad = checkRange(start, end);
        if (bad) return fail(bad);
        const { path, kind } = await objectPath(dir, object, false);
        if (kind !== 'file') return fail(`object ${JSON.stringify(object)} does not exist in ${JSON.stringify(name)}`);
        // O_NOFOLLOW closes the gap between the check above and the open for the last segment.
        const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
        const size = BigInt((await handle.stat()).size);
        if (start >= size) {
          await handle.close();
          return ok((async function* () {})());
        }
        const last = end < size ? end : size - 1n;
        const stream = handle.createReadStream({ start: Number(start), end: Number(last), autoClose: true });
        return ok(toUint8Chunks(stream));
      }),
    write: (object, body) =>
      op(`write ${object}`, async () => {
        const { path, kind } = await objectPath(dir, object, true);
        if (kind === 'dir' || kind === 'other') return fail(`object ${JSON.stringify(object)} names a directory`);
        const staged = stagePath();
        try {
          await pipeline(Readable.from(chunksOf(body)), createWriteStream(staged, { flags: 'wx' }));
          await rename(staged, path);
        } catch (error) {
          await unlink(staged).catch(() => undefined);
          throw error;
        }
        return ok(undefined);
      }),
    list: () =>
      op('list', async () => {
        const names: string[] = [];
        const walk = async (d: string) => {
          for (const entry of await readdir(d, { withFileTypes: true })) {
            const p = join(d, entry.name);
            if (entry.isDirectory()) await walk(p);
            else if (entry.isFile()) names.push(relative(dir, p).split('\\').join('/'));
            // symlinks and special files are not objects
          }
        };
        await walk(dir);
        return ok(names.sort());
      }),
    delete: (object) => op(`delete ${object}`, () => deleteObject(dir, object)),
    deleteMany: (objects) =>
      op('delete-objects', async () => {
        for (const o of objects) {
          const r = await deleteObject(dir, o);
          if (r.tag === 'err') return r;
        }
        return ok(undefined);
      }),
    has: (object) => op(`has ${object}`, async () => ok((await objectPath(dir, object, false)).kind === 'file')),
    objectInfo: (object) =>
      op(`info ${object}`, async () => {
        const { path, kind } = await objectPath(dir, object, false);
        if (kind !== 'file') return fail(`object ${JSON.stringify(object)} does not exist in ${JSON.stringify(name)}`);
        const st = await stat(path);
        return ok({
          name: object,
          container: name,
          createdAt: toSeconds(st.birthtimeMs > 0 ? st.birthtimeMs : st.mtimeMs),
          size: BigInt(st.size),
        });
      }),
    clear: () =>
      op('clear', async () => {
        for (const entry of await readdir(dir)) await rm(join(dir, entry), { recursive: true, force: true });
        return ok(undefined);
      }),
  });

  const deleteObject = async (dir: string, object: string): Promise<BlobResult<undefined>> => {
    const { path, kind } = await objectPath(dir, object, false);
    if (kind === 'missing') return ok(undefined);
    if (kind !== 'file') return fail(`object ${JSON.stringify(object)} is not a file`);
    await unlink(path);
    await prune(dir, path);
    return ok(undefined);
  };

  /** Shared by copy and move: both ends checked, the destination's directories made. */
  const ends = async (src: ObjectId, dest: ObjectId) => {
    const srcDir = await containerDir(src.container);
    if (srcDir.tag === 'err') return srcDir;
    const destDir = await containerDir(dest.container);
    if (destDir.tag === 'err') return destDir;
    const from = await objectPath(srcDir.val, src.object, false);
    if (from.kind !== 'file') return fail(`object ${JSON.stringify(src.object)} does not exist in ${JSON.stringify(src.container)}`);
    const to = await objectPath(destDir.val, dest.object, true);
    if (to.kind === 'dir' || to.kind === 'other') return fail(`object ${JSON.stringify(dest.object)} names a directory`);
    return ok({ from: from.path, to: to.path, srcDir: srcDir.val });
  };

  return {
    kind: 'fs',
    createContainer: (name) =>
      op(`create container ${name}`, async () => {
        const dir = await containerDir(name, false);
        if (dir.tag === 'err') return dir;
        await mkdir(dir.val, { recursive: true });
        return ok(container(name, dir.val));
      }),
    getContainer: (name) =>
      op(`get container ${name}`, async () => {
        const dir = await containerDir(name);
        return dir.tag === 'err' ? dir : ok(container(name, dir.val));
      }),
    deleteContainer: (name) =>
      op(`delete container ${name}`, async () => {
        const dir = await containerDir(name);
        if (dir.tag === 'err') return dir;
        await rm(dir.val, { recursive: true, force: true });
        return ok(undefined);
      }),
    containerExists: (name) =>
      op(`container exists ${name}`, async () => {
        const problem = containerNameProblem(name);
        if (problem) return fail(problem);
        return ok((await kindOf(join(root, name))) === 'dir');
      }),
    copyObject: (src, dest) =>
      op('copy object', async () => {
        const e = await ends(src, dest);
        if (e.tag === 'err') return e;
        const staged = stagePath();
        try {
          await copyFile(e.val.from, staged, constants.COPYFILE_EXCL);
          await rename(staged, e.val.to);
        } catch (error) {
          await unlink(staged).catch(() => undefined);
          throw error;
        }
        return ok(undefined);
      }),
    moveObject: (src, dest) =>
      op('move object', async () => {
        const e = await ends(src, dest);
        if (e.tag === 'err') return e;
        if (e.val.from !== e.val.to) {
          await rename(e.val.from, e.val.to);
          await prune(e.val.srcDir, e.val.from);
        }
        return ok(undefined);
      }),
    async close() {
      // nothing held open between calls
    },
  };
}

/** fs streams yield Buffers; WIT list<u8> is a plain Uint8Array (views, no copies). */
async function* toUint8Chunks(stream: AsyncIterable<Buffer>): AsyncIterable<Uint8Array> {
  for await (const chunk of stream) yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
