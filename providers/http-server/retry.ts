import { TargetGoneError, TargetNotRunningError } from '../../protocol/mod.js';

/** Methods whose repetition is harmless (RFC 9110 9.2.1), for a call that may have run already. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface RetryCheck {
  method: string;
  /** Whether any of the request body has been read (by the component, here or remotely). */
  bodyRead: boolean;
}

/**
 * Whether an HTTP request whose component call failed with `error` may be sent once more, to
 * another instance, and with how much time: the remaining budget in ms, or 0 when it may not.
 *
 * Only a lost target is worth another try: no instance answered (no responders: none was
 * running when the call went out, another may be now), or the instance that had the call went
 * away (TargetGoneError). The request must be whole to be sent again, so nothing of its body
 * may have been read; and a call that had started on the lost instance may have acted, so it
 * is repeated only for GET, HEAD and OPTIONS. A call that never started (no responders, or
 * lost before its host acknowledged it) is repeated whatever the method.
 */
export function retryBudget(error: unknown, request: RetryCheck): number {
  let deadline: number | undefined;
  if (error instanceof TargetGoneError) {
    if (error.started && !SAFE_METHODS.has(request.method)) return 0;
    deadline = error.deadline;
  } else if (error instanceof TargetNotRunningError) {
    deadline = error.deadline;
  } else {
    return 0;
  }
  if (request.bodyRead || deadline === undefined) return 0;
  return Math.max(0, deadline - Date.now());
}

/** Why a request was not tried again after its target was lost (for the 502's body). */
export function notRetriedBecause(error: TargetGoneError, request: RetryCheck): string {
  if (request.bodyRead) return 'the request body was already read, so it cannot be sent again';
  if (error.started && !SAFE_METHODS.has(request.method)) return `a ${request.method} that had started is not sent again`;
  return 'another attempt failed too';
}

export interface RetryLog {
  info(obj: object, msg: string): void;
}

/**
 * Sends the request again through `again` (given the remaining budget) when `retryBudget`
 * allows it; otherwise rethrows `error`. At most once: `again` is not retried itself.
 */
export async function retryOnce<T>(error: unknown, request: RetryCheck, again: (budgetMs: number) => Promise<T>, log: RetryLog): Promise<T> {
  const budgetMs = retryBudget(error, request);
  if (budgetMs <= 0) throw error;
  log.info({ err: error, budget_ms: budgetMs }, 'component instance lost or absent; sending the request to another instance');
  return again(budgetMs);
}
