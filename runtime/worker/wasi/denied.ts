/**
 * `wasi:filesystem` and `wasi:sockets`, denied. Components that import them still run (most
 * toolchains import them whether or not they use them), but there are no preopened directories,
 * so no descriptor ever exists, and every socket operation answers `access-denied`.
 */

const ACCESS_DENIED = 'access-denied';

class Descriptor {
  // No descriptor is ever handed out; these exist so the glue's resource checks are satisfied.
}
class DirectoryEntryStream {}

class Network {}
class TcpSocket {}
class UdpSocket {}
class IncomingDatagramStream {}
class OutgoingDatagramStream {}
class ResolveAddressStream {}

function denied(): never {
  throw ACCESS_DENIED;
}

export function deniedImports(): Record<string, Record<string, unknown>> {
  return {
    'wasi:filesystem/preopens': { getDirectories: () => [] },
    'wasi:filesystem/types': {
      Descriptor,
      DirectoryEntryStream,
      filesystemErrorCode: () => undefined,
    },
    'wasi:sockets/network': { Network, networkErrorCode: () => undefined },
    'wasi:sockets/instance-network': { instanceNetwork: () => new Network() },
    'wasi:sockets/ip-name-lookup': { ResolveAddressStream, resolveAddresses: denied },
    'wasi:sockets/tcp': { TcpSocket },
    'wasi:sockets/tcp-create-socket': { createTcpSocket: denied },
    'wasi:sockets/udp': { UdpSocket, IncomingDatagramStream, OutgoingDatagramStream },
    'wasi:sockets/udp-create-socket': { createUdpSocket: denied },
  };
}
