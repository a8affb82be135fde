/**
 * `lattice host`'s options, read and checked in one place: by the host itself and by
 * `lattice host install-service`, which writes them into a unit (and must refuse the same
 * mistakes, and forward the same flags, as the host it installs).
 */
import { policy } from '../protocol/subjects.js';
import { UsageError } from './errors.js';

/**
 * commander hands options of a parent command to the parent even after the subcommand's name,
 * so `host install-service --label zone=edge` arrives as the host's `--label`.
 */
export interface HostFlags {
  label?: string[];
  name?: string;
  heartbeatInterval?: string;
  dataDir?: string;
  stopTimeout?: string;
  kvReplicas?: string;
  wadm?: boolean;
  maxMemory?: string;
  jsDomain?: string;
  trustedIssuers?: string;
  policySubject?: string;
  policyTimeout?: string;
  allowInsecureRegistry?: string[];
  ociCacheDir?: string;
  providerNkey?: string;
  providerCreds?: string;
  metricsAddress?: string;
  uiAddress?: string;
}

export function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive integer, got "${value}"`);
  return n;
}

/** `--trusted-issuers` (else LATTICE_TRUSTED_ISSUERS): account keys, 56 base32 characters starting with A. */
export function trustedIssuers(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  const source = flag !== undefined ? '--trusted-issuers' : 'LATTICE_TRUSTED_ISSUERS';
  const keys = splitList(flag ?? env.LATTICE_TRUSTED_ISSUERS);
  const bad = keys.find((k) => !/^A[A-Z2-7]{55}$/.test(k));
  if (bad)
    throw new UsageError(
      `${source}: ${JSON.stringify(bad)} is not an account public key (A..., 56 characters; comma-separated, the public half of \`lattice keys gen account\`)`,
    );
  return keys;
}

/** `--policy-subject` (else LATTICE_POLICY_SUBJECT), checked before connecting as every other flag is. */
export function policySubject(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const subject = flag ?? env.LATTICE_POLICY_SUBJECT;
  if (subject === undefined || subject === '') return undefined;
  try {
    return policy.check(subject);
  } catch (error) {
    throw new UsageError(
      `${flag !== undefined ? '--policy-subject' : 'LATTICE_POLICY_SUBJECT'}: ${(error as Error).message} (a NATS subject without wildcards, e.g. wasmbus.policy.default)`,
      { cause: error },
    );
  }
}
