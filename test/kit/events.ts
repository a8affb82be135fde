import type { NatsConnection, Subscription } from 'nats';
import { allEvents, decodeEvent, type DecodedEvent, type EventType } from '../../protocol/mod.js';
import { waitFor } from './wait.js';

/** A decoded lattice event plus what it cost on the wire and when it arrived. */
export type RecordedEvent<T extends EventType = EventType> = Extract<DecodedEvent, { type: T }> & {
  subject: string;
  /** Payload bytes plus subject bytes: what one delivery moves through NATS, before protocol framing. */
  bytes: number;
  receivedAt: number;
};

/**
 * Records every event of a lattice (`wasmbus.evt.<lattice>.>`), decoded and validated with the
 * protocol schemas. An event that fails validation is counted in `invalid`, so tests notice a
 * host publishing something the schemas reject.
 */
export class EventRecorder {
  readonly events: RecordedEvent[] = [];
  invalid = 0;

  private constructor(private readonly sub: Subscription) {}

  static async start(nc: NatsConnection, lattice: string): Promise<EventRecorder> {
    let recorder: EventRecorder | undefined;
    const pending: RecordedEvent[] = [];
    let invalid = 0;
    const sub = nc.subscribe(allEvents(lattice), {
      callback: (_err, msg) => {
        const event = decodeEvent(msg.data);
        if (!event) {
          if (recorder) recorder.invalid++;
          else invalid++;
          return;
        }
        const recorded = { ...event, subject: msg.subject, bytes: msg.data.length + msg.subject.length, receivedAt: Date.now() } as RecordedEvent;
        (recorder ? recorder.events : pending).push(recorded);
      },
    });
    await nc.flush();
    recorder = new EventRecorder(sub);
    recorder.events.push(...pending);
    recorder.invalid += invalid;
    return recorder;
  }

  /** Events of `type`, optionally only those from host `source`. */
  of<T extends EventType>(type: T, source?: string): Array<RecordedEvent<T>> {
    return this.events.filter((e): e is RecordedEvent<T> => e.type === type && (source === undefined || e.source === source));
  }

  /** Waits for an event of `type` (from `source`, matching `match`) that arrived after `since`. */
  waitFor<T extends EventType>(
    type: T,
    opts: { source?: string; since?: number; match?: (e: RecordedEvent<T>) => boolean; timeoutMs?: number } = {},
  ): Promise<RecordedEvent<T>> {
    return waitFor(
      `${type} event${opts.source ? ` from ${opts.source}` : ''}`,
      () => this.of(type, opts.source).find((e) => e.receivedAt >= (opts.since ?? 0) && (opts.match === undefined || opts.match(e))),
      { timeoutMs: opts.timeoutMs ?? 10_000 },
    );
  }

  stop(): void {
    this.sub.unsubscribe();
  }
}
