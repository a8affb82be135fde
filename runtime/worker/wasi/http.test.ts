import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutgoingBody } from './http-body.js';
import { Fields } from './http-fields.js';
import { IncomingRequest, OutgoingResponse, ResponseOutparam } from './http-incoming.js';
import { beginInvocation } from '../invocation-state.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('in-process wasi:http types', () => {
  it('fields: case-insensitive names, multiple values, syntax checks', () => {
    const f = Fields.fromList([['Content-Type', bytes('text/plain')]]);
    f.append('x-tag', bytes('a'));
    f.append('X-Tag', bytes('b'));
    assert.deepEqual(f.get('x-tag').map(str), ['a', 'b']);
    assert.equal(f.has('content-type'), true);
    assert.throws(
      () => f.append('bad name', bytes('v')),
      (e: unknown) => (e as { tag: string }).tag === 'invalid-syntax',
    );
    f.delete('x-tag');
    assert.deepEqual(f.toPairs(), [['content-type', 'text/plain']]);
  });

  it('request headers are immutable; the body can be consumed once', () => {
    const req = new IncomingRequest({ method: 'POST', pathWithQuery: '/p?q=1', headers: { 'X-A': '1' }, body: 'payload' });
    assert.deepEqual(req.method(), { tag: 'post' });
    assert.equal(req.pathWithQuery(), '/p?q=1');
    assert.throws(
      () => req.headers().set('x-a', [bytes('2')]),
      (e: unknown) => (e as { tag: string }).tag === 'immutable',
    );
    const stream = req.consume().stream();
    assert.equal(str(stream.read(100n)), 'payload');
    assert.throws(
      () => stream.read(1n),
      (e: unknown) => (e as { tag: string }).tag === 'closed',
    );
    assert.throws(() => req.consume());
  });

  it('a response collects its body up to the limit', () => {
    beginInvocation().bodyLimit = 8;
    const res = new OutgoingResponse(new Fields());
    res.setStatusCode(201);
    assert.throws(() => res.setStatusCode(42));
    const body = res.body();
    const out = body.write();
    out.write(bytes('12345'));
    assert.throws(
      () => out.write(bytes('6789')),
      (e: unknown) => (e as { tag: string }).tag === 'closed',
    );
    OutgoingBody.finish(body, undefined);
    assert.equal(res.collected?.collector.overflowed, true);
    assert.equal(str(res.collected!.collector.bytes()), '12345');
    const param = new ResponseOutparam();
    ResponseOutparam.set(param, { tag: 'ok', val: res });
    assert.throws(() => ResponseOutparam.set(param, { tag: 'ok', val: res }), /called twice/);
  });
});
