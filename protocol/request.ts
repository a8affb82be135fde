import { ErrorCode, RequestStrategy, type NatsConnection, type NatsError } from 'nats';
import type { z } from 'zod';
import { CtlEnvelope, describeIssues } from './envelope.js';
import { ControlError, DecodeError, NoRespondersError, TimeoutError } from './errors.js';
import { decodeJson, encodeJson } from './codec.js';

/** Default deadline of one control request; hosts answer in milliseconds when they are alive. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

/**
 * Default deadline of the requests that load something before answering (scale, update, start
 * provider): the answer is the load's outcome, and a first load can pull from a registry,
 * transpile a component (a second or two; far more on a busy or small machine) or start a
 * process.
 */
export const DEFAULT_LOAD_TIMEOUT_MS = 60_000;

function isNatsError(error: unknown): error is NatsError {
  return error instanceof Error && typeof (error as Partial<NatsError>).code === 'string';
}

export function mapTransportError(subject: string, timeoutMs: number, error: unknown): Error {
  if (isNatsError(error)) {
    if (error.code === ErrorCode.NoResponders) return new NoRespondersError(subject, { cause: error });
    if (error.code === ErrorCode.Timeout) return new TimeoutError(subject, timeoutMs, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** Decodes a control envelope and validates `response` with `schema`. */
export function decodeEnvelope<T>(subject: string, bytes: Uint8Array, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = decodeJson(bytes);
  } catch (cause) {
    throw new DecodeError(subject, 'not JSON', { cause });
  }
  const envelope = CtlEnvelope.safeParse(raw);
  if (!envelope.success) throw new DecodeError(subject, describeIssues(envelope.error));
  if (!envelope.data.success) throw new ControlError(subject, envelope.data.message || 'request failed');
  const response = schema.safeParse(envelope.data.response);
  if (!response.success) throw new DecodeError(subject, describeIssues(response.error));
  return response.data;
}

/** One request, one envelope reply. */
export async function ctlRequest<T>(
  nc: NatsConnection,
  subject: string,
  body: unknown,
  schema: z.ZodType<T>,
  timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
): Promise<T> {
  let reply;
  try {
    reply = await nc.request(subject, encodeJson(body ?? {}), { timeout: timeoutMs });
  } catch (error) {
    throw mapTransportError(subject, timeoutMs, error);
  }
  return decodeEnvelope(subject, reply.data, schema);
}

/**
 * Scatter-gather: collects every reply that arrives before the deadline, or until `jitterMs` passes
 * without a new one. Replies that fail to decode or say `success: false` are skipped: one broken
 * host must not hide the others.
 */
export async function ctlGather<T>(
  nc: NatsConnection,
  subject: string,
  body: unknown,
  schema: z.ZodType<T>,
  opts: { timeoutMs?: number; jitterMs?: number } = {},
): Promise<T[]> {
  const maxWait = opts.timeoutMs ?? 1_000;
  const results: T[] = [];
  let iterator;
  try {
    iterator = await nc.requestMany(subject, encodeJson(body ?? {}), {
      maxWait,
      strategy: opts.jitterMs ? RequestStrategy.JitterTimer : RequestStrategy.Timer,
      jitter: opts.jitterMs,
    });
  } catch (error) {
    throw mapTransportError(subject, maxWait, error);
  }
  try {
    for await (const msg of iterator) {
      try {
        results.push(decodeEnvelope(subject, msg.data, schema));
      } catch {
        // skipped on purpose: see the function comment
      }
    }
  } catch (error) {
    const mapped = mapTransportError(subject, maxWait, error);
    // No responders in a gather means "no hosts": an empty answer, not a failure.
    if (mapped instanceof NoRespondersError) return results;
    throw mapped;
  }
  return results;
}
