import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from '@bytecodealliance/jco';
import { Wasm, type WasmGlobal, type WasmTable } from '../wasm-api.js';
import { exposeInstanceState, STATE_EXPORT_PREFIX } from './instance-state.js';

async function module(body: string): Promise<Uint8Array> {
  return parse(`(module ${body})`);
}

function instantiate(bytes: Uint8Array, imports: object = {}): Record<string, unknown> {
  return new Wasm.Instance(
    new (globalThis as unknown as { WebAssembly: { Module: new (b: Uint8Array) => WebAssembly.Module } }).WebAssembly.Module(bytes),
    imports,
  ).exports;
}

describe('exposeInstanceState', () => {
  it('exports internal mutable globals, tables and memories; the exports are the live objects', async () => {
    const bytes = await module(`
      (memory 1)
      (table 2 funcref)
      (global $g (mut i32) (i32.const 7))
      (global $k i32 (i32.const 9))
      (func (export "bump") (result i32) (global.set $g (i32.add (global.get $g) (i32.const 1))) (global.get $g))`);
    const { bytes: exposed, facts } = exposeInstanceState(bytes);
    assert.deepEqual(facts, { resettable: true, reason: null, tablesMutable: false });
    const exports = instantiate(exposed);
    const names = Object.keys(exports)
      .filter((n) => n.startsWith(STATE_EXPORT_PREFIX))
      .sort();
    assert.deepEqual(names, ['lattice-state:global:0', 'lattice-state:memory:0', 'lattice-state:table:0']);
    assert.equal((exports.bump as () => number)(), 8);
    assert.equal((exports['lattice-state:global:0'] as WasmGlobal).value, 8);
    assert.equal((exports['lattice-state:table:0'] as WasmTable).length, 2);
  });

  it('adds an export section to a module that has none, in the order the format wants', async () => {
    const bytes = await module('(global (mut i64) (i64.const 1)) (func $f) (start $f) (data (i32.const 0) "x") (memory 1)');
    const exports = instantiate(exposeInstanceState(bytes).bytes);
    assert.deepEqual(Object.keys(exports).sort(), ['lattice-state:global:0', 'lattice-state:memory:0']);
  });

  it("numbers imported entities first: the exported global is the module's own", async () => {
    const bytes = await module(`
      (import "env" "g" (global $imported (mut i32)))
      (global $own (mut i32) (i32.const 5))`);
    const imported = new (globalThis as unknown as { WebAssembly: { Global: new (d: object, v: number) => WasmGlobal } }).WebAssembly.Global(
      { value: 'i32', mutable: true },
      1,
    );
    const exports = instantiate(exposeInstanceState(bytes).bytes, { env: { g: imported } });
    assert.equal((exports['lattice-state:global:1'] as WasmGlobal).value, 5);
  });

  it('notices code that writes a table', async () => {
    const setter = await module('(table 1 funcref) (func $f) (elem declare func $f) (func (table.set (i32.const 0) (ref.func $f)))');
    assert.equal(exposeInstanceState(setter).facts.tablesMutable, true);
    const grower = await module('(table 1 funcref) (func (drop (table.grow (ref.null func) (i32.const 1))))');
    assert.equal(exposeInstanceState(grower).facts.tablesMutable, true);
  });

  it('refuses a module whose code drops passive segments (that state cannot be restored)', async () => {
    const bytes = await module('(memory 1) (data $d "abc") (func (memory.init $d (i32.const 0) (i32.const 0) (i32.const 3)) (data.drop $d))');
    const { facts } = exposeInstanceState(bytes);
    assert.equal(facts.resettable, false);
    assert.match(facts.reason ?? '', /passive/);
  });

  it('accepts segment instructions when every segment is active (they are dropped at instantiation anyway)', async () => {
    const bytes = await module('(memory 1) (data (i32.const 0) "abc") (func (data.drop 0))');
    assert.equal(exposeInstanceState(bytes).facts.resettable, true);
  });

  it('reads SIMD, bulk memory, atomics-free reference types and multi-value code without unknowns', async () => {
    const bytes = await module(`
      (memory 1)
      (func (param i32) (result i32 i32)
        i32.const 0
        v128.const i32x4 1 2 3 4
        i32.const 16
        v128.load
        i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15
        v128.store
        i32.const 0
        v128.load offset=32 align=4
        i32x4.extract_lane 2
        drop
        i32.const 0
        i32.const 8
        i32.const 8
        memory.copy
        i32.const 0
        i32.const 0
        i32.const 4
        memory.fill
        block $b (result i32)
          local.get 0
          local.get 0
          br_table $b $b
        end
        i64.const -1
        drop
        f64.const 1.5
        drop
        i32.const 1
        i32.const 2
        local.get 0
        select (result i32))`);
    assert.deepEqual(exposeInstanceState(bytes).facts, { resettable: true, reason: null, tablesMutable: false });
  });

  it('leaves a component binary alone', () => {
    const component = Uint8Array.from([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0]);
    const { bytes, facts } = exposeInstanceState(component);
    assert.equal(bytes, component);
    assert.equal(facts.resettable, false);
  });
});
