import { headers, type Msg, type MsgHdrs, type NatsConnection } from 'nats';
import { describeIssues } from '../envelope.js';
import {
  DeadlineExceededError,
  InvocationProtocolError,
  KeepaliveLostError,
  LatticeUnavailableError,
  RemoteApplicationError,
  RemoteCrashError,
  TargetGoneError,
  TargetNotRunningError,
} from '../invocation-errors.js';
import {
  InvocationFailure,
  InvocationFailureKind,
  InvocationHeader,
  InvokeOptions,
  KEEPALIVE_MISSES,
  interfaceKey,
  parseInterfaceName,
  type InvokeInput,
} from '../invocation.js';
import { invocation } from '../subjects.js';
import { CallFailed, CallMux } from './calls.js';
import { concatBytes } from '../../lib/bytes.js';
import { intHeader, maxChunkSize, splitChunks } from './chunks.js';
import { decodeValue, encodeValue } from './codec.js';
import { exporterFor } from '../streams/nats-exporter.js';
import { NatsStreamImporter } from '../streams/nats-importer.js';
import type { StreamRef } from '../streams/ref.js';

/**
 * Calls one function of one interface on a target and returns its result value (a WIT `result`
 * comes back as `{tag: 'ok' | 'err', val}`: application failures are values).
 *
 * Throws TypeError for a malformed request, LatticeUnavailableError at once while the connection
 * is down, TargetNotRunningError when no server serves the target, TargetGoneError when the
 * serving instance went away during the call (missed keep-alives), DeadlineExceededError when no
 * answer came in time, RemoteApplicationError when the handler refused the call,
 * RemoteCrashError when it failed, InvocationProtocolError on a malformed reply.
 *
 * A call whose serving instance went away before acknowledging it never started, and is sent
 * once more within the deadline: through the target's queue group, which NATS routes to a live
 * instance once the lost one's subscription is gone (at once when its process died).
 *
 * @example
 * const value = await invoke(nc, 'default', {
 *   target: 'kv-redis', interface: 'wasi:keyvalue/store@0.2.0-draft', function: '[method]bucket.get',
 *   args: [handle, 'counter'], source: 'http-counter',
 * });
 */
export async function invoke(nc: NatsConnection, lattice: string, input: InvokeInput): Promise<unknown> {
  const parsed = InvokeOptions.safeParse(input);
  if (!parsed.success) throw new TypeError(`invalid invocation: ${describeIssues(parsed.error)}`);
  const opts = parsed.data;
  const ref = parseInterfaceName(opts.interface);
  const subject = invocation.target(lattice, opts.target, interfaceKey(ref), opts.function);
  const deadline = Date.now() + opts.deadlineMs;
  const exported: StreamRef[] = [];
  const exporter = exporterFor(nc, lattice);
  let body: Uint8Array;
  try {
    body = encodeValue(opts.args, (stream) => {
      const ref = exporter.export(stream, { idleMs: opts.deadlineMs, traceparent: opts.traceparent });
      exported.push(ref);
      return ref;
    });
  } catch (cause) {
    for (const ref of exported) exporter.drop(ref);
    throw new TypeError(`invocation arguments for ${subject} cannot be encoded: ${String(cause)}`, { cause });
  }

  const mux = CallMux.of(nc, lattice);
  try {
    try {
      return await send(new Caller(nc, mux, subject, opts, deadline), nc, subject, body, opts);
    } catch (error) {
      // Not acknowledged: the handler never ran and nothing read the streams, so the same call
      // can go again, and NATS hands it to another member of the queue group.
      if (!(error instanceof TargetGoneError) || error.started || Date.now() >= deadline) throw error;
      return await send(new Caller(nc, mux, subject, opts, deadline), nc, subject, body, opts);
    }
  } catch (error) {
    // Nobody will read the streams of a call that failed (a callee that did read them has
    // already taken them off this list).
    for (const ref of exported) exporter.drop(ref);
    throw error;
  }
}

/** Sends the encoded call (in chunks when it is over the max payload) and reads the reply. */
async function send(call: Caller, nc: NatsConnection, subject: string, body: Uint8Array, opts: InvokeOptions): Promise<unknown> {
  const h = headers();
  h.set(InvocationHeader.interface, opts.interface);
  h.set(InvocationHeader.source, opts.source);
  h.set(InvocationHeader.link, opts.linkName);
  h.set(InvocationHeader.timeout, String(opts.deadlineMs));
  h.set(InvocationHeader.keepalive, String(opts.keepaliveMs));
  if (opts.traceparent) h.set(InvocationHeader.traceparent, opts.traceparent);

  const size = maxChunkSize(nc);
  let reply: Msg;
  if (body.length <= size) {
    reply = await call.request(subject, body, h);
  } else {
    // Upload: the first chunk picks a server through the queue group; that server names a
    // transfer subject of its own, and the rest go there one request at a time (each one acked,
    // so a slow server cannot be flooded). The reply to the last chunk is the call's reply.
    const parts = splitChunks(body, size);
    h.set(InvocationHeader.chunks, String(parts.length));
    const ack = await call.request(subject, parts[0], h);
    call.throwIfFailed(ack);
    const transfer = ack.headers?.get(InvocationHeader.transfer);
    if (!transfer) throw new InvocationProtocolError(subject, 'chunked request not acknowledged with a transfer subject');
    reply = ack;
    for (let i = 1; i < parts.length; i++) {
      const ch = headers();
      ch.set(InvocationHeader.chunk, String(i));
      reply = await call.request(transfer, parts[i], ch);
      if (i < parts.length - 1) call.throwIfFailed(reply);
    }
  }
  return call.readReply(reply);
}

/** One invocation's state: its subject, target and deadline, shared by its several requests. */
class Caller {
  /** The serving instance acknowledged the call (its handler may have run). */
  private started = false;
  private readonly goneAfterMs: number;

  constructor(
    private readonly nc: NatsConnection,
    private readonly mux: CallMux,
    private readonly subject: string,
    private readonly opts: InvokeOptions,
    private readonly deadline: number,
  ) {
    this.goneAfterMs = opts.keepaliveMs * KEEPALIVE_MISSES;
  }

  private get target(): string {
    return this.opts.target;
  }

  async request(to: string, data: Uint8Array, h?: MsgHdrs): Promise<Msg> {
    if (this.deadline - Date.now() <= 0) throw new DeadlineExceededError(this.subject, this.opts.deadlineMs);
    try {
      return await this.mux.request({ to, data, headers: h, deadline: this.deadline, goneAfterMs: this.goneAfterMs });
    } catch (error) {
      if (!(error instanceof CallFailed)) throw error;
      const failure = error.failure;
      switch (failure.kind) {
        case 'no-responders':
          if (to === this.subject) throw new TargetNotRunningError(this.subject, this.target, { cause: error, deadline: this.deadline });
          // The instance named in a transfer subject left mid-transfer.
          throw new TargetGoneError(this.subject, this.target, this.started, this.deadline, { cause: error });
        case 'silent':
          if (failure.acknowledged) this.started = true;
          throw new TargetGoneError(this.subject, this.target, this.started, this.deadline, {
            cause: new KeepaliveLostError(failure.instance, failure.silentMs),
            instance: failure.instance,
          });
        case 'deadline':
          throw new DeadlineExceededError(this.subject, this.opts.deadlineMs, { cause: error });
        case 'unavailable':
          throw new LatticeUnavailableError(this.subject, failure.detail, { cause: error });
      }
    }
  }

  throwIfFailed(reply: Msg): void {
    const kind = reply.headers?.get(InvocationHeader.error);
    if (!kind) return;
    let failure: InvocationFailure = { code: 'unknown', message: '(no detail)' };
    try {
      const parsed = InvocationFailure.safeParse(decodeValue(reply.data));
      if (parsed.success) failure = parsed.data;
    } catch {
      // the kind header alone still says what happened
    }
    switch (kind) {
      case InvocationFailureKind.application:
        throw new RemoteApplicationError(this.subject, failure.code, failure.message);
      case InvocationFailureKind.crash:
        throw new RemoteCrashError(this.subject, failure.message);
      case InvocationFailureKind.deadline:
        throw new DeadlineExceededError(this.subject, this.opts.deadlineMs);
      default:
        throw new InvocationProtocolError(this.subject, `${failure.code}: ${failure.message}`);
    }
  }

  /** Checks the reply for a failure, downloads the remaining chunks if any, decodes the value. */
  async readReply(reply: Msg): Promise<unknown> {
    // The handler has answered: whatever fails from here on, the call ran.
    this.started = true;
    this.throwIfFailed(reply);
    let bytes = reply.data;
    const chunks = intHeader(reply.headers?.get(InvocationHeader.chunks));
    if (chunks !== null && chunks > 1) {
      const transfer = reply.headers?.get(InvocationHeader.transfer);
      if (!transfer) throw new InvocationProtocolError(this.subject, 'chunked reply without a transfer subject');
      const parts = [bytes];
      for (let i = 1; i < chunks; i++) {
        const h = headers();
        h.set(InvocationHeader.chunk, String(i));
        const part = await this.request(transfer, new Uint8Array(0), h);
        this.throwIfFailed(part);
        parts.push(part.data);
      }
      bytes = concatBytes(parts);
    }
    try {
      return decodeValue(bytes, new NatsStreamImporter(this.nc, this.opts.traceparent));
    } catch (cause) {
      throw new InvocationProtocolError(this.subject, 'reply body is not valid msgpack', { cause });
    }
  }
}
