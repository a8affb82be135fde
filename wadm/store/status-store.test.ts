import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeJson } from '../../protocol/codec.js';
import type { AppStatus } from '../../protocol/schemas/wadm.js';
import { MemoryKvBucket } from '../../store/memory-kv.js';
import { StatusStore } from './status-store.js';

const status = (message: string): AppStatus => ({
  name: 'app',
  version: 'v1',
  state: 'reconciling',
  message,
  scalers: [],
  updated_at: '2024-01-01T00:00:00.000Z',
});

describe('StatusStore over a memory bucket', () => {
  it('announces what it writes, and drops an early write once someone wrote after it looked', async () => {
    const published: Array<[string, string]> = [];
    const statuses = StatusStore.over(new MemoryKvBucket('STATUS_test'), 'test', (subject, payload) =>
      published.push([subject, (decodeJson(payload) as AppStatus).message]),
    );
    assert.equal(await statuses.revision('app'), 0);
    assert.equal(await statuses.putIfUnchanged(status('api: deploying'), 0), true);
    const seen = await statuses.revision('app');
    await statuses.put(status('reconciler: deployed'));
    assert.equal(await statuses.putIfUnchanged(status('api: late'), seen), false);
    assert.equal(await statuses.putIfUnchanged(status('api: late again'), 0), false, 'someone created it meanwhile');
    assert.equal((await statuses.get('app'))?.message, 'reconciler: deployed');
    assert.deepEqual(published, [
      ['wadm.status.test.app', 'api: deploying'],
      ['wadm.status.test.app', 'reconciler: deployed'],
    ]);
    await statuses.delete('app');
    assert.equal(await statuses.get('app'), null);
    assert.equal(await statuses.putIfUnchanged(status('api: after delete'), 0), true);
  });
});
