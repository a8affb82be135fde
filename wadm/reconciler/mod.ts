/** Public API of the reconciler: the observer, expected-state bookkeeping, executor, lease and loop. */
export { LatticeObserver, type ObserverOptions } from './observer.js';
export { ExpectedState, commandKey, commandSubject, EXPECTED_TTL_MS, BACKOFF_BASE_MS, BACKOFF_MAX_MS, FAILURES_BEFORE_FAILED } from './expected.js';
export { executeCommands, sendCommand, SLOW_COMMAND_TIMEOUT_MS, type CommandOutcome } from './executor.js';
export { LeaderLease, LEASE_TTL_MS, LEASE_RENEW_MS, type LeaseOptions, type LeaseOverOptions, type LeaseLink } from './lease.js';
export { Reconciler, DEBOUNCE_MS, TICK_MS, type ReconcilerOptions, type ReconcilerStats } from './reconciler.js';
export { describeStatus } from './status.js';
