import { ErrorCode, headers, type Msg, type MsgHdrs, type NatsConnection, type NatsError } from 'nats';
import { describeIssues } from '../envelope.js';
import {
  DeadlineExceededError,
  InvocationProtocolError,
  RemoteApplicationError,
  RemoteCrashError,
  TargetNotRunningError,
} from '../invocation-errors.js';
import {
  InvocationFailure,
  InvocationFailureKind,
  InvocationHeader,
  InvokeOptions,
  interfaceKey,
  parseInterfaceName,
  type InvokeInput,
} from '../invocation.js';
import { invocation } from '../subjects.js';
import { intHeader, joinChunks, maxChunkSize, splitChunks } from './chunks.js';
import { decodeValue, encodeValue } from './codec.js';
import { exporterFor, importStream, type StreamRef } from './streams.js';

function isNatsError(error: unknown): error is NatsError {
  return error instanceof Error && typeof (error as Partial<NatsError>).code === 'string';
}

/**
 * Calls one function of one interface on a target and returns its result value (a WIT `result`
 * comes back as `{tag: 'ok' | 'err', val}`: application failures are values).
 *
 * Throws TypeError for a malformed request, TargetNotRunningError when no server serves the
 * target, DeadlineExceededError when no answer came in time, RemoteApplicationError when the
 * handler refused the call, RemoteCrashError when it failed, InvocationProtocolError on a
 * malformed reply.
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
      const ref = exporter.export(stream, opts.deadlineMs, opts.traceparent);
      exported.push(ref);
      return ref;
    });
  } catch (cause) {
    for (const ref of exported) exporter.drop(ref);
    throw new TypeError(`invocation arguments for ${subject} cannot be encoded: ${String(cause)}`, { cause });
  }

  const call = new Caller(nc, subject, opts.target, opts.deadlineMs, deadline, opts.traceparent);
  try {
    return await send(call, nc, subject, body, opts);
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
  constructor(
    private readonly nc: NatsConnection,
    private readonly subject: string,
    private readonly target: string,
    private readonly deadlineMs: number,
    private readonly deadline: number,
    private readonly traceparent: string | undefined,
  ) {}

  async request(to: string, data: Uint8Array, h?: MsgHdrs): Promise<Msg> {
    const remaining = this.deadline - Date.now();
    if (remaining <= 0) throw new DeadlineExceededError(this.subject, this.deadlineMs);
    try {
      return await this.nc.request(to, data, { timeout: remaining, headers: h });
    } catch (error) {
      if (isNatsError(error) && error.code === ErrorCode.NoResponders) {
        if (to === this.subject) throw new TargetNotRunningError(this.subject, this.target, { cause: error });
        throw new RemoteCrashError(this.subject, 'the serving instance went away during a chunked transfer');
      }
      if (isNatsError(error) && error.code === ErrorCode.Timeout) {
        throw new DeadlineExceededError(this.subject, this.deadlineMs, { cause: error });
      }
      throw error;
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
        throw new DeadlineExceededError(this.subject, this.deadlineMs);
      default:
        throw new InvocationProtocolError(this.subject, `${failure.code}: ${failure.message}`);
    }
  }

  /** Checks the reply for a failure, downloads the remaining chunks if any, decodes the value. */
  async readReply(reply: Msg): Promise<unknown> {
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
      bytes = joinChunks(parts);
    }
    try {
      return decodeValue(bytes, (ref) => importStream(this.nc, ref, this.traceparent));
    } catch (cause) {
      throw new InvocationProtocolError(this.subject, 'reply body is not valid msgpack', { cause });
    }
  }
}
