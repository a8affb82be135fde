import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseInterfaceName, versionsCompatible } from './invocation.js';
import { functionFromToken, functionToken, invocation, parseInvocationSubject } from './subjects.js';

describe('invocation names and subjects', () => {
  it('parses interface names with and without versions', () => {
    assert.deepEqual(parseInterfaceName('wasi:keyvalue/store@0.2.0-draft'), {
      namespace: 'wasi',
      package: 'keyvalue',
      interface: 'store',
      version: '0.2.0-draft',
    });
    assert.deepEqual(parseInterfaceName('wasi:logging/logging'), {
      namespace: 'wasi',
      package: 'logging',
      interface: 'logging',
      version: null,
    });
    for (const bad of ['keyvalue/store', 'wasi:keyvalue', 'wasi:key value/store', 'wasi:kv/store@']) {
      assert.throws(() => parseInterfaceName(bad), TypeError, bad);
    }
  });

  it('matches versions semver-compatibly, drafts exactly', () => {
    assert.ok(versionsCompatible('0.2.0', '0.2.6'));
    assert.ok(!versionsCompatible('0.2.0', '0.3.0'));
    assert.ok(versionsCompatible('1.2.0', '1.9.1'));
    assert.ok(!versionsCompatible('1.2.0', '2.0.0'));
    assert.ok(!versionsCompatible('0.0.1', '0.0.2'));
    assert.ok(versionsCompatible('0.2.0-draft', '0.2.0-draft'));
    assert.ok(!versionsCompatible('0.2.0-draft', '0.2.0-draft2'));
    assert.ok(!versionsCompatible('0.2.0-rc.1', '0.2.0'));
    assert.ok(versionsCompatible(null, '0.1.0-draft'));
  });

  it('builds versionless subjects and parses them back, escaping "." in function names', () => {
    const subject = invocation.target('default', 'kv-redis', 'wasi:keyvalue/store', '[method]bucket.get');
    assert.equal(subject, 'wrpc.v1.default.kv-redis.wasi:keyvalue/store.[method]bucket:get');
    assert.deepEqual(parseInvocationSubject(subject), {
      lattice: 'default',
      target: 'kv-redis',
      iface: 'wasi:keyvalue/store',
      fn: '[method]bucket.get',
    });
    assert.equal(functionFromToken(functionToken('[static]a.b')), '[static]a.b');
    assert.equal(parseInvocationSubject('wasmbus.ctl.v1.default.host.ping'), null);
    assert.throws(() => invocation.target('default', 'bad target', 'wasi:kv/store', 'get'), TypeError);
    assert.throws(() => invocation.target('default', 't', 'wasi:kv/store@0.2.0', 'get'), TypeError, 'a version has dots');
  });
});
