import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkComponentBytes } from './binary-check.js';
import { InvalidComponentError } from './errors.js';

const header = (version: number, layer: number): number[] => [0, 0x61, 0x73, 0x6d, version, 0, layer, 0];
const problem = (bytes: number[]): string => {
  try {
    checkComponentBytes(Uint8Array.from(bytes));
    return 'accepted';
  } catch (error) {
    assert.ok(error instanceof InvalidComponentError);
    return error.problem;
  }
};

describe('checkComponentBytes', () => {
  it('classifies each refusal', () => {
    assert.equal(problem([]), 'not-wasm');
    assert.equal(problem([1, 2, 3, 4, 5, 6, 7, 8]), 'not-wasm');
    assert.equal(problem(header(1, 0)), 'core-module');
    assert.equal(problem(header(0x0a, 1)), 'unsupported-encoding');
    assert.equal(problem(header(0x0d, 1)), 'truncated');
    // a custom section (id 0) declaring 10 bytes with 2 present
    assert.equal(problem([...header(0x0d, 1), 0, 10, 1, 2]), 'truncated');
    assert.equal(problem([...header(0x0d, 1), 0, 0x80]), 'truncated');
  });

  it('accepts a well-formed section layout', () => {
    assert.equal(problem([...header(0x0d, 1), 0, 2, 1, 0x61]), 'accepted');
  });
});
