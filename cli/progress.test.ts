import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { progress, progressWanted } from './progress.js';

function fakeStream(isTTY: boolean): NodeJS.WriteStream & { written: string } {
  const s = {
    isTTY,
    columns: 60,
    written: '',
    write(chunk: string) {
      s.written += chunk;
      return true;
    },
  };
  return s as unknown as NodeJS.WriteStream & { written: string };
}

describe('progress output', () => {
  it('redraws one line on a terminal and says nothing in a pipe', () => {
    const saved = { p: process.env.LATTICE_PROGRESS, ci: process.env.CI, term: process.env.TERM };
    delete process.env.LATTICE_PROGRESS;
    delete process.env.CI;
    process.env.TERM = 'xterm';
    try {
      const tty = fakeStream(true);
      const p = progress(tty);
      p.update('building');
      p.update('componentize');
      p.done('built');
      assert.match(tty.written, /\r\x1b\[2K. building/);
      assert.match(tty.written, /\r\x1b\[2K. componentize/);
      assert.ok(tty.written.endsWith('\r\x1b[2Kbuilt\n'));

      const pipe = fakeStream(false);
      const q = progress(pipe);
      q.update('building');
      q.done();
      assert.equal(pipe.written, '');
      assert.equal(progressWanted(pipe), false);

      process.env.LATTICE_PROGRESS = 'never';
      assert.equal(progressWanted(tty), false);
      process.env.LATTICE_PROGRESS = 'always';
      assert.equal(progressWanted(pipe), true);
      delete process.env.LATTICE_PROGRESS;
      process.env.CI = 'true';
      assert.equal(progressWanted(tty), false, 'CI logs are not terminals');
    } finally {
      for (const [k, v] of [
        ['LATTICE_PROGRESS', saved.p],
        ['CI', saved.ci],
        ['TERM', saved.term],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
