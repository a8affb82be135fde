import { ctlPrefix } from './subjects.js';

/**
 * Control-interface operations as `noun.verb`, the part of a control subject between the lattice
 * and the optional id. The host's control server dispatches on these; they are the names under
 * which the runtime and the provider supervisor register their handlers.
 */
export const CTL_OPS = [
  'host.ping',
  'host.get',
  'host.stop',
  'label.put',
  'label.del',
  'component.scale',
  'component.update',
  'component.auction',
  'provider.start',
  'provider.stop',
  'provider.auction',
  'link.put',
  'link.del',
  'link.get',
  'config.put',
  'config.get',
  'config.del',
] as const;
export type CtlOp = (typeof CTL_OPS)[number];

/** Operations addressed to one host (the subject ends in the host id). */
export const HOST_SCOPED_OPS: readonly CtlOp[] = [
  'host.get',
  'host.stop',
  'label.put',
  'label.del',
  'component.scale',
  'component.update',
  'provider.start',
  'provider.stop',
];

/** Scatter-gather operations: every host receives them (no id, no queue group). */
export const BROADCAST_OPS: readonly CtlOp[] = ['host.ping', 'component.auction', 'provider.auction'];

/** Lattice-wide operations on KV data, answered by one host of the queue group. */
export const LATTICE_OPS: readonly CtlOp[] = ['link.put', 'link.del', 'link.get', 'config.put', 'config.get', 'config.del'];

export function isCtlOp(value: string): value is CtlOp {
  return (CTL_OPS as readonly string[]).includes(value);
}

/**
 * Largest control request body a host accepts. Well under NATS's default 1 MiB max payload so
 * that the reply and the event a request causes (which may echo the body) still fit.
 */
export const MAX_CTL_REQUEST_BYTES = 512 * 1024;

export interface ParsedCtlSubject {
  /** `noun.verb`; may be an operation this version does not know (the caller decides). */
  op: string;
  noun: string;
  verb: string;
  /** Host id or config name, when the subject has one. */
  id?: string;
}

/**
 * Splits a control subject of `lattice` into its operation and id. Returns null for subjects
 * that are not control subjects of this lattice and version.
 */
export function parseCtlSubject(lattice: string, subject: string): ParsedCtlSubject | null {
  const prefix = `${ctlPrefix(lattice)}.`;
  if (!subject.startsWith(prefix)) return null;
  const parts = subject.slice(prefix.length).split('.');
  if (parts.length < 2 || parts.length > 3) return null;
  const [noun, verb, id] = parts as [string, string, string | undefined];
  return id === undefined ? { op: `${noun}.${verb}`, noun, verb } : { op: `${noun}.${verb}`, noun, verb, id };
}
