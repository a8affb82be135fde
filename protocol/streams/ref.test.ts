import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isByteStream, replaceByteStreams, StreamRef, streamRefData, streamRefFrom } from './ref.js';

async function* body(): AsyncGenerator<Uint8Array> {
  yield new Uint8Array([1]);
}

describe('stream references', () => {
  it('recognise byte streams, not bytes or plain values', () => {
    assert.equal(isByteStream(body()), true);
    assert.equal(isByteStream(new Uint8Array(2)), false);
    assert.equal(isByteStream({ body: 'x' }), false);
    assert.equal(isByteStream(null), false);
  });

  it('carry [subject, idle_ms] and refuse anything else', () => {
    const ref = streamRefFrom(streamRefData(new StreamRef('wrpc.stream.v1.default.a.b', 5_000)));
    assert.deepEqual([ref.subject, ref.idleMs], ['wrpc.stream.v1.default.a.b', 5_000]);
    for (const data of [null, ['s'], [1, 2], ['s', '5'], 'wrpc']) assert.throws(() => streamRefFrom(data), TypeError);
  });

  it('replace the streams of a value, copying only the containers on the way', () => {
    const stream = body();
    const untouched = { status: 200, headers: [['a', 'b']] };
    const value = { head: untouched, parts: [1, { body: stream }] };
    const out = replaceByteStreams(value, () => 'ref') as { head: unknown; parts: [number, { body: unknown }] };
    assert.equal(out.parts[1].body, 'ref');
    assert.equal(out.head, untouched);
    assert.equal(value.parts[1] && (value.parts[1] as { body: unknown }).body, stream, 'the original is left as it was');
    assert.equal(replaceByteStreams(untouched, undefined), untouched);
    assert.throws(() => replaceByteStreams([stream], undefined), TypeError);
  });
});
