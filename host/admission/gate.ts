/**
 * Admission of component images: the bytes a host is about to run pass the trust check before the
 * runtime sees them, whichever path loads them (scale, update, a restart). The gate wraps the
 * runtime's image loaders, so the runtime itself knows nothing of claims; `inspect` loads an
 * image ahead of a scale (to show its claims to the policy service) and hands the same bytes to
 * the runtime's load that follows, so an image is fetched once.
 */
import type { ClaimsReport } from '../../lib/wascap.js';
import { resolveImage, type ImageLoader, type ResolveOptions } from '../../runtime/image-loader.js';
import { checkTrust } from './trust.js';

/** How long inspected bytes wait for the runtime's load; past that they are fetched again. */
const HANDOVER_MS = 60_000;

export class ImageGate {
  private readonly inspected = new Map<string, { bytes: Uint8Array; at: number }>();

  constructor(
    private readonly inner: readonly ImageLoader[],
    readonly trustedIssuers: readonly string[],
  ) {}

  /** The loaders the runtime uses: the inner ones, each followed by the trust check. */
  loaders(): ImageLoader[] {
    return this.inner.map((loader) => ({
      schemes: loader.schemes,
      load: async (ref: string, options: ResolveOptions) => {
        const handed = this.take(ref);
        const bytes = handed ?? (await loader.load(ref, options));
        // Without trusted issuers there is nothing to refuse: the load path stays as it was.
        if (!handed && this.trustedIssuers.length > 0) checkTrust(ref, bytes, this.trustedIssuers);
        return bytes;
      },
    }));
  }

  /** Loads and checks an image; its claims (null when unsigned). Throws UntrustedComponentError. */
  async inspect(ref: string, options: ResolveOptions = {}): Promise<ClaimsReport | null> {
    const bytes = await resolveImage(ref, { ...options, loaders: this.inner });
    const report = checkTrust(ref, bytes, this.trustedIssuers);
    this.prune();
    this.inspected.set(ref, { bytes, at: Date.now() });
    return report;
  }

  private take(ref: string): Uint8Array | null {
    const entry = this.inspected.get(ref);
    this.inspected.delete(ref);
    return entry && Date.now() - entry.at < HANDOVER_MS ? entry.bytes : null;
  }

  private prune(): void {
    const now = Date.now();
    for (const [ref, entry] of this.inspected) if (now - entry.at >= HANDOVER_MS) this.inspected.delete(ref);
  }
}
