import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BROADCAST_OPS, CTL_OPS, HOST_SCOPED_OPS, LATTICE_OPS, parseCtlSubject } from './ctl-ops.js';
import { ctl } from './subjects.js';

const HOST = `N${'A'.repeat(55)}`;

test('control subjects parse back into their operation and id', () => {
  assert.deepEqual(parseCtlSubject('default', ctl.labelPut('default', HOST)), { op: 'label.put', noun: 'label', verb: 'put', id: HOST });
  assert.deepEqual(parseCtlSubject('default', ctl.hostPing('default')), { op: 'host.ping', noun: 'host', verb: 'ping' });
  assert.deepEqual(parseCtlSubject('default', ctl.configGet('default', 'db'))?.id, 'db');
  assert.equal(parseCtlSubject('other', ctl.hostPing('default')), null);
  assert.equal(parseCtlSubject('default', 'wasmbus.evt.default.host_heartbeat'), null);
});

test('every operation belongs to exactly one scope', () => {
  const scoped = [...HOST_SCOPED_OPS, ...BROADCAST_OPS, ...LATTICE_OPS];
  assert.deepEqual([...scoped].sort(), [...CTL_OPS].sort());
});
