export type OciErrorKind = 'unauthorized' | 'denied' | 'not-found' | 'unreachable' | 'digest-mismatch' | 'not-a-component' | 'protocol';

/** A registry operation that failed, with the reason a user can act on. */
export class OciError extends Error {
  constructor(
    readonly kind: OciErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OciError';
  }
}
