import { z } from 'zod';

const PositiveInt = z.coerce.number().int().positive();

/**
 * Provider config. wasmCloud's messaging-nats takes its connection from config (`cluster_uris`);
 * here the default is the host's own NATS connection, and `cluster_uris` (comma-separated) on a
 * link or the provider points that link at another NATS cluster instead.
 */
export const MessagingConfig = z
  .object({
    cluster_uris: z.string().optional(),
    /** Deadline of one `handle-message` call on a component. */
    handler_timeout_ms: PositiveInt.default(10_000),
    /** Deliveries of one subscription running at once; further messages wait in the subscription. */
    max_in_flight: PositiveInt.default(64),
    /** `request` timeout when the component passes 0. */
    request_timeout_ms: PositiveInt.default(5_000),
  })
  .passthrough();
export type MessagingConfig = z.infer<typeof MessagingConfig>;

/**
 * Source config of a handler link (provider -> component), wasmCloud-compatible: `subscriptions`
 * is a comma-separated list of subjects, each optionally `subject|queue-group` (wasmCloud's
 * spelling); `queue_group` is the queue for the entries that name none.
 */
export const HandlerLinkConfig = z
  .object({
    subscriptions: z.string().optional(),
    queue_group: z.string().optional(),
    cluster_uris: z.string().optional(),
  })
  .passthrough();
export type HandlerLinkConfig = z.infer<typeof HandlerLinkConfig>;

/** Target config of a consumer link (component -> provider). */
export const ConsumerLinkConfig = z
  .object({
    cluster_uris: z.string().optional(),
  })
  .passthrough();
export type ConsumerLinkConfig = z.infer<typeof ConsumerLinkConfig>;

export interface Subscription {
  subject: string;
  queue: string | undefined;
}

const SUBJECT = /^[^\s]+$/;

/** Parses `subscriptions`; throws a message naming the bad entry. */
export function parseSubscriptions(config: HandlerLinkConfig): Subscription[] {
  const out: Subscription[] = [];
  for (const raw of (config.subscriptions ?? '').split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const [subject = '', queue, extra] = entry.split('|').map((s) => s.trim());
    if (extra !== undefined || !SUBJECT.test(subject) || subject.split('.').some((t) => t === '')) {
      throw new Error(`subscription ${JSON.stringify(entry)} is not "subject" or "subject|queue-group"`);
    }
    if (queue !== undefined && !SUBJECT.test(queue)) throw new Error(`queue group in ${JSON.stringify(entry)} is empty or has spaces`);
    out.push({ subject, queue: queue ?? config.queue_group });
  }
  return out;
}

/** `cluster_uris` as a server list, or null for the host's connection. */
export function clusterUris(value: string | undefined): string[] | null {
  const uris = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return uris.length === 0 ? null : uris;
}
