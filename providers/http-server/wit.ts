/**
 * The provider's side of `wasi:http/incoming-handler`: one HTTP request becomes a `handle` call on
 * the linked component, in this process or on another host, and its answer is written back.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TargetGoneError, type Link } from '../../protocol/mod.js';
import { statusFor } from './status.js';
import type { ProviderContext } from '../sdk/types.js';
import { Attr, SpanKind, startSpan, tracing } from '../../lib/telemetry/mod.js';
import { notRetriedBecause, retryOnce } from './retry.js';

/** The interface every HTTP component exports; 0.2.0 is what Rust/Go/JS toolchains all accept. */
export const INCOMING_HANDLER = 'wasi:http/incoming-handler@0.2.0';

/** The request and response shapes the runtime's wasi:http implementation takes and gives. */
interface WireRequest {
  method: string;
  pathWithQuery: string;
  scheme: 'http' | 'https';
  authority?: string;
  headers: Array<[string, string]>;
  /** Empty when the request has no body; otherwise the body as it arrives. */
  body: Uint8Array | AsyncIterable<Uint8Array>;
}

const NO_BODY = new Uint8Array(0);

/**
 * HTTP/1.1 (RFC 9112 6.3): a request has a body only when it says so with Content-Length or
 * Transfer-Encoding. Most requests do not, and they skip the body stream machinery entirely.
 */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

interface WireResponse {
  status: number;
  headers: Array<[string, string]>;
  /** Whole when the component answered at once, an AsyncIterable when it streams its answer. */
  body: Uint8Array | AsyncIterable<Uint8Array>;
}

class BodyTooLargeError extends Error {}

/** What became of the request body: over the limit, or read at all (then it cannot be resent). */
interface BodyState {
  tooLarge: boolean;
  bodyRead: boolean;
}

function toPairs(req: IncomingMessage): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) pairs.push([req.rawHeaders[i]!.toLowerCase(), req.rawHeaders[i + 1]!]);
  return pairs;
}

function plain(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(message) + 1 });
  res.end(`${message}\n`);
}

export interface ForwardOptions {
  link: Link;
  maxBodyBytes: number;
  timeoutMs: number;
  /** Path the component sees (the prefix may have been stripped). */
  path?: string;
}

function writeWhole(res: ServerResponse, status: number, pairs: Array<[string, string]>, body: Uint8Array): void {
  const headers = pairs.filter(([k]) => k.toLowerCase() !== 'content-length');
  res.writeHead(status, [...headers.flat(), 'content-length', String(body.length)]);
  res.end(body);
}

function refuseTooLarge(res: ServerResponse, limit: number): void {
  res.setHeader('connection', 'close');
  plain(res, 413, `request body larger than ${limit} bytes`);
}

/**
 * The request body as it arrives, failing once it passes `limit` (`state.tooLarge` says so).
 * A reader that stops early (a component that ignores the body, or a stream given up) must not
 * destroy the request, whose socket still carries the response: `return` only stops reading,
 * and Node discards the unread rest once the response ends.
 */
function limited(req: IncomingMessage, limit: number, state: BodyState): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
      const source = (req as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
      let size = 0;
      let done = false;
      return {
        async next(): Promise<IteratorResult<Uint8Array>> {
          if (done) return { done: true, value: undefined };
          state.bodyRead = true;
          const next = await source.next();
          if (next.done) {
            done = true;
            return { done: true, value: undefined };
          }
          size += next.value.length;
          if (size > limit) {
            done = true;
            state.tooLarge = true;
            throw new BodyTooLargeError(`request body larger than ${limit} bytes`);
          }
          return { done: false, value: next.value };
        },
        async return(): Promise<IteratorResult<Uint8Array>> {
          done = true;
          return { done: true, value: undefined };
        },
      };
    },
  };
}

/** Resolves when `res` can take more, or when the client is gone (then `res.destroyed`). */
function writable(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Sends one HTTP request to the component behind `link` and writes its answer. Both bodies
 * stream, whether the component runs in this process or on another host (then as byte streams
 * of the invocation protocol, with backpressure): the component reads the request body as it
 * arrives and its answer is written as it comes.
 */
export function forward(ctx: ProviderContext<unknown>, req: IncomingMessage, res: ServerResponse, opts: ForwardOptions): Promise<void> {
  if (!tracing.on) return send(ctx, req, res, opts, undefined);
  // The ingress span: a client's own traceparent header makes it the parent (W3C trace context).
  const incoming = req.headers.traceparent;
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const span = startSpan(`${req.method ?? 'GET'} ${path}`, SpanKind.server, typeof incoming === 'string' ? incoming : undefined, {
    [Attr.lattice]: ctx.lattice,
    [Attr.host]: ctx.hostId,
    [Attr.provider]: ctx.providerId,
    [Attr.source]: opts.link.source_id,
    [Attr.target]: opts.link.target,
    [Attr.link]: opts.link.name,
    'http.request.method': req.method ?? 'GET',
    'url.path': path,
    'server.address': req.headers.host,
    'network.protocol.version': req.httpVersion,
  });
  res.once('close', () => {
    span.setAttribute('http.response.status_code', res.statusCode);
    span.end(res.statusCode >= 500 ? `HTTP ${res.statusCode}` : undefined);
  });
  return send(ctx, req, res, opts, span.traceparent);
}

async function send(
  ctx: ProviderContext<unknown>,
  req: IncomingMessage,
  res: ServerResponse,
  opts: ForwardOptions,
  traceparent: string | undefined,
): Promise<void> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > opts.maxBodyBytes) return refuseTooLarge(res, opts.maxBodyBytes);
  const state: BodyState = { tooLarge: false, bodyRead: false };
  const request: WireRequest = {
    method: req.method ?? 'GET',
    pathWithQuery: opts.path ?? req.url ?? '/',
    scheme: 'http',
    authority: req.headers.host,
    headers: toPairs(req),
    body: hasBody(req) ? limited(req, opts.maxBodyBytes, state) : NO_BODY,
  };
  let response: WireResponse;
  try {
    response = (await ctx.call(opts.link, INCOMING_HANDLER, 'handle', [request], { deadlineMs: opts.timeoutMs, traceparent })) as WireResponse;
  } catch (error) {
    const check = { method: request.method, bodyRead: state.bodyRead };
    try {
      // The instance was lost or absent: another one may answer (retry.ts says when that is safe).
      const again = (deadlineMs: number) => ctx.call(opts.link, INCOMING_HANDLER, 'handle', [request], { deadlineMs });
      response = (await retryOnce(error, check, again, ctx.log)) as WireResponse;
    } catch (final) {
      if (state.tooLarge) return refuseTooLarge(res, opts.maxBodyBytes);
      const { status, message } = statusFor(final);
      if (final instanceof TargetGoneError) {
        ctx.log.warn({ target: opts.link.target, status, err: final }, 'http request lost with the host of its component');
        return plain(res, status, `${message}; ${notRetriedBecause(final, check)}`);
      }
      ctx.log.debug({ target: opts.link.target, status, err: final }, 'http request failed');
      plain(res, status, message);
      return;
    }
  }
  const body = response.body;
  if (body instanceof Uint8Array) return writeWhole(res, response.status, response.headers, body);
  // The head waits for the first chunk: until then a request body above the limit or a failing
  // component can still get a clean 413 or 502.
  const chunks = body[Symbol.asyncIterator]();
  let first: IteratorResult<Uint8Array>;
  try {
    first = await chunks.next();
  } catch (error) {
    if (state.tooLarge) return refuseTooLarge(res, opts.maxBodyBytes);
    const { status, message } = statusFor(error);
    ctx.log.debug({ target: opts.link.target, status, err: error }, 'http request failed');
    return plain(res, status, message);
  }
  if (state.tooLarge) {
    // Ending the iteration drops what the component still writes.
    void chunks.return?.();
    return refuseTooLarge(res, opts.maxBodyBytes);
  }
  if (first.done) return writeWhole(res, response.status, response.headers, new Uint8Array(0));
  const headers = response.headers.filter(([k]) => !['content-length', 'transfer-encoding'].includes(k.toLowerCase()));
  res.writeHead(response.status, headers.flat());
  try {
    let next: IteratorResult<Uint8Array> = first;
    while (!next.done) {
      if (res.destroyed) {
        void chunks.return?.();
        return;
      }
      if (!res.write(next.value)) await writable(res);
      next = await chunks.next();
    }
    res.end();
  } catch (error) {
    // The head is out: a failure now (trap, size limit, deadline) can only cut the response short.
    ctx.log.debug({ target: opts.link.target, err: error }, 'streamed http response failed');
    res.destroy();
  }
}
