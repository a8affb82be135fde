/**
 * A WIT-level failure: the value of a `result`'s `err` case (e.g. `wasi:keyvalue/store.error`'s
 * `{ tag: 'no-such-store' }`). Import handlers and provider handlers throw it to make a
 * result-returning function answer `err(payload)`; it is an application answer, not a crash, so
 * it never poisons an instance.
 */
export class WitError extends Error {
  constructor(readonly payload: unknown) {
    super(`WIT error: ${describePayload(payload)}`);
    this.name = 'WitError';
  }
}

export function describePayload(payload: unknown): string {
  try {
    return JSON.stringify(payload, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(payload);
  } catch {
    return String(payload);
  }
}

/**
 * How every target answers on the lattice: the function's return value, or the WIT error it
 * raised. Wrapping at the protocol level (not in the value) keeps a function that returns a
 * variant with `ok`/`err` cases unambiguous.
 */
export type CallOutcome = { tag: 'ok'; val: unknown } | { tag: 'err'; val: unknown };

export function isCallOutcome(value: unknown): value is CallOutcome {
  return typeof value === 'object' && value !== null && ((value as CallOutcome).tag === 'ok' || (value as CallOutcome).tag === 'err') && 'val' in value;
}

/** Runs `fn`, turning a thrown WitError into `{ tag: 'err' }`; other errors propagate. */
export async function toOutcome(fn: () => unknown): Promise<CallOutcome> {
  try {
    return { tag: 'ok', val: await fn() };
  } catch (error) {
    if (error instanceof WitError || (error instanceof Error && error.name === 'WitError' && 'payload' in error)) {
      return { tag: 'err', val: (error as WitError).payload };
    }
    throw error;
  }
}

/** The inverse of `toOutcome`: the value, or a thrown WitError. */
export function fromOutcome(outcome: unknown): unknown {
  if (!isCallOutcome(outcome)) throw new TypeError('reply is not a call outcome ({tag: ok|err, val})');
  if (outcome.tag === 'err') throw new WitError(outcome.val);
  return outcome.val;
}
