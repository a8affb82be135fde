import { z } from 'zod';
import { Identifier } from './schemas/common.js';

/**
 * The invocation contract: one protocol for every hop (component -> provider, provider ->
 * component, component -> component). Wire details (subjects, headers, chunking) are in
 * docs/protocol.md; the transport is protocol/rpc/.
 */

const WORD = '[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*';
const INTERFACE = new RegExp(`^(${WORD}(?::${WORD})*):(${WORD})/(${WORD})(?:@([0-9A-Za-z.+-]+))?$`);
const FUNCTION = /^(?:\[(?:method|static|constructor|resource-drop)\])?[A-Za-z][A-Za-z0-9-]*(?:\.[A-Za-z][A-Za-z0-9-]*)?$/;

/** A WIT interface name such as `wasi:keyvalue/store@0.2.0-draft` (the version is optional). */
export const InterfaceName = z.string().regex(INTERFACE, 'is not a WIT interface name like "ns:pkg/iface@1.2.3"');

/** A WIT function name as jco and wasm-tools spell it: `get`, `[method]bucket.get`, `[static]t.new`. */
export const FunctionName = z.string().regex(FUNCTION, 'is not a WIT function name');

export interface InterfaceRef {
  namespace: string;
  package: string;
  interface: string;
  /** Semver, or null when the name carries none. */
  version: string | null;
}

/**
 * Parsed names, since the same few interfaces are parsed on every host call (builtin check,
 * router, local dispatch). Bounded: a caller sending ever-new names cannot grow it forever.
 */
const parsed = new Map<string, Readonly<InterfaceRef>>();
const PARSED_MAX = 1024;

/** Parses `ns:pkg/iface[@version]`; throws a TypeError naming the bad input. */
export function parseInterfaceName(name: string): InterfaceRef {
  const known = parsed.get(name);
  if (known) return { ...known };
  const match = INTERFACE.exec(name);
  if (!match) throw new TypeError(`${JSON.stringify(name)} is not a WIT interface name like "ns:pkg/iface@1.2.3"`);
  const ref = { namespace: match[1]!, package: match[2]!, interface: match[3]!, version: match[4] ?? null };
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(name, Object.freeze({ ...ref }));
  return ref;
}

/** `ns:pkg/iface`, the versionless form used in subjects and link lookups. */
export function interfaceKey(ref: Pick<InterfaceRef, 'namespace' | 'package' | 'interface'>): string {
  return `${ref.namespace}:${ref.package}/${ref.interface}`;
}

/**
 * Semver compatibility as WIT tooling applies it to imports: same major when major > 0, same
 * minor when major is 0, exact for 0.0.x; a pre-release (`0.2.0-draft`) only matches itself,
 * because drafts change incompatibly. A missing version on either side matches anything: an
 * unversioned interface (e.g. `wasi:logging/logging`) has no other way to be linked.
 */
export function versionsCompatible(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return true;
  const pa = parseSemver(a);
  const pb = parseSemver(b);
  if (!pa || !pb) return a === b;
  if (pa.pre || pb.pre) return a.split('+')[0] === b.split('+')[0];
  if (pa.major !== pb.major) return false;
  if (pa.major > 0) return true;
  if (pa.minor !== pb.minor) return false;
  if (pa.minor > 0) return true;
  return pa.patch === pb.patch;
}

function parseSemver(v: string): { major: number; minor: number; patch: number; pre: string } | null {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(v);
  if (!m) return null;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre: m[4] ?? '' };
}

/** Headers of an invocation message. `traceparent` is W3C's name so tracers pick it up as is. */
export const InvocationHeader = {
  /** Full interface name with version, so the server can check compatibility. */
  interface: 'Lattice-Interface',
  source: 'Lattice-Source',
  link: 'Lattice-Link',
  traceparent: 'traceparent',
  /** Remaining budget in ms when sent; a relative figure because host clocks differ. */
  timeout: 'Lattice-Timeout-Ms',
  /** Set on replies that failed: one of InvocationFailureKind. */
  error: 'Lattice-Error',
  /** Total chunks of a chunked body (request or reply); its first chunk rides in the message. */
  chunks: 'Lattice-Chunks',
  /** Index of the chunk in a transfer message. */
  chunk: 'Lattice-Chunk',
  /** Subject the peer sends the remaining chunks to (upload) or fetches them from (download). */
  transfer: 'Lattice-Transfer',
  /**
   * Request: the caller wants the call's liveness, a beat every this many ms while it runs.
   * The server then acknowledges the call on receipt, before its handler starts, and beats.
   */
  keepalive: 'Lattice-Keepalive-Ms',
  /** Acknowledgement and beats (empty bodies, before the reply): the serving instance's id. */
  alive: 'Lattice-Alive',
} as const;

/** Why a reply carries no value. */
export const InvocationFailureKind = {
  /** The handler refused the call on purpose (unknown function, bad arguments...). */
  application: 'application',
  /** The handler threw unexpectedly or the component trapped. */
  crash: 'crash',
  /** The deadline passed before the server could answer. */
  deadline: 'deadline',
  /** The message broke the protocol (bad headers, undecodable body). */
  protocol: 'protocol',
} as const;
export type InvocationFailureKind = (typeof InvocationFailureKind)[keyof typeof InvocationFailureKind];

/** Body of a failed reply (msgpack). */
export const InvocationFailure = z.object({ code: z.string(), message: z.string() });
export type InvocationFailure = z.infer<typeof InvocationFailure>;

/**
 * Default deadline of one invocation: long enough for a slow backend (a Redis round trip under
 * load, a JetStream write), short enough that a caller of a vanished target is not pinned.
 */
export const DEFAULT_INVOCATION_DEADLINE_MS = 10_000;

/**
 * How often a serving instance beats a call it runs, and how many beats a caller may miss
 * before it declares the instance gone: the same 1 s x 3 as host heartbeats, so a caller learns
 * of a lost host about when wadm does, and a call that is slow but alive is never cut off.
 */
export const DEFAULT_KEEPALIVE_MS = 1_000;
export const KEEPALIVE_MISSES = 3;
/** Bounds of a requested keep-alive interval (a server clamps what a caller asks for). */
export const MIN_KEEPALIVE_MS = 100;
export const MAX_KEEPALIVE_MS = 60_000;

/** What a caller passes to `invoke`. Validated before anything is sent. */
export const InvokeOptions = z.strictObject({
  target: Identifier,
  interface: InterfaceName,
  function: FunctionName,
  /** Positional WIT parameters as jco represents them. */
  args: z.array(z.unknown()).default([]),
  source: Identifier,
  linkName: Identifier.default('default'),
  deadlineMs: z.number().int().positive().max(3_600_000).default(DEFAULT_INVOCATION_DEADLINE_MS),
  /** Beat interval the serving instance is asked for; KEEPALIVE_MISSES missed beats: TargetGoneError. */
  keepaliveMs: z.number().int().min(MIN_KEEPALIVE_MS).max(MAX_KEEPALIVE_MS).default(DEFAULT_KEEPALIVE_MS),
  traceparent: z
    .string()
    .regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/, 'is not a W3C traceparent')
    .optional(),
});
export type InvokeOptions = z.infer<typeof InvokeOptions>;
export type InvokeInput = z.input<typeof InvokeOptions>;

/** What a server's handler receives. */
export interface IncomingCall {
  lattice: string;
  target: string;
  /** Full interface name as the caller sent it (with version when it had one). */
  interface: string;
  ref: InterfaceRef;
  function: string;
  args: unknown[];
  source: string;
  linkName: string;
  traceparent: string | undefined;
  /** Local epoch ms after which nobody waits for the answer. */
  deadline: number;
  /** Aborted when the deadline passes or the server stops. */
  signal: AbortSignal;
}
