import type { NatsConnection, Subscription as NatsSubscription } from 'nats';
import type { Logger } from '../../lib/logger.js';
import { describePayload, WitError, type Link } from '../../protocol/mod.js';
import type { Subscription } from './config.js';
import { toBrokerMessage } from './wit.js';

export const HANDLER_INTERFACE = 'wasmcloud:messaging/handler@0.2.0';

export interface DeliveryOptions {
  /** Calls `handle-message` on the link's target. */
  call(link: Link, msg: unknown, deadlineMs: number): Promise<unknown>;
  deadlineMs: number;
  maxInFlight: number;
  log: Logger;
}

/**
 * The NATS subscriptions of one handler link. Each delivered message becomes one `handle-message`
 * call on the component; at most `maxInFlight` run at once per subscription, the rest wait in the
 * subscription (NATS's slow-consumer limits apply past that). A component that wants to answer a
 * request publishes to the message's `reply-to` through the consumer interface.
 */
export class LinkSubscriptions {
  private readonly subs: NatsSubscription[] = [];
  private readonly loops: Promise<void>[] = [];
  delivered = 0;
  failed = 0;

  private constructor(
    readonly link: Link,
    private readonly options: DeliveryOptions,
  ) {}

  static start(nc: NatsConnection, link: Link, subscriptions: Subscription[], options: DeliveryOptions): LinkSubscriptions {
    const set = new LinkSubscriptions(link, options);
    for (const { subject, queue } of subscriptions) {
      const sub = nc.subscribe(subject, queue ? { queue } : {});
      set.subs.push(sub);
      set.loops.push(set.pump(sub));
      options.log.info({ target: link.target, subject, queue }, 'subscribed');
    }
    return set;
  }

  private async pump(sub: NatsSubscription): Promise<void> {
    let inFlight = 0;
    let wake: (() => void) | null = null;
    for await (const msg of sub) {
      while (inFlight >= this.options.maxInFlight) await new Promise<void>((r) => (wake = r));
      inFlight++;
      void this.deliver(toBrokerMessage(msg)).finally(() => {
        inFlight--;
        const w = wake;
        wake = null;
        w?.();
      });
    }
  }

  private async deliver(msg: ReturnType<typeof toBrokerMessage>): Promise<void> {
    const { log } = this.options;
    try {
      await this.options.call(this.link, msg, this.options.deadlineMs);
      this.delivered++;
    } catch (error) {
      this.failed++;
      // err(string) from the component is its answer; a transport failure is ours. Both are
      // logged: NATS core messages are fire-and-forget, so there is nobody else to tell.
      if (error instanceof WitError || (error as Error).name === 'WitError') {
        log.warn({ target: this.link.target, subject: msg.subject, error: describePayload((error as WitError).payload) }, 'handler returned an error');
      } else {
        log.warn({ target: this.link.target, subject: msg.subject, err: error }, 'message delivery failed');
      }
    }
  }

  async stop(): Promise<void> {
    for (const sub of this.subs.splice(0)) sub.unsubscribe();
    await Promise.allSettled(this.loops.splice(0));
  }
}
