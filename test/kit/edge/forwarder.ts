/**
 * Run inside a network namespace by NetLab.expose: `node forwarder.js LISTEN_IP LISTEN_PORT UNIX_SOCKET`.
 * Each TCP connection in the namespace is piped to the unix socket (which the test process, in
 * the root namespace, pipes on to 127.0.0.1). Prints "ready" once listening.
 */
import { createConnection, createServer } from 'node:net';

const [ip, port, socket] = process.argv.slice(2);
if (!ip || !port || !socket) throw new Error('usage: forwarder.js LISTEN_IP LISTEN_PORT UNIX_SOCKET');
const server = createServer((inbound) => {
  const outbound = createConnection({ path: socket });
  inbound.pipe(outbound).pipe(inbound);
  const close = () => {
    inbound.destroy();
    outbound.destroy();
  };
  inbound.on('error', close).on('close', close);
  outbound.on('error', close).on('close', close);
});
server.listen(Number(port), ip, () => process.stdout.write('ready\n'));
