import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deniedImports } from './denied.js';

type Fn = (...args: unknown[]) => unknown;

describe('denied capabilities', () => {
  const imports = deniedImports();

  it('has no preopened directories', () => {
    assert.deepEqual((imports['wasi:filesystem/preopens']!.getDirectories as Fn)(), []);
  });

  it('answers access-denied to every way of opening a socket or resolving a name', () => {
    for (const [iface, fn] of [
      ['wasi:sockets/tcp-create-socket', 'createTcpSocket'],
      ['wasi:sockets/udp-create-socket', 'createUdpSocket'],
      ['wasi:sockets/ip-name-lookup', 'resolveAddresses'],
    ] as const) {
      assert.throws(
        () => (imports[iface]![fn] as Fn)('ipv4'),
        (e: unknown) => e === 'access-denied',
        `${iface}#${fn}`,
      );
    }
  });
});
