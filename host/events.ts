import type { NatsConnection } from 'nats';
import { encodeJson, eventSubject, makeEvent, type EventData, type EventType } from '../protocol/mod.js';
import type { Logger } from '../lib/logger.js';

/**
 * Publishes lattice events (CloudEvents on `wasmbus.evt.<lattice>.<type>`) with this host as the
 * source. Publishing never throws: an event lost because NATS is closed must not fail the
 * operation that caused it; it is logged instead.
 */
export class EventPublisher {
  constructor(
    private readonly nc: NatsConnection,
    private readonly lattice: string,
    private readonly source: string,
    private readonly log: Logger,
  ) {}

  /** Publishes one event; returns the encoded size in bytes (0 when it could not be sent). */
  publish<T extends EventType>(type: T, data: EventData<T>): number {
    try {
      const subject = eventSubject(this.lattice, type);
      const payload = encodeJson(makeEvent(type, this.source, data));
      this.nc.publish(subject, payload);
      return payload.length;
    } catch (error) {
      this.log.warn({ err: error, event: type }, 'could not publish event');
      return 0;
    }
  }
}
