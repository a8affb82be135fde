import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultCanSatisfy, parseImportName, unsatisfiedImports, versionCompatible, worldItems } from './imports.js';

describe('interface names and versions', () => {
  it('parses versioned and unversioned names', () => {
    const name = parseImportName('wasi:http/types@0.2.4');
    assert.equal(name?.unversioned, 'wasi:http/types');
    assert.equal(name?.version, '0.2.4');
    assert.equal(parseImportName('wasi:logging/logging')?.version, null);
    assert.equal(parseImportName('my-func'), null);
  });

  it('matches semver-compatibly, prereleases exactly', () => {
    assert.ok(versionCompatible('0.2.0', '0.2'));
    assert.ok(versionCompatible('0.2.6', '0.2'));
    assert.ok(!versionCompatible('0.3.0', '0.2'));
    assert.ok(versionCompatible('1.4.0', '1.0.0'));
    assert.ok(!versionCompatible('2.0.0', '1.0.0'));
    assert.ok(versionCompatible('0.2.0-draft', '0.2.0-draft'));
    assert.ok(!versionCompatible('0.2.0-draft', '0.2.0-rc.1'));
  });

  it('default policy: builtin WASI 0.2.x, the http types of a WASIp3 handler, platform interfaces, non-wasi namespaces', () => {
    const ok = (n: string): boolean => defaultCanSatisfy(parseImportName(n)!);
    for (const n of [
      'wasi:http/types@0.2.0',
      'wasi:http/types@0.2.4',
      'wasi:io/streams@0.2.6',
      'wasi:cli/run@0.2.0'.replace('run', 'environment'),
      'wasi:keyvalue/store@0.2.0-draft',
      'wasi:blobstore/container@0.2.0-draft',
      'wasi:config/store@0.2.0-rc.1',
      'wasi:config/runtime@0.2.0-draft',
      'wasi:logging/logging@0.1.0-draft',
      'wasi:logging/logging',
      'wasmcloud:messaging/consumer@0.2.0',
      'wasi:http/outgoing-handler@0.2.2',
      'acme:inventory/lookup@1.0.0',
      'wasi:http/types@0.3.0',
    ])
      assert.ok(ok(n), n);
    for (const n of ['wasi:http/types@0.4.0', 'wasi:clocks/monotonic-clock@0.3.0', 'wasi:nn/graph@0.2.0', 'wasi:keyvalue/store@0.2.0-draft2'])
      assert.ok(!ok(n), n);
  });

  it('lists every unsatisfied import', () => {
    assert.deepEqual(unsatisfiedImports(['wasi:io/error@0.2.0', 'wasi:nn/graph@0.2.0', 'bare-func', 'wasi:unknown/x@1.0.0'], defaultCanSatisfy), [
      'wasi:nn/graph@0.2.0',
      'bare-func',
      'wasi:unknown/x@1.0.0',
    ]);
  });

  it('reads import and export names out of a world', () => {
    const wit = `package root:component;\n\nworld root {\n  import wasi:io/error@0.2.0;\n  import log: func(msg: string);\n\n  export wasi:cli/run@0.2.0;\n  export greet: func() -> string;\n}\n`;
    assert.deepEqual(worldItems(wit), { imports: ['wasi:io/error@0.2.0', 'log'], exports: ['wasi:cli/run@0.2.0', 'greet'] });
  });
});
