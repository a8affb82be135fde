import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KeyValueBackend, KeyValueBucket, KvResult } from '../../providers/keyvalue/backends/types.js';

/** What a backend's test file provides to the shared contract. */
export interface KvFixture {
  /** A backend with list-keys pages of `pageSize` keys (SCAN-based ones treat it as a hint). */
  open(opts: { pageSize: number }): Promise<KeyValueBackend>;
  /** A backend that must refuse unknown buckets with no-such-store; null when the store has no buckets to miss. */
  openStrict: (() => Promise<KeyValueBackend>) | null;
  /** A bucket name unique to this run. */
  bucket(suffix: string): string;
  dispose(): Promise<void>;
}

export function unwrap<T>(result: KvResult<T>): T {
  if (result.tag === 'err') assert.fail(`expected ok, got ${JSON.stringify(result.val)}`);
  return result.val;
}

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

/** The contract every keyvalue backend satisfies; each backend's test file runs it. */
export function keyvalueContract(name: string, setup: () => Promise<KvFixture>): void {
  describe(`keyvalue contract: ${name}`, () => {
    let fx: KvFixture;
    const backends: KeyValueBackend[] = [];
    const open = async (pageSize = 10) => {
      const b = await fx.open({ pageSize });
      backends.push(b);
      return b;
    };
    const bucket = async (suffix: string, backend?: KeyValueBackend): Promise<KeyValueBucket> =>
      unwrap(await (backend ?? (await open())).open(fx.bucket(suffix)));

    before(async () => {
      fx = await setup();
    });
    after(async () => {
      await Promise.all(backends.map((b) => b.close()));
      await fx?.dispose();
    });

    it('get answers null for an absent key; set, exists and delete behave as the WIT says', async () => {
      const b = await bucket('crud');
      assert.equal(unwrap(await b.get('missing')), null);
      assert.equal(unwrap(await b.exists('missing')), false);
      unwrap(await b.set('k', text('v1')));
      assert.equal(str(unwrap(await b.get('k'))), 'v1');
      assert.equal(unwrap(await b.exists('k')), true);
      unwrap(await b.set('k', text('v2')));
      assert.equal(str(unwrap(await b.get('k'))), 'v2');
      unwrap(await b.delete('k'));
      assert.equal(unwrap(await b.get('k')), null);
      assert.equal(unwrap(await b.exists('k')), false);
      unwrap(await b.delete('never-there'));
    });

    it('keeps binary values byte for byte, including the empty value', async () => {
      const b = await bucket('binary');
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      unwrap(await b.set('all-bytes', all));
      unwrap(await b.set('empty', new Uint8Array(0)));
      assert.deepStrictEqual(unwrap(await b.get('all-bytes')), all);
      assert.deepStrictEqual(unwrap(await b.get('empty')), new Uint8Array(0));
      assert.equal(unwrap(await b.exists('empty')), true);
    });

    it('accepts any string as a key and lists it back unchanged', async () => {
      const b = await bucket('keys');
      const keys = ['user:1', 'a b', 'ünïcödé', '.lead', 'trail.', 'a..b', '=', '=41', 'x/y', 'k*?[', ''];
      for (const k of keys) unwrap(await b.set(k, text(`v-${k}`)));
      for (const k of keys) assert.equal(str(unwrap(await b.get(k))), `v-${k}`, `key ${JSON.stringify(k)}`);
      const listed = new Set<string>();
      let cursor: bigint | null = null;
      do {
        const page: { keys: string[]; cursor: bigint | null } = unwrap(await b.listKeys(cursor));
        page.keys.forEach((k) => listed.add(k));
        cursor = page.cursor;
      } while (cursor !== null);
      assert.deepEqual([...listed].sort(), [...keys].sort());
    });

    it('pages list-keys with a cursor until it is null', async () => {
      const b = await bucket('paging');
      const keys = Array.from({ length: 25 }, (_, i) => `key-${String(i).padStart(2, '0')}`);
      unwrap(await b.setMany(keys.map((k) => [k, text(k)])));
      const seen = new Set<string>();
      let pages = 0;
      let cursor: bigint | null = null;
      do {
        const page: { keys: string[]; cursor: bigint | null } = unwrap(await b.listKeys(cursor));
        page.keys.forEach((k) => seen.add(k));
        cursor = page.cursor;
        pages++;
        assert.ok(pages < 100, 'list-keys must terminate');
      } while (cursor !== null);
      assert.deepEqual([...seen].sort(), keys);
    });

    it('keeps buckets apart', async () => {
      const backend = await open();
      const a = await bucket('iso-a', backend);
      const b = await bucket('iso-b', backend);
      unwrap(await a.set('shared-name', text('in a')));
      assert.equal(unwrap(await b.get('shared-name')), null);
      assert.deepEqual(unwrap(await b.listKeys(null)).keys, []);
    });

    it('increments atomically from zero, stores decimal text, refuses non-numbers', async () => {
      const b = await bucket('incr');
      assert.equal(unwrap(await b.increment('c', 1n)), 1n);
      assert.equal(unwrap(await b.increment('c', 41n)), 42n);
      assert.equal(str(unwrap(await b.get('c'))), '42');
      unwrap(await b.set('c', text('100')));
      assert.equal(unwrap(await b.increment('c', 5n)), 105n);
      unwrap(await b.delete('c'));
      assert.equal(unwrap(await b.increment('c', 3n)), 3n);
      unwrap(await b.set('word', text('hello')));
      const bad = await b.increment('word', 1n);
      assert.equal(bad.tag, 'err');
      assert.equal(bad.tag === 'err' && bad.val.tag, 'other');
      assert.equal(str(unwrap(await b.get('word'))), 'hello');
    });

    it('loses no update when two clients increment the same key concurrently', async () => {
      const name = 'race';
      const one = await bucket(name, await open());
      const two = await bucket(name, await open());
      const per = 40;
      const results = await Promise.all([
        ...Array.from({ length: per }, () => one.increment('hits', 1n)),
        ...Array.from({ length: per }, () => two.increment('hits', 1n)),
      ]);
      const values = results.map(unwrap).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
      // Every increment saw a distinct value: no two read-modify-writes interleaved.
      assert.deepEqual(
        values,
        Array.from({ length: 2 * per }, (_, i) => BigInt(i + 1)),
      );
      assert.equal(str(unwrap(await one.get('hits'))), String(2 * per));
    });

    it('batch: set-many, get-many (null where absent, in key order), delete-many', async () => {
      const b = await bucket('batch');
      unwrap(
        await b.setMany([
          ['a', text('1')],
          ['b', text('2')],
          ['c', text('3')],
        ]),
      );
      const got = unwrap(await b.getMany(['c', 'missing', 'a']));
      assert.deepEqual(
        got.map((e) => (e === null ? null : [e[0], str(e[1])])),
        [['c', '3'], null, ['a', '1']],
      );
      unwrap(await b.deleteMany(['a', 'c', 'missing']));
      assert.deepEqual(
        unwrap(await b.getMany(['a', 'b', 'c'])).map((e) => e?.[0] ?? null),
        [null, 'b', null],
      );
      assert.deepEqual(unwrap(await b.getMany([])), []);
      unwrap(await b.setMany([]));
      unwrap(await b.deleteMany([]));
    });

    it('answers no-such-store for an unknown bucket when it may not create one', async (t) => {
      if (!fx.openStrict) {
        t.skip('this store has no buckets that could be missing');
        return;
      }
      const strict = await fx.openStrict();
      backends.push(strict);
      assert.deepEqual(await strict.open(fx.bucket('never-created')), { tag: 'err', val: { tag: 'no-such-store' } });
    });
  });
}
