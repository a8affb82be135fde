import type { ClaimsReport } from '../lib/wascap.js';

/**
 * What a component's signature claims say and whether they hold for its bytes, in the one shape
 * both `lattice claims inspect` and `lattice inspect` print (`-o json|yaml` included), so scripts
 * read the same fields from either.
 */
export interface ClaimsSummary {
  issuer: string;
  subject: string;
  name: string | null;
  version: string | null;
  revision: number | null;
  tags: string[];
  call_alias: string | null;
  issued_at: string;
  expires: string | null;
  not_before: string | null;
  module_hash: string;
  signed_hash: string | null;
  wascap_revision: number | null;
  signature_valid: boolean;
  /** null: the claims' wascap revision predates binding the module hash. */
  hash_valid: boolean | null;
  expired: boolean;
  not_yet_valid: boolean;
}

const isoTime = (seconds: number | undefined): string | null => (seconds === undefined ? null : new Date(seconds * 1000).toISOString());

export function claimsSummary(report: ClaimsReport): ClaimsSummary {
  const { claims } = report;
  return {
    issuer: claims.iss,
    subject: claims.sub,
    name: claims.wascap?.name ?? null,
    version: claims.wascap?.ver ?? null,
    revision: claims.wascap?.rev ?? null,
    tags: claims.wascap?.tags ?? [],
    call_alias: claims.wascap?.call_alias ?? null,
    issued_at: isoTime(claims.iat)!,
    expires: isoTime(claims.exp),
    not_before: isoTime(claims.nbf),
    module_hash: report.moduleHash,
    signed_hash: claims.wascap?.hash ?? null,
    wascap_revision: claims.wascap_revision ?? null,
    signature_valid: report.signatureValid,
    hash_valid: report.hashValid,
    expired: report.expired,
    not_yet_valid: report.notYetValid,
  };
}

/** The verdict as one phrase: `yes: signature valid, module hash matches`, or what fails. */
export function signatureVerdict(s: ClaimsSummary): string {
  const problems: string[] = [];
  if (!s.signature_valid) problems.push(`the signature does NOT verify against issuer ${s.issuer}`);
  if (s.hash_valid === false) problems.push('the module hash does NOT match (the bytes changed after signing)');
  if (s.expired) problems.push(`the claims expired at ${s.expires}`);
  if (s.not_yet_valid) problems.push(`the claims are valid only from ${s.not_before}`);
  if (problems.length) return `yes, but ${problems.join('; ')}`;
  const hash = s.hash_valid === null ? `module hash not bound (wascap revision ${s.wascap_revision ?? 'none'} predates it)` : 'module hash matches';
  return `yes: signature valid, ${hash}`;
}
