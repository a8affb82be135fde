import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WitError } from '../wit-error.js';
import { HIGH_WATER } from './flow.js';
import { ResponseBody, WorkerSources } from './in-process.js';

describe('in-process streams', () => {
  it('serve a worker reads of at most the length it asks, then closed', async () => {
    const sources = new WorkerSources();
    const id = sources.export(
      (async function* () {
        yield new Uint8Array([1, 2, 3]);
      })(),
    );
    assert.deepEqual([...(await sources.read(id, 2))], [1, 2]);
    assert.deepEqual([...(await sources.read(id, 2))], [3]);
    await assert.rejects(sources.read(id, 2), (e: unknown) => e instanceof WitError && (e.payload as { tag: string }).tag === 'closed');
    sources.release(id);
    assert.equal(sources.open, 0);
  });

  it('tell an unfinished producer to stop when released', async () => {
    const sources = new WorkerSources();
    let stopped = false;
    const id = sources.export(
      (async function* () {
        try {
          for (;;) yield new Uint8Array(1);
        } finally {
          stopped = true;
        }
      })(),
    );
    await sources.read(id, 1);
    sources.release(id);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(stopped, true);
  });

  it('hold a writer at the high-water mark until the reader drains below it', async () => {
    const body = new ResponseBody();
    body.push(new Uint8Array(HIGH_WATER));
    let released = false;
    const wait = body.drained().then(() => (released = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(released, false);
    const reader = body[Symbol.asyncIterator]();
    await reader.next();
    await wait;
    assert.equal(body.queuedBytes, 0);
    body.end();
    assert.equal((await reader.next()).done, true);
  });

  it('drop what the writer still sends once the reader gives up', async () => {
    const body = new ResponseBody();
    body.push(new Uint8Array(HIGH_WATER));
    const reader = body[Symbol.asyncIterator]();
    await reader.next();
    await reader.return?.();
    body.push(new Uint8Array(HIGH_WATER));
    assert.equal(body.queuedBytes, 0);
    await body.drained();
  });
});
