/**
 * Subject spaces the platform itself uses on a lattice's NATS connection. A component publishing
 * through the messaging provider on the host's connection must not reach them: a publish on
 * `wasmbus.ctl.…` would be a control request, one on `$JS.API.…` a JetStream admin call.
 */
export const RESERVED_SUBJECT_PREFIXES: readonly string[] = [
  'wasmbus.', // control interface and events
  'wrpc.', // invocations
  'wadm.', // scheduler API
  '$', // $JS, $KV, $O, $SYS and every other server-reserved space
];

/** The reserved prefix `subject` falls in, or null when an application may use it. */
export function reservedSubjectPrefix(subject: string): string | null {
  return RESERVED_SUBJECT_PREFIXES.find((prefix) => subject.startsWith(prefix)) ?? null;
}
