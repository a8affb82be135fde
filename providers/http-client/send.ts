import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { ClientPolicy } from './config.js';
import { errorCodeOf, type ErrorCode } from './error-code.js';

/**
 * The request as the runtime forwards `wasi:http/outgoing-handler#handle` (worker/wasi/http.ts):
 * a whole body over the lattice, an AsyncIterable from a component in this host.
 */
export interface OutgoingRequest {
  method: string;
  url: string;
  headers: Array<[string, string]>;
  body: Uint8Array | AsyncIterable<Uint8Array>;
}

/** The answer: the body is whole when the request body was, streamed (AsyncIterable) otherwise. */
export interface IncomingResponse {
  status: number;
  headers: Array<[string, string]>;
  body: Uint8Array | AsyncIterable<Uint8Array>;
}

export type SendOutcome = { ok: true; response: IncomingResponse } | { ok: false; code: ErrorCode; detail: string };

/**
 * Connection-level headers belong to this hop: the provider frames the body itself (whole, with a
 * content-length, or chunked while it streams), and Node manages keep-alive. `host` comes from
 * the URL's authority.
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host', 'content-length']);

function responseHeaders(res: IncomingMessage): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
    const name = res.rawHeaders[i]!.toLowerCase();
    if (name === 'transfer-encoding' || name === 'connection' || name === 'keep-alive') continue;
    headers.push([name, res.rawHeaders[i + 1]!]);
  }
  return headers;
}

/** A streamed request body: the first chunk (null when the body is empty) and the rest. */
interface Streamed {
  first: Uint8Array | null;
  rest: AsyncIterator<Uint8Array>;
}

/** Resolves when `req` can take more, or is gone. */
function writable(req: ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      req.off('drain', done);
      req.off('close', done);
      resolve();
    };
    req.on('drain', done);
    req.on('close', done);
  });
}

export class Sender {
  private readonly http = new HttpAgent({ keepAlive: true });
  private readonly https = new HttpsAgent({ keepAlive: true });

  /** Sends one request under `policy`; every failure is an error-code, nothing throws. */
  async send(request: OutgoingRequest, policy: ClientPolicy, deadline: number): Promise<SendOutcome> {
    if (request.body instanceof Uint8Array) return this.exchange(request, request.body, null, policy, deadline);
    // An empty streamed body (a GET) is sent like an empty whole one, with the same framing.
    const rest = request.body[Symbol.asyncIterator]();
    let first: IteratorResult<Uint8Array>;
    try {
      first = await rest.next();
    } catch (error) {
      return { ok: false, code: { tag: 'internal-error', val: (error as Error).message }, detail: `the request body failed: ${(error as Error).message}` };
    }
    if (first.done) return this.exchange(request, new Uint8Array(0), { first: null, rest }, policy, deadline);
    return this.exchange(request, null, { first: first.value, rest }, policy, deadline);
  }

  /**
   * One HTTP exchange. `whole`: the body at once, with a content-length, else `streamed`'s chunks
   * as they come (chunked, at most `maxRequestBytes`). A streamed request gets a streamed
   * response: resolved once `responseBufferBytes` of its body arrived (whole if it ended first),
   * the rest read from the socket as the reader asks (the Node response stays paused meanwhile),
   * still under the overall timeout and `maxResponseBytes`.
   */
  private exchange(
    request: OutgoingRequest,
    whole: Uint8Array | null,
    streamed: Streamed | null,
    policy: ClientPolicy,
    deadline: number,
  ): Promise<SendOutcome> {
    const url = new URL(request.url);
    const isHttps = url.protocol === 'https:';
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of request.headers) {
      const key = name.toLowerCase();
      if (HOP_BY_HOP.has(key)) continue;
      const prev = headers[key];
      headers[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
    }
    if (whole && (whole.length > 0 || !['GET', 'HEAD', 'OPTIONS', 'DELETE'].includes(request.method))) {
      headers['content-length'] = String(whole.length);
    }
    const timeoutMs = Math.max(1, Math.min(policy.timeoutMs, deadline - Date.now()));

    return new Promise<SendOutcome>((resolve) => {
      let settled = false;
      let ended = false;
      let bodySent = whole !== null;
      const stopTimers = (): void => {
        clearTimeout(overall);
        clearTimeout(connecting);
      };
      // The request body is not needed any more: the guest's further writes are dropped.
      const releaseBody = (): void => {
        if (streamed) void streamed.rest.return?.().catch(() => undefined);
      };
      const finish = (outcome: SendOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(connecting);
        if (!outcome.ok || !streamed) stopTimers();
        resolve(outcome);
      };
      const fail = (code: ErrorCode, detail: string) => {
        ended = true;
        finish({ ok: false, code, detail });
        stopTimers();
        releaseBody();
        req.destroy(new Error(detail));
      };
      const req = (isHttps ? httpsRequest : httpRequest)(url, {
        method: request.method,
        headers,
        agent: isHttps ? this.https : this.http,
      });
      const overall = setTimeout(() => fail({ tag: 'HTTP-response-timeout' }, `no complete response within ${timeoutMs} ms`), timeoutMs);
      const connecting = setTimeout(
        () => fail({ tag: 'connection-timeout' }, `no connection within ${policy.connectTimeoutMs} ms`),
        Math.min(policy.connectTimeoutMs, timeoutMs),
      );
      req.on('socket', (socket) => {
        if (!socket.connecting) clearTimeout(connecting);
        else socket.once('connect', () => clearTimeout(connecting));
        socket.once('secureConnect', () => clearTimeout(connecting));
      });
      req.on('error', (error) => {
        if (!ended) fail(errorCodeOf(error), error.message);
      });
      req.on('response', (res: IncomingMessage) => {
        clearTimeout(connecting);
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > policy.maxResponseBytes) {
          fail({ tag: 'HTTP-response-body-size', val: BigInt(declared) }, `response body of ${declared} bytes is over ${policy.maxResponseBytes}`);
          return;
        }
        // Whole: the body is collected. Streamed: collected only up to `responseBufferBytes`, so
        // that a short body fails at `get` with the same error-codes as a whole one; past that
        // the response is answered and the rest is read as the guest reads it.
        const window = streamed ? policy.responseBufferBytes : Infinity;
        const parts: Buffer[] = [];
        let total = 0;
        const onData = (chunk: Buffer): void => {
          total += chunk.length;
          if (total > policy.maxResponseBytes) {
            fail({ tag: 'HTTP-response-body-size', val: null }, `response body is over ${policy.maxResponseBytes} bytes`);
            return;
          }
          parts.push(chunk);
          if (total >= window) handOver();
        };
        const handOver = (): void => {
          res.pause();
          res.off('data', onData);
          res.off('end', onEnd);
          const done = (complete: boolean): void => {
            if (ended) return;
            ended = true;
            stopTimers();
            releaseBody();
            // A reader that stops early: the connection cannot be reused mid-body.
            if (!complete || !bodySent) req.destroy();
          };
          const tooLarge = (): void => fail({ tag: 'HTTP-response-body-size', val: null }, `response body is over ${policy.maxResponseBytes} bytes`);
          const body = streamBody(res, parts.splice(0), total, policy, done, tooLarge);
          finish({ ok: true, response: { status: res.statusCode ?? 502, headers: responseHeaders(res), body } });
        };
        const onEnd = (): void => {
          const body = Buffer.concat(parts, total);
          if (streamed) {
            ended = true;
            stopTimers();
            releaseBody();
            if (!bodySent) req.destroy();
          }
          finish({ ok: true, response: { status: res.statusCode ?? 502, headers: responseHeaders(res), body: new Uint8Array(body) } });
        };
        res.on('error', (error) => fail(errorCodeOf(error), error.message));
        res.on('aborted', () => fail({ tag: 'connection-terminated' }, 'the server closed the connection mid-response'));
        res.on('end', onEnd);
        if (window === 0) handOver();
        else res.on('data', onData);
      });
      if (whole) {
        req.end(whole.length > 0 ? Buffer.from(whole.buffer, whole.byteOffset, whole.byteLength) : undefined);
        return;
      }
      void this.pump(req, streamed!, policy, () => ended, fail).then((sent) => (bodySent = sent));
    });
  }

  /**
   * Writes a streamed request body as it comes, waiting for the socket when it is full; resolves
   * true once the whole body is written and the request ended.
   */
  private async pump(
    req: ClientRequest,
    body: Streamed,
    policy: ClientPolicy,
    stopped: () => boolean,
    fail: (code: ErrorCode, detail: string) => void,
  ): Promise<boolean> {
    let size = 0;
    let chunk = body.first;
    try {
      while (chunk) {
        size += chunk.length;
        if (size > policy.maxRequestBytes) {
          fail({ tag: 'HTTP-request-body-size', val: null }, `request body over ${policy.maxRequestBytes} bytes`);
          return false;
        }
        if (stopped() || req.destroyed) return false;
        if (!req.write(chunk)) await writable(req);
        const next = await body.rest.next();
        chunk = next.done ? null : next.value;
      }
    } catch (error) {
      if (!stopped()) fail({ tag: 'internal-error', val: (error as Error).message }, `the request body failed: ${(error as Error).message}`);
      return false;
    }
    if (stopped() || req.destroyed) return false;
    req.end();
    return true;
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

/**
 * The response body for the reader: each chunk is read from the socket when asked for (Node keeps
 * the response paused in between). A timeout or a server going away makes it throw. `done` runs
 * however it ends (also when the reader gives up before the first chunk), `tooLarge` past
 * `maxResponseBytes`.
 */
function streamBody(
  res: IncomingMessage,
  buffered: Buffer[],
  bufferedBytes: number,
  policy: ClientPolicy,
  done: (complete: boolean) => void,
  tooLarge: () => void,
): AsyncIterable<Uint8Array> {
  async function* chunks(): AsyncGenerator<Uint8Array> {
    let total = bufferedBytes;
    let complete = false;
    try {
      for (const chunk of buffered) yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      for await (const chunk of res as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > policy.maxResponseBytes) {
          tooLarge();
          throw new Error(`response body is over ${policy.maxResponseBytes} bytes`);
        }
        yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      }
      if (!res.complete) throw new Error('the server closed the connection mid-response');
      complete = true;
    } finally {
      done(complete);
    }
  }
  return {
    [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
      const it = chunks();
      return {
        next: () => it.next(),
        return: async (value?: unknown) => {
          // A generator that never started skips its `finally`: end the exchange here too.
          const result = await it.return(value as undefined);
          done(false);
          return result;
        },
      };
    },
  };
}
