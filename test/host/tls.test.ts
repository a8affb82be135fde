/**
 * TLS to NATS with the `--tls-*` settings: a CA and server/client certificates made with openssl
 * for this test; a host and the CLI connect over TLS (and mutual TLS), and a client that does not
 * trust the CA is refused.
 */
import assert from 'node:assert/strict';
import { openssl, selfSignedEc } from '../kit/openssl.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHost, type Host } from '../../host/mod.js';
import { runCli } from '../cli/run-cli.js';
import { NatsServer } from '../kit/nats-server.js';
import { TEST_SECRETS_KEY } from '../kit/secrets.js';

/** A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA. */
async function makeCertificates(dir: string): Promise<Record<'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey', string>> {
  const p = (name: string) => join(dir, name);
  selfSignedEc(p('ca.key'), p('ca.pem'), 'lattice test CA');
  await writeFile(p('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await writeFile(p('client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const who of ['server', 'client']) {
    openssl([
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      `/CN=lattice test ${who}`,
      '-keyout',
      p(`${who}.key`),
      '-out',
      p(`${who}.csr`),
    ]);
    openssl([
      'x509',
      '-req',
      '-in',
      p(`${who}.csr`),
      '-CA',
      p('ca.pem'),
      '-CAkey',
      p('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      p(`${who}.ext`),
      '-out',
      p(`${who}.pem`),
    ]);
  }
  return { ca: p('ca.pem'), serverCert: p('server.pem'), serverKey: p('server.key'), clientCert: p('client.pem'), clientKey: p('client.key') };
}

for (const mutual of [false, true]) {
  describe(`NATS over TLS${mutual ? ' with client certificates' : ''}`, { timeout: 90_000 }, () => {
    let dir: string;
    let server: NatsServer;
    let host: Host;
    let certs: Awaited<ReturnType<typeof makeCertificates>>;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'lattice-tls-'));
      certs = await makeCertificates(dir);
      server = await NatsServer.start({
        extraConfig: `tls {\n  cert_file: ${JSON.stringify(certs.serverCert)}\n  key_file: ${JSON.stringify(certs.serverKey)}\n  ca_file: ${JSON.stringify(certs.ca)}\n  verify: ${mutual}\n  timeout: 5\n}\n`,
      });
      const client = mutual ? { tlsCert: certs.clientCert, tlsKey: certs.clientKey } : {};
      host = await startHost({
        labelEnv: false,
        secretsKey: TEST_SECRETS_KEY,
        runtime: false,
        providers: false,
        natsSettings: { url: server.url, tlsCa: certs.ca, ...client },
      });
    });

    after(async () => {
      await host?.stop({ timeoutMs: 2_000 });
      await server?.dispose();
      await rm(dir, { recursive: true, force: true });
    });

    it('a host joins and the CLI lists it over TLS; without the CA the CLI is refused', async () => {
      const tls = ['--tls-ca', certs.ca, ...(mutual ? ['--tls-cert', certs.clientCert, '--tls-key', certs.clientKey] : [])];
      const listed = await runCli(['--nats-url', server.url, ...tls, 'get', 'hosts', '-o', 'json']);
      assert.equal(listed.code, 0, listed.stderr);
      assert.deepEqual(
        (JSON.parse(listed.stdout) as Array<{ id: string }>).map((h) => h.id),
        [host.id],
      );
      const untrusted = await runCli(['--nats-url', server.url, 'get', 'hosts']);
      assert.equal(untrusted.code, 1);
      assert.match(untrusted.stderr, /cannot connect to NATS/);
      if (mutual) {
        const noClientCert = await runCli(['--nats-url', server.url, '--tls-ca', certs.ca, 'get', 'hosts']);
        assert.equal(noClientCert.code, 1);
        assert.match(noClientCert.stderr, /cannot connect to NATS/);
      }
    });
  });
}
