import { headers, nuid, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from 'nats';
import { createLogger, type Logger } from '../../lib/logger.js';
import { ApplicationError } from '../invocation-errors.js';
import {
  DEFAULT_INVOCATION_DEADLINE_MS,
  InvocationFailureKind,
  InvocationHeader,
  MAX_KEEPALIVE_MS,
  MIN_KEEPALIVE_MS,
  parseInterfaceName,
  type IncomingCall,
  type InterfaceRef,
} from '../invocation.js';
import { invocation, parseInvocationSubject } from '../subjects.js';
import { concatBytes } from '../../lib/bytes.js';
import { intHeader, maxChunkSize, splitChunks } from './chunks.js';
import { decodeValue, encodeValue } from './codec.js';
import { exporterFor } from '../streams/nats-exporter.js';
import { NatsStreamImporter } from '../streams/nats-importer.js';

const ABORTED: unique symbol = Symbol('aborted');
const EMPTY = new Uint8Array(0);
/** Beats are sent from one timer per server, this often, to the calls that are due one. */
const BEAT_TICK_MS = 100;

export type CallHandler = (call: IncomingCall) => unknown | Promise<unknown>;

export interface ServeOptions {
  log?: Logger;
}

/** A running server for one target. */
export interface TargetServer {
  /** The subject it listens on (with wildcards). */
  readonly subject: string;
  /**
   * Stops taking calls: NATS stops routing new ones here (to the target's other instances) and
   * the ones already on their way are still served; then waits for the calls in flight and the
   * response streams they export, and releases its transfers.
   */
  stop(): Promise<void>;
}

/** What is known about a call before its body is decoded. */
interface CallMeta {
  subject: string;
  target: string;
  iface: string;
  ref: InterfaceRef;
  fn: string;
  source: string;
  linkName: string;
  traceparent: string | undefined;
  /** The caller's budget when it sent the call; also how long a silent byte stream may last. */
  timeoutMs: number;
  deadline: number;
  /** Beat interval the caller asked for; null: it wants no acknowledgement or beats. */
  keepaliveMs: number | null;
}

interface Beating {
  every: number;
  next: number;
}

type Transfer =
  | { kind: 'upload'; meta: CallMeta; parts: Uint8Array[]; total: number; timer: NodeJS.Timeout }
  | { kind: 'download'; parts: Uint8Array[]; timer: NodeJS.Timeout };

/**
 * Serves every interface function of `targetId`: subscribes to the target's subjects in the
 * target's queue group (so hosts running the same target share the load) and calls `handler` for
 * each invocation. The handler returns the result value; it throws ApplicationError to refuse a
 * call (the caller sees RemoteApplicationError); anything else it throws is reported as a crash.
 * Resolves once the server has registered interest, so calls made afterwards reach it.
 *
 * @example
 * const server = await serveTarget(nc, 'default', 'echo', async (call) => call.args[0]);
 * await server.stop();
 */
export async function serveTarget(
  nc: NatsConnection,
  lattice: string,
  targetId: string,
  handler: CallHandler,
  options: ServeOptions = {},
): Promise<TargetServer> {
  const log = options.log ?? createLogger({ component: 'rpc-server', target: targetId });
  const instanceId = nuid.next();
  const transfers = new Map<string, Transfer>();
  const inFlight = new Set<Promise<void>>();
  const aborts = new Set<AbortController>();
  /** Reply subjects of the calls being beaten, and when each is due its next beat. */
  const beating = new Map<string, Beating>();
  let beatTimer: NodeJS.Timeout | null = null;
  const alive = headers();
  alive.set(InvocationHeader.alive, instanceId);

  const beat = () => {
    const now = Date.now();
    for (const [to, b] of beating) {
      if (now < b.next) continue;
      b.next = now + b.every;
      try {
        nc.publish(to, EMPTY, { headers: alive });
      } catch {
        // closed: the caller is failing the call on its side anyway
      }
    }
  };

  /** Acknowledges the call now, before its handler starts, and beats it until `unbeat`. */
  const acknowledge = (msg: Msg, every: number) => {
    if (!msg.reply) return;
    msg.respond(EMPTY, { headers: alive });
    beating.set(msg.reply, { every, next: Date.now() + every });
    if (!beatTimer) {
      beatTimer = setInterval(beat, BEAT_TICK_MS);
      beatTimer.unref();
    }
  };

  const unbeat = (msg: Msg) => {
    if (!msg.reply || !beating.delete(msg.reply) || beating.size > 0 || !beatTimer) return;
    clearInterval(beatTimer);
    beatTimer = null;
  };

  const fail = (msg: Msg, kind: InvocationFailureKind, code: string, message: string) => {
    const h = headers();
    h.set(InvocationHeader.error, kind);
    msg.respond(encodeValue({ code, message }), { headers: h });
  };

  const newTransfer = (transfer: Transfer): string => {
    const id = nuid.next();
    transfers.set(id, transfer);
    return invocation.transfer(lattice, instanceId, id);
  };

  /** A transfer lives until its call's deadline at most, so a vanished peer leaks nothing. */
  const expireAt = (deadline: number, id: () => string) => setTimeout(() => transfers.delete(id()), Math.max(0, deadline - Date.now()) + 1_000).unref();

  const streams = exporterFor(nc, lattice, log);
  const reply = (msg: Msg, meta: CallMeta, value: unknown) => {
    let bytes: Uint8Array;
    try {
      // A response body is part of the call: a graceful stop waits for it to be read.
      bytes = encodeValue(value, (body) => {
        let done!: () => void;
        track(new Promise<void>((resolve) => (done = resolve)));
        return streams.export(body, { idleMs: meta.timeoutMs, traceparent: meta.traceparent, onDone: done });
      });
    } catch (error) {
      fail(msg, InvocationFailureKind.crash, 'unencodable-result', `result cannot be encoded: ${String(error)}`);
      return;
    }
    const size = maxChunkSize(nc);
    if (bytes.length <= size) {
      msg.respond(bytes);
      return;
    }
    const parts = splitChunks(bytes, size);
    let id = '';
    const subject = newTransfer({ kind: 'download', parts, timer: expireAt(meta.deadline, () => id) });
    id = subject.slice(subject.lastIndexOf('.') + 1);
    const h = headers();
    h.set(InvocationHeader.chunks, String(parts.length));
    h.set(InvocationHeader.transfer, subject);
    msg.respond(parts[0], { headers: h });
  };

  const dispatch = async (msg: Msg, meta: CallMeta, body: Uint8Array) => {
    if (Date.now() >= meta.deadline) {
      fail(msg, InvocationFailureKind.deadline, 'deadline-exceeded', 'deadline passed before the call started');
      return;
    }
    if (meta.keepaliveMs === null) return handle(msg, meta, body);
    // Before anything is decoded: a caller that gets no acknowledgement knows nothing ran here
    // (and that nothing pulled its streams), so it may send the call elsewhere.
    acknowledge(msg, meta.keepaliveMs);
    try {
      await handle(msg, meta, body);
    } finally {
      unbeat(msg);
    }
  };

  const handle = async (msg: Msg, meta: CallMeta, body: Uint8Array) => {
    let args: unknown;
    try {
      args = decodeValue(body, new NatsStreamImporter(nc, meta.traceparent));
    } catch (error) {
      fail(msg, InvocationFailureKind.protocol, 'bad-body', `arguments are not valid msgpack: ${String(error)}`);
      return;
    }
    if (args === undefined) args = [];
    if (!Array.isArray(args)) {
      fail(msg, InvocationFailureKind.protocol, 'bad-body', 'arguments must be an array of WIT parameters');
      return;
    }
    const abort = new AbortController();
    aborts.add(abort);
    const timer = setTimeout(() => abort.abort(new Error('deadline exceeded')), meta.deadline - Date.now());
    timer.unref();
    try {
      // Racing the handler against the deadline bounds every call, so stop() cannot wait forever
      // on a handler that never settles.
      const aborted = new Promise<typeof ABORTED>((resolve) => abort.signal.addEventListener('abort', () => resolve(ABORTED), { once: true }));
      const handled = Promise.resolve().then(() =>
        handler({
          lattice,
          target: meta.target,
          interface: meta.iface,
          ref: meta.ref,
          function: meta.fn,
          args,
          source: meta.source,
          linkName: meta.linkName,
          traceparent: meta.traceparent,
          deadline: meta.deadline,
          signal: abort.signal,
        }),
      );
      const value = await Promise.race([handled, aborted]);
      // Nobody waits for a late answer; sending it would only cost bandwidth.
      if (value === ABORTED || Date.now() > meta.deadline) {
        void handled.catch(() => undefined);
        log.warn({ subject: meta.subject }, 'handler finished after the deadline; reply dropped');
        return;
      }
      reply(msg, meta, value);
    } catch (error) {
      if (error instanceof ApplicationError) {
        fail(msg, InvocationFailureKind.application, error.code, error.message);
      } else {
        log.error({ subject: meta.subject, err: error }, 'invocation handler failed');
        const message = error instanceof Error ? error.message : String(error);
        fail(msg, InvocationFailureKind.crash, 'handler-failed', message);
      }
    } finally {
      clearTimeout(timer);
      aborts.delete(abort);
    }
  };

  const track = (work: Promise<void>) => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };

  const onCall = (msg: Msg) => {
    if (!msg.reply) return; // a publish, not a request: there is nobody to answer
    const meta = readMeta(msg.subject, msg.headers);
    if (typeof meta === 'string') {
      fail(msg, InvocationFailureKind.protocol, 'bad-request', meta);
      return;
    }
    const chunks = intHeader(msg.headers?.get(InvocationHeader.chunks));
    if (chunks !== null && chunks > 1) {
      let id = '';
      const subject = newTransfer({
        kind: 'upload',
        meta,
        parts: [msg.data],
        total: chunks,
        timer: expireAt(meta.deadline, () => id),
      });
      id = subject.slice(subject.lastIndexOf('.') + 1);
      const h = headers();
      h.set(InvocationHeader.transfer, subject);
      msg.respond(new Uint8Array(0), { headers: h });
      return;
    }
    track(dispatch(msg, meta, msg.data));
  };

  const onTransfer = (msg: Msg) => {
    if (!msg.reply) return;
    const id = msg.subject.slice(msg.subject.lastIndexOf('.') + 1);
    const transfer = transfers.get(id);
    const index = intHeader(msg.headers?.get(InvocationHeader.chunk));
    if (!transfer || index === null) {
      fail(msg, InvocationFailureKind.protocol, 'unknown-transfer', 'transfer expired or chunk index missing');
      return;
    }
    if (transfer.kind === 'download') {
      const part = transfer.parts[index];
      if (!part) {
        fail(msg, InvocationFailureKind.protocol, 'bad-chunk', `no chunk ${index}`);
        return;
      }
      msg.respond(part);
      if (index === transfer.parts.length - 1) {
        clearTimeout(transfer.timer);
        transfers.delete(id);
      }
      return;
    }
    if (index !== transfer.parts.length) {
      fail(msg, InvocationFailureKind.protocol, 'bad-chunk', `expected chunk ${transfer.parts.length}, got ${index}`);
      return;
    }
    transfer.parts.push(msg.data);
    if (transfer.parts.length < transfer.total) {
      msg.respond(new Uint8Array(0));
      return;
    }
    clearTimeout(transfer.timer);
    transfers.delete(id);
    track(dispatch(msg, transfer.meta, concatBytes(transfer.parts)));
  };

  const calls: Subscription = nc.subscribe(invocation.targetWildcard(lattice, targetId), {
    queue: invocation.queueGroup(lattice, targetId),
    callback: (err, msg) => (err ? log.error({ err }, 'invocation subscription failed') : onCall(msg)),
  });
  const xfers: Subscription = nc.subscribe(invocation.transferWildcard(lattice, instanceId), {
    callback: (err, msg) => (err ? log.error({ err }, 'transfer subscription failed') : onTransfer(msg)),
  });
  await nc.flush();

  let stopping: Promise<void> | null = null;
  const stop = async () => {
    // drain, not unsubscribe: a call NATS routed here before it processed the unsubscribe
    // is still delivered and served (an unsubscribed client would drop it, and its caller
    // would wait for its deadline); calls sent after go to the other instances, or get no
    // responders at once when there are none.
    await calls.drain().catch(() => {
      if (!calls.isClosed()) calls.unsubscribe();
    });
    // In-flight calls end by their deadlines at the latest (see dispatch); a call that
    // finishes meanwhile may add its response stream.
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    xfers.unsubscribe();
    for (const t of transfers.values()) clearTimeout(t.timer);
    transfers.clear();
    for (const a of aborts) a.abort(new Error('server stopped'));
  };

  return {
    subject: invocation.targetWildcard(lattice, targetId),
    stop: () => (stopping ??= stop()),
  };
}

/** Reads subject and headers into a CallMeta, or returns what is wrong with them. */
function readMeta(subject: string, h: MsgHdrs | undefined): CallMeta | string {
  const parts = parseInvocationSubject(subject);
  if (!parts) return `not an invocation subject: ${subject}`;
  const iface = h?.get(InvocationHeader.interface) || parts.iface;
  let ref: InterfaceRef;
  try {
    ref = parseInterfaceName(iface);
  } catch (error) {
    return (error as Error).message;
  }
  if (`${ref.namespace}:${ref.package}/${ref.interface}` !== parts.iface) {
    return `interface header ${iface} does not match the subject's ${parts.iface}`;
  }
  const timeout = intHeader(h?.get(InvocationHeader.timeout)) ?? DEFAULT_INVOCATION_DEADLINE_MS;
  const keepalive = intHeader(h?.get(InvocationHeader.keepalive));
  return {
    subject,
    target: parts.target,
    iface,
    ref,
    fn: parts.fn,
    source: h?.get(InvocationHeader.source) || 'unknown',
    linkName: h?.get(InvocationHeader.link) || 'default',
    traceparent: h?.get(InvocationHeader.traceparent) || undefined,
    timeoutMs: timeout,
    deadline: Date.now() + timeout,
    keepaliveMs: keepalive === null ? null : Math.min(MAX_KEEPALIVE_MS, Math.max(MIN_KEEPALIVE_MS, keepalive)),
  };
}
