/** openssl for test certificates (Debian's openssl; `.ci/run` installs it). */
import { spawnSync } from 'node:child_process';

export function openssl(args: string[]): void {
  const out = spawnSync('openssl', args, { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`openssl ${args[0]} failed: ${out.stderr}`);
}

/** A self-signed P-256 certificate valid for two days, and its unencrypted key. */
export function selfSignedEc(keyPath: string, certPath: string, commonName: string): void {
  openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${commonName}`,
    '-keyout',
    keyPath,
    '-out',
    certPath,
  ]);
}
