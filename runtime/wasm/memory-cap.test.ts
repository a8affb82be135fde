import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from '@bytecodealliance/jco';
import { InvalidComponentError } from '../errors.js';
import { capMemory } from './memory-cap.js';

interface Grower {
  grow(pages: number): number;
  memory: { buffer: ArrayBuffer };
}

const wasm = (
  globalThis as unknown as {
    WebAssembly: { Instance: new (m: unknown) => { exports: Grower }; Module: new (b: Uint8Array) => unknown };
  }
).WebAssembly;

async function grower(memory: string): Promise<Uint8Array> {
  return parse(`(module ${memory} (export "memory" (memory 0))
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`);
}

function instantiate(bytes: Uint8Array): Grower {
  return new wasm.Instance(new wasm.Module(bytes)).exports;
}

describe('capMemory', () => {
  it('adds a maximum to a memory that has none: growing past it fails', async () => {
    const g = instantiate(capMemory(await grower('(memory 1)'), 4));
    assert.equal(g.grow(2), 1);
    assert.equal(g.grow(2), -1);
    assert.equal(g.grow(1), 3);
    assert.equal(g.memory.buffer.byteLength, 4 * 65536);
  });

  it('lowers a larger declared maximum and keeps a smaller one', async () => {
    assert.equal(instantiate(capMemory(await grower('(memory 1 100)'), 2)).grow(2), -1);
    const small = instantiate(capMemory(await grower('(memory 1 2)'), 50));
    assert.equal(small.grow(1), 1);
    assert.equal(small.grow(1), -1);
  });

  it('leaves an uncapped module growable (the test above is not vacuous)', async () => {
    assert.equal(instantiate(await grower('(memory 1)')).grow(8), 1);
  });

  it('names the sizes when the initial memory exceeds the cap', async () => {
    const bytes = await grower('(memory 64)');
    assert.throws(
      () => capMemory(bytes, 16),
      (e: unknown) => e instanceof InvalidComponentError && /needs 64 pages \(4 MiB\) of memory at start, above its 1 MiB cap/.test(e.message),
    );
  });
});
