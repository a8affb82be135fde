import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cliImports, ExitSignal } from './cli.js';
import type { OutputStream } from './io.js';

function capture(): { lines: Array<[string, string]>; imports: ReturnType<typeof cliImports> } {
  const lines: Array<[string, string]> = [];
  const imports = cliImports({ env: [['A', '1']], args: ['x'], log: (stream, line) => lines.push([stream, line]) });
  return { lines, imports };
}

const stdout = (imports: ReturnType<typeof cliImports>): OutputStream => (imports['wasi:cli/stdout']!.getStdout as () => OutputStream)();
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('guest stdio and environment', () => {
  it('logs whole lines, buffering partial writes', () => {
    const { lines, imports } = capture();
    const out = stdout(imports);
    out.write(bytes('hel'));
    assert.deepEqual(lines, []);
    out.write(bytes('lo\nwor'));
    out.write(bytes('ld\n'));
    assert.deepEqual(lines, [
      ['stdout', 'hello'],
      ['stdout', 'world'],
    ]);
  });

  it('cuts very long lines', () => {
    const { lines, imports } = capture();
    stdout(imports).write(bytes(`${'x'.repeat(40_000)}\n`));
    assert.deepEqual(
      lines.map(([, l]) => l.length),
      [16_384, 16_384, 7_232],
    );
  });

  it('drops a flood beyond the burst and says how much was dropped', () => {
    const { lines, imports } = capture();
    const out = stdout(imports);
    for (let i = 0; i < 5_000; i++) out.write(bytes(`line ${i}\n`));
    assert.ok(lines.length >= 200 && lines.length < 1_000, `${lines.length} lines logged`);
    const start = Date.now();
    while (Date.now() - start < 50) {
      // let tokens refill
    }
    out.write(bytes('after\n'));
    assert.match(lines.at(-2)![1], /^\[lattice: \d+ lines of guest stdout dropped: over 100 lines\/s\]$/);
    assert.deepEqual(lines.at(-1), ['stdout', 'after']);
  });

  it('gives exactly the granted environment and arguments; exit throws a signal', () => {
    const { imports } = capture();
    const env = imports['wasi:cli/environment']!;
    assert.deepEqual((env.getEnvironment as () => unknown)(), [['A', '1']]);
    assert.deepEqual((env.getArguments as () => unknown)(), ['x']);
    assert.equal((env.initialCwd as () => unknown)(), undefined);
    assert.throws(
      () => (imports['wasi:cli/exit']!.exit as (s: { tag: string }) => void)({ tag: 'err' }),
      (e: unknown) => e instanceof ExitSignal && e.status === 1,
    );
  });
});
