/**
 * The memory half of an instance reset on its own: the snapshot keeps a memory's non-zero runs and
 * the restore fills the zero ones, so every byte must come back, wherever the guest wrote.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Wasm, type WasmMemory } from '../wasm-api.js';
import { CoreInstanceRecorder, InstanceSnapshot } from './instance-reset.js';

const glue = { liveHandles: () => 0, restore: () => undefined };

/** A core instance of a module that exports a memory of `pages`, recorded as the runtime records one. */
function instanceWithMemory(pages: number): { recorder: CoreInstanceRecorder; memory: WasmMemory } {
  // (module (memory (export "memory") pages))
  const bytes = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 3, 1, 0, pages, 7, 10, 1, 6, ...Buffer.from('memory'), 2, 0]);
  const recorder = new CoreInstanceRecorder();
  const instance = recorder.instantiateCore(new Wasm.Module(bytes));
  return { recorder, memory: instance.exports.memory as WasmMemory };
}

describe('instance snapshot of a memory', () => {
  it('puts back every byte: data, short zero gaps copied with it, long zero runs filled', () => {
    const { recorder, memory } = instanceWithMemory(8); // 512 KiB
    const bytes = new Uint8Array(memory.buffer);
    // Data at the start, a 4 KiB gap (copied), data, then 300 KiB of zeros (filled), data at the end.
    for (let i = 0; i < 10_000; i++) bytes[i] = (i % 251) + 1;
    for (let i = 16_384; i < 20_000; i++) bytes[i] = 7;
    bytes[bytes.length - 1] = 9;
    const original = bytes.slice();
    const snapshot = InstanceSnapshot.capture(recorder, glue, false);
    // The guest writes everywhere, zero pages included, and clears some data.
    for (let i = 0; i < bytes.length; i += 997) bytes[i] = 0xff;
    bytes.fill(0, 0, 5_000);
    assert.equal(snapshot.restore(), true);
    assert.deepEqual(new Uint8Array(memory.buffer), original);
    // Restored again after another request: the snapshot itself was not consumed.
    bytes.fill(3, 100_000, 400_000);
    assert.equal(snapshot.restore(), true);
    assert.deepEqual(new Uint8Array(memory.buffer), original);
  });

  it('answers false for a memory that grew (the instance is discarded, not reset)', () => {
    const { recorder, memory } = instanceWithMemory(1);
    const snapshot = InstanceSnapshot.capture(recorder, glue, false);
    memory.grow(1);
    assert.equal(snapshot.restore(), false);
  });
});
