/**
 * Which components a host runs when it is given trusted issuers (`--trusted-issuers`): only those
 * whose embedded claims (lib/wascap.ts) are signed by one of them, verify, are bound to exactly
 * these bytes, and are within their validity dates. Without trusted issuers nothing is required,
 * but claims that are present are still reported (to the policy service).
 */
import { readClaims, WascapError, type ClaimsReport } from '../../lib/wascap.js';
import type { PolicyClaims } from '../../protocol/mod.js';

export class UntrustedComponentError extends Error {
  constructor(
    readonly imageRef: string,
    readonly reason: string,
  ) {
    super(`refused ${imageRef}: ${reason}`);
    this.name = 'UntrustedComponentError';
  }
}

/** The claims of `bytes` (null when unsigned); throws UntrustedComponentError when trust fails. */
export function checkTrust(imageRef: string, bytes: Uint8Array, trustedIssuers: readonly string[]): ClaimsReport | null {
  let report: ClaimsReport | null;
  try {
    report = readClaims(bytes);
  } catch (error) {
    if (trustedIssuers.length === 0) return null; // unreadable claims only matter when claims are required
    throw new UntrustedComponentError(imageRef, `its claims cannot be read (${error instanceof WascapError ? error.message : String(error)})`);
  }
  if (trustedIssuers.length === 0) return report;
  const trusted = `trusted issuers: ${trustedIssuers.join(', ')}`;
  if (!report) throw new UntrustedComponentError(imageRef, `it is not signed, and this host runs only components signed by ${trusted}`);
  const { claims } = report;
  if (!trustedIssuers.includes(claims.iss)) throw new UntrustedComponentError(imageRef, `it is signed by ${claims.iss}, which is not one of the ${trusted}`);
  if (!report.signatureValid) throw new UntrustedComponentError(imageRef, `its claims signature does not verify against issuer ${claims.iss}`);
  if (report.hashValid === null)
    throw new UntrustedComponentError(imageRef, `its claims (wascap revision ${claims.wascap_revision ?? 0}) do not bind the module hash; sign it again`);
  if (!report.hashValid) {
    throw new UntrustedComponentError(
      imageRef,
      `its bytes do not match the signed hash (signed ${claims.wascap?.hash}, actual ${report.moduleHash}): it was changed after signing`,
    );
  }
  if (report.expired) throw new UntrustedComponentError(imageRef, `its claims expired at ${new Date(claims.exp! * 1000).toISOString()}`);
  if (report.notYetValid) throw new UntrustedComponentError(imageRef, `its claims are valid only from ${new Date(claims.nbf! * 1000).toISOString()}`);
  return report;
}

export function policyClaims(report: ClaimsReport | null): PolicyClaims | null {
  if (!report) return null;
  const { claims } = report;
  return {
    publicKey: claims.sub,
    issuer: claims.iss,
    issuedAt: String(claims.iat),
    ...(claims.exp === undefined ? {} : { expiresAt: claims.exp }),
    expired: report.expired,
    ...(claims.wascap?.name === undefined ? {} : { name: claims.wascap.name }),
    ...(claims.wascap?.ver === undefined ? {} : { version: claims.wascap.ver }),
    valid: report.signatureValid && report.hashValid === true && !report.expired && !report.notYetValid,
  };
}
