/**
 * `wasi:http/types.error-code` values in jco's shape (`{ tag, val }`, case names as in the WIT).
 * The provider answers every failure with one of these, so the guest's `handle` or
 * `future-incoming-response.get` returns `err(error-code)` instead of trapping.
 */
export type ErrorCode =
  | { tag: 'DNS-timeout' }
  | { tag: 'DNS-error'; val: { rcode: string | null; infoCode: number | null } }
  | { tag: 'destination-unavailable' }
  | { tag: 'destination-IP-unroutable' }
  | { tag: 'connection-refused' }
  | { tag: 'connection-terminated' }
  | { tag: 'connection-timeout' }
  | { tag: 'TLS-certificate-error' }
  | { tag: 'TLS-protocol-error' }
  | { tag: 'HTTP-request-denied' }
  | { tag: 'HTTP-request-method-invalid' }
  | { tag: 'HTTP-request-URI-invalid' }
  | { tag: 'HTTP-request-body-size'; val: bigint | null }
  | { tag: 'HTTP-response-body-size'; val: bigint | null }
  | { tag: 'HTTP-response-timeout' }
  | { tag: 'HTTP-protocol-error' }
  | { tag: 'internal-error'; val: string | null };

/** Maps a Node socket/DNS/TLS error to the closest error-code. */
export function errorCodeOf(error: unknown): ErrorCode {
  const code = (error as { code?: string }).code ?? '';
  switch (code) {
    case 'ECONNREFUSED':
      return { tag: 'connection-refused' };
    case 'ECONNRESET':
    case 'EPIPE':
      return { tag: 'connection-terminated' };
    case 'ETIMEDOUT':
      return { tag: 'connection-timeout' };
    case 'ENOTFOUND':
      return { tag: 'DNS-error', val: { rcode: 'NXDOMAIN', infoCode: null } };
    case 'EAI_AGAIN':
      return { tag: 'DNS-timeout' };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { tag: 'destination-unavailable' };
    case 'HPE_INVALID_CONSTANT':
    case 'HPE_INVALID_HEADER_TOKEN':
    case 'HPE_INVALID_CHUNK_SIZE':
      return { tag: 'HTTP-protocol-error' };
    case 'ERR_INVALID_HTTP_TOKEN':
      return { tag: 'HTTP-request-method-invalid' };
    default:
      if (code.startsWith('ERR_TLS_') || code.startsWith('CERT_') || code.includes('SELF_SIGNED') || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE') {
        return { tag: 'TLS-certificate-error' };
      }
      if (code.startsWith('ERR_SSL_')) return { tag: 'TLS-protocol-error' };
      return { tag: 'internal-error', val: error instanceof Error ? error.message : String(error) };
  }
}
