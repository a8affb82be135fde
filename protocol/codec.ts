import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { CloudEvent, EVENT_TYPE_PREFIX, eventData, isEventType, type EventData, type EventType } from './schemas/events.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** Parses JSON bytes; throws SyntaxError with the parser's message on bad input. */
export function decodeJson(data: Uint8Array): unknown {
  if (data.length === 0) return undefined;
  return JSON.parse(decoder.decode(data));
}

export function makeEvent<T extends EventType>(type: T, source: string, data: EventData<T>): CloudEvent {
  return {
    specversion: '1.0',
    id: randomUUID(),
    source,
    type: `${EVENT_TYPE_PREFIX}${type}`,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data,
  };
}

export type DecodedEvent = {
  [T in EventType]: { type: T; source: string; time: string; id: string; data: EventData<T> };
}[EventType];

/**
 * Decodes and validates a lattice event. Returns null for anything that is not a known, valid
 * event: observers (wadm, the CLI) must survive foreign or malformed publications.
 */
export function decodeEvent(bytes: Uint8Array): DecodedEvent | null {
  let raw: unknown;
  try {
    raw = decodeJson(bytes);
  } catch {
    return null;
  }
  const envelope = CloudEvent.safeParse(raw);
  if (!envelope.success) return null;
  const short = envelope.data.type.startsWith(EVENT_TYPE_PREFIX) ? envelope.data.type.slice(EVENT_TYPE_PREFIX.length) : envelope.data.type;
  if (!isEventType(short)) return null;
  const schema: z.ZodType = eventData[short];
  const data = schema.safeParse(envelope.data.data);
  if (!data.success) return null;
  return {
    type: short,
    source: envelope.data.source,
    time: envelope.data.time,
    id: envelope.data.id,
    data: data.data,
  } as DecodedEvent;
}
