/**
 * Every NATS subject the lattice uses is built here. A subject string written anywhere else is a
 * bug: wadm, the CLI, hosts and tests must agree byte for byte, and `nats sub` users rely on the
 * wasmCloud 1.x shapes (`wasmbus.ctl.v1.<lattice>.<noun>.<verb>[.<id>]`, `wasmbus.evt.<lattice>.<type>`).
 */

/** Version segment of the control interface; bumped only on incompatible envelope changes. */
export const CTL_VERSION = 'v1';

const TOKEN = /^[^\s.*>]+$/;

/** Throws when a value would break a subject (spaces, dots, wildcards). Ids and names are tokens. */
export function assertToken(kind: string, value: string): string {
  if (!TOKEN.test(value)) {
    throw new TypeError(`${kind} ${JSON.stringify(value)} is not a valid NATS subject token`);
  }
  return value;
}

export function ctlPrefix(lattice: string): string {
  return `wasmbus.ctl.${CTL_VERSION}.${assertToken('lattice', lattice)}`;
}

/** Control-interface subjects. Host-scoped ones end in the host id; lattice-wide ones are queue-served. */
export const ctl = {
  /** Scatter-gather: every host answers. */
  hostPing: (lattice: string) => `${ctlPrefix(lattice)}.host.ping`,
  hostInventory: (lattice: string, hostId: string) => `${ctlPrefix(lattice)}.host.get.${assertToken('host id', hostId)}`,
  hostStop: (lattice: string, hostId: string) => `${ctlPrefix(lattice)}.host.stop.${assertToken('host id', hostId)}`,
  labelPut: (lattice: string, hostId: string) => `${ctlPrefix(lattice)}.label.put.${assertToken('host id', hostId)}`,
  labelDel: (lattice: string, hostId: string) => `${ctlPrefix(lattice)}.label.del.${assertToken('host id', hostId)}`,

  componentScale: (lattice: string, hostId: string) => `${ctlPrefix(lattice)}.component.scale.${assertToken('host id', hostId)}`,
  componentUpdate: (lattice: string, hostId: string) => `${ctlPrefix(lattice)}.component.update.${assertToken('host id', hostId)}`,
  /** Scatter-gather: hosts whose labels match the constraints answer. */
  componentAuction: (lattice: string) => `${ctlPrefix(lattice)}.component.auction`,

  providerStart: (lattice: string, hostId: string) => `${ctlPrefix(lattice)}.provider.start.${assertToken('host id', hostId)}`,
  providerStop: (lattice: string, hostId: string) => `${ctlPrefix(lattice)}.provider.stop.${assertToken('host id', hostId)}`,
  providerAuction: (lattice: string) => `${ctlPrefix(lattice)}.provider.auction`,

  /** Lattice-wide: links live in KV, so any one host (queue group) serves these. */
  linkPut: (lattice: string) => `${ctlPrefix(lattice)}.link.put`,
  linkDel: (lattice: string) => `${ctlPrefix(lattice)}.link.del`,
  linkGet: (lattice: string) => `${ctlPrefix(lattice)}.link.get`,

  configPut: (lattice: string, name: string) => `${ctlPrefix(lattice)}.config.put.${assertToken('config name', name)}`,
  configGet: (lattice: string, name: string) => `${ctlPrefix(lattice)}.config.get.${assertToken('config name', name)}`,
  configDel: (lattice: string, name: string) => `${ctlPrefix(lattice)}.config.del.${assertToken('config name', name)}`,

  /** Wildcards the host subscribes to. */
  hostScoped: (lattice: string, hostId: string) => `${ctlPrefix(lattice)}.*.*.${hostId}`,
  latticeScoped: (lattice: string) => [`${ctlPrefix(lattice)}.link.*`, `${ctlPrefix(lattice)}.config.*.*`],
} as const;

/**
 * The policy hook: hosts send PolicyRequests to the subject they are configured with
 * (`--policy-subject`); this is the conventional one, where the example policy service listens.
 */
export const policy = {
  defaultSubject: (lattice: string) => `wasmbus.policy.${assertToken('lattice', lattice)}`,
  /** A configured subject must be a plain subject (no wildcards) to request on. */
  check: (subject: string) => {
    for (const token of subject.split('.')) assertToken('policy subject token', token);
    return subject;
  },
} as const;

/** Queue group for lattice-wide control requests: exactly one host answers each. */
export const CTL_QUEUE_GROUP = 'lattice.ctl';

export function eventSubject(lattice: string, type: string): string {
  return `wasmbus.evt.${assertToken('lattice', lattice)}.${assertToken('event type', type)}`;
}

export function allEvents(lattice: string): string {
  return `wasmbus.evt.${assertToken('lattice', lattice)}.>`;
}

/** JetStream KV buckets, one set per lattice (names follow wasmCloud's). */
export const buckets = {
  links: (lattice: string) => `LATTICEDATA_${assertToken('lattice', lattice)}`,
  config: (lattice: string) => `CONFIGDATA_${assertToken('lattice', lattice)}`,
  /** Secrets, encrypted with the lattice secrets key (store/secret-store.ts). */
  secrets: (lattice: string) => `SECRETDATA_${assertToken('lattice', lattice)}`,
  /** wadm: one key per application holding its versions and what is deployed. */
  manifests: (lattice: string) => `wadm_manifests_${assertToken('lattice', lattice)}`,
  /** wadm: one key per application holding its latest status. */
  appStatus: (lattice: string) => `wadm_status_${assertToken('lattice', lattice)}`,
  /** wadm: leader lease, one key per lattice, entries expire (TTL) unless renewed. */
  wadmLease: () => 'wadm_lease',
  /** Object store of component artifacts pushed into the lattice (`lattice push`, `nats://` refs). */
  artifacts: (lattice: string) => `LATTICE_ARTIFACTS_${assertToken('lattice', lattice)}`,
  /** Object store of transpiled components, written by hosts only (host/transpile-share.ts). */
  transpiled: (lattice: string) => `LATTICE_TRANSPILED_${assertToken('lattice', lattice)}`,
  /** KV bucket of claims on transpiles in progress, hosts only (host/transpile-share.ts). */
  transpiling: (lattice: string) => `LATTICE_TRANSPILING_${assertToken('lattice', lattice)}`,
} as const;

/** wadm API subjects. */
export const wadm = {
  model: (lattice: string, op: string, name?: string) =>
    `wadm.api.${assertToken('lattice', lattice)}.model.${assertToken('operation', op)}` +
    (name === undefined ? '' : `.${assertToken('application name', name)}`),
  status: (lattice: string, app: string) => `wadm.status.${assertToken('lattice', lattice)}.${assertToken('application name', app)}`,
  /** Every application's status updates (the dashboard follows them all). */
  statusAll: (lattice: string) => `wadm.status.${assertToken('lattice', lattice)}.*`,
  /** What a wadm API server subscribes to. */
  modelAll: (lattice: string) => `wadm.api.${assertToken('lattice', lattice)}.model.>`,
  /** Splits a model subject into its operation and optional application name (null if foreign). */
  parseModel: (lattice: string, subject: string): { op: string; name?: string } | null => {
    const prefix = `wadm.api.${lattice}.model.`;
    if (!subject.startsWith(prefix)) return null;
    const [op, name, ...rest] = subject.slice(prefix.length).split('.');
    if (!op || rest.length > 0) return null;
    return name === undefined ? { op } : { op, name };
  },
} as const;

/** Queue group of wadm API servers: several wadm instances share the API, one answers each request. */
export const WADM_API_QUEUE_GROUP = 'wadm.api';

/** Version segment of the invocation protocol; bumped only on incompatible wire changes. */
export const INVOCATION_VERSION = 'v1';

/**
 * WIT function names may contain '.' (`[method]bucket.get`), which NATS reserves as the token
 * separator. ':' never occurs in a WIT function name, so the mapping is reversible.
 */
export function functionToken(fn: string): string {
  return assertToken('function name', fn.replaceAll('.', ':'));
}

export function functionFromToken(token: string): string {
  return token.replaceAll(':', '.');
}

/**
 * Invocation subjects (see docs/protocol.md). The interface token is `ns:pkg/iface` without its
 * version: a subject cannot hold '.', and callers match versions semver-compatibly themselves.
 * Transfers (chunks of payloads over the server's max payload) live under their own root so that
 * no target id can collide with them.
 */
export const invocation = {
  target: (lattice: string, targetId: string, iface: string, fn: string) =>
    `wrpc.${INVOCATION_VERSION}.${assertToken('lattice', lattice)}.${assertToken('target id', targetId)}.` +
    `${assertToken('interface', iface)}.${functionToken(fn)}`,
  /** What a server for one target subscribes to. */
  targetWildcard: (lattice: string, targetId: string) =>
    `wrpc.${INVOCATION_VERSION}.${assertToken('lattice', lattice)}.${assertToken('target id', targetId)}.*.*`,
  /** Every server of the same target joins this queue group, so hosts share the load. */
  queueGroup: (lattice: string, targetId: string) => `wrpc.${assertToken('lattice', lattice)}.${assertToken('target id', targetId)}`,
  /** Chunk transfers of one serving or calling instance; the last token is the transfer id. */
  transfer: (lattice: string, instanceId: string, transferId: string) =>
    `wrpc.xfer.${INVOCATION_VERSION}.${assertToken('lattice', lattice)}.${assertToken('instance id', instanceId)}.${assertToken('transfer id', transferId)}`,
  transferWildcard: (lattice: string, instanceId: string) =>
    `wrpc.xfer.${INVOCATION_VERSION}.${assertToken('lattice', lattice)}.${assertToken('instance id', instanceId)}.*`,
  /**
   * Replies of one caller's invocations (acknowledgement, beats, the reply): one per call, under
   * the caller's id (one per connection and lattice). Not `_INBOX`: a server answers a call with
   * several messages, which a permission of `allow_responses` (one response) would cut short.
   */
  reply: (lattice: string, callerId: string, token: string) =>
    `wrpc.reply.${INVOCATION_VERSION}.${assertToken('lattice', lattice)}.${assertToken('caller id', callerId)}.${assertToken('reply token', token)}`,
  replyWildcard: (lattice: string, callerId: string) =>
    `wrpc.reply.${INVOCATION_VERSION}.${assertToken('lattice', lattice)}.${assertToken('caller id', callerId)}.*`,
  /** A byte stream (an HTTP body...) one connection exports; consumers pull it here. */
  stream: (lattice: string, exporterId: string, streamId: string) =>
    `wrpc.stream.${INVOCATION_VERSION}.${assertToken('lattice', lattice)}.${assertToken('exporter id', exporterId)}.${assertToken('stream id', streamId)}`,
  streamWildcard: (lattice: string, exporterId: string) =>
    `wrpc.stream.${INVOCATION_VERSION}.${assertToken('lattice', lattice)}.${assertToken('exporter id', exporterId)}.*`,
} as const;

/** Splits an invocation subject into its parts; null when it is not one. */
export function parseInvocationSubject(subject: string): { lattice: string; target: string; iface: string; fn: string } | null {
  const parts = subject.split('.');
  if (parts.length !== 6 || parts[0] !== 'wrpc' || parts[1] !== INVOCATION_VERSION) return null;
  return { lattice: parts[2], target: parts[3], iface: parts[4], fn: functionFromToken(parts[5]) };
}

/**
 * `lattice spy` (docs/protocol.md, "Spy"): a watcher publishes its interest (what it watches, for
 * how long) and hosts that see matching calls publish a record of each on the watcher's session
 * subject. Under `wasmbus.` so components cannot publish fake records through messaging.
 */
export const spy = {
  interest: (lattice: string) => `wasmbus.spy.v1.${assertToken('lattice', lattice)}.interest`,
  records: (lattice: string, session: string) => `wasmbus.spy.v1.${assertToken('lattice', lattice)}.rec.${assertToken('spy session', session)}`,
} as const;
