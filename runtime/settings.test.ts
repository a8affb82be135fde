import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidSettingError } from './errors.js';
import { DEFAULT_LIMITS, limitsFrom } from './settings.js';

describe('runtime annotations', () => {
  it('defaults without annotations', () => {
    assert.deepEqual(limitsFrom({}), DEFAULT_LIMITS);
  });

  it('reads every limit', () => {
    assert.deepEqual(
      limitsFrom({
        'lattice.dev/instance-reuse': 'true',
        'lattice.dev/deadline-ms': '2500',
        'lattice.dev/memory-mib': '64',
        'lattice.dev/queue-limit': '0',
        'lattice.dev/max-response-mib': '2',
        'other.io/key': 'ignored',
      }),
      { reuse: true, deadlineMs: 2500, memoryMiB: 64, queueLimit: 0, maxResponseBytes: 2 * 2 ** 20 },
    );
  });

  it('refuses bad values and misspelt runtime keys', () => {
    assert.throws(() => limitsFrom({ 'lattice.dev/instance-reuse': 'yes' }), InvalidSettingError);
    assert.throws(() => limitsFrom({ 'lattice.dev/memory-mib': '0' }), /from 1 to 4096/);
    assert.throws(() => limitsFrom({ 'lattice.dev/deadline-ms': '1.5' }), InvalidSettingError);
    assert.throws(() => limitsFrom({ 'lattice.dev/instance-reuses': 'true' }), /unknown runtime annotation/);
  });
});
