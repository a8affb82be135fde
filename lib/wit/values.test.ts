import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WitLibrary } from './library.js';
import { fromJson, readable, readableArgs } from './values.js';

const WIT = `
package acme:shop@1.2.0;

interface orders {
  use types.{money};
  enum status { open, shipped }
  flags options { gift, express-delivery }
  variant outcome { placed(u64), refused(string), none }
  record order { item-name: string, count: u32, total: money, note: option<string>, tags: list<string> }
  place: func(order: order, opts: options) -> result<outcome, string>;
  /// A resource with a method.
  resource cart {
    constructor(owner: string);
    add: func(item: string) -> u32;
  }
}

interface types {
  type money = u64;
}

world shop { export orders; }
`;

describe('WIT values', () => {
  it('parses interfaces and turns JSON into the values jco takes, and values back into readable JSON', () => {
    const lib = new WitLibrary().addText(WIT);
    const found = lib.func('acme:shop/orders@1.2.0', 'place');
    assert.ok(found);
    assert.equal(found.iface.version, '1.2.0');
    assert.deepEqual(
      found.fn.params.map((p) => p.name),
      ['order', 'opts'],
    );
    assert.ok(lib.func('acme:shop/orders', '[method]cart.add'));
    assert.ok(lib.func('acme:shop/orders', '[constructor]cart'));

    const [orderType, optsType] = found.fn.params.map((p) => p.type);
    const order = fromJson(lib, found.iface, orderType!, { 'item-name': 'tea', count: 2, total: '12000000000', note: null, tags: ['a'] }, 'order');
    assert.deepEqual(order, { itemName: 'tea', count: 2, total: 12000000000n, note: undefined, tags: ['a'] });
    assert.deepEqual(fromJson(lib, found.iface, optsType!, ['express-delivery'], 'opts'), { gift: false, expressDelivery: true });
    assert.throws(
      () => fromJson(lib, found.iface, orderType!, { 'item-name': 'tea', count: 1.5, total: 1, note: null, tags: [] }, 'order'),
      /order\.count: expected an integer \(u32\)/,
    );
    assert.throws(
      () => fromJson(lib, found.iface, orderType!, { 'item-name': 'tea', count: 1, total: 1, note: null, tags: [], extra: 1 }, 'order'),
      /unknown field\(s\) extra/,
    );

    assert.deepEqual(readableArgs(lib, found.iface, found.fn, [order, { gift: true, expressDelivery: false }]), {
      order: { 'item-name': 'tea', count: 2, total: 12000000000, note: null, tags: ['a'] },
      opts: ['gift'],
    });
    const result = found.fn.result!;
    assert.equal(result.kind, 'result');
    assert.deepEqual(readable(lib, found.iface, result, { tag: 'ok', val: { tag: 'placed', val: 7n } }), { ok: { placed: 7 } });
    assert.deepEqual(readable(lib, found.iface, result, { tag: 'ok', val: { tag: 'none' } }), { ok: 'none' });
    assert.deepEqual(readable(lib, found.iface, { kind: 'list', of: { kind: 'prim', name: 'u8' } }, new TextEncoder().encode('hi')), { bytes: 2, text: 'hi' });
  });

  it('reads the WIT packages this repository ships', async () => {
    const lib = await WitLibrary.load();
    const get = lib.func('wasi:keyvalue/store@0.2.0-draft', '[method]bucket.get');
    assert.ok(get);
    assert.deepEqual(
      get.fn.params.map((p) => p.name),
      ['self', 'key'],
    );
    const error = get.fn.result?.kind === 'result' ? get.fn.result.err : null;
    assert.deepEqual(readable(lib, get.iface, error, { tag: 'other', val: 'boom' }), { other: 'boom' });
    assert.ok(lib.func('wasi:http/incoming-handler', 'handle'));
  });
});
