/**
 * The node:http side of a request worker ingress serves itself: reading its head and body, and
 * writing an answer so that it leaves while the guest still runs on this thread.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpResponse } from '../worker-messages.js';

export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

export function headerPairs(req: IncomingMessage): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) pairs.push([req.rawHeaders[i]!.toLowerCase(), req.rawHeaders[i + 1]!]);
  return pairs;
}

export function plain(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(message) + 1 });
  res.end(`${message}\n`);
}

export function writeWhole(res: ServerResponse, response: HttpResponse): void {
  const flat: string[] = [];
  for (const [name, value] of response.headers) if (name.toLowerCase() !== 'content-length') flat.push(name, value);
  flat.push('content-length', String(response.body.length));
  res.writeHead(response.status, flat);
  res.end(response.body);
}

/**
 * The guest runs synchronously on this thread, and Node's http holds a response's writes (corked;
 * Node 22+ also keeps chunked pieces in the response itself) until the next tick, which comes
 * only after the guest returns. Uncorked by hand, each piece leaves at once (libuv writes straight
 * to the socket when nothing is queued), so a component that streams is seen streaming.
 */
export function sendNow(res: ServerResponse): void {
  while (res.writableCorked > 0) res.uncork();
  const socket = res.socket;
  while (socket && socket.writableCorked > 0) socket.uncork();
}

/** The socket's file descriptor (Linux, macOS), so the watchdog can answer on it; -1 if unknown. */
export function socketFd(req: IncomingMessage): number {
  const fd = (req.socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : -1;
}

export function readWhole(req: IncomingMessage, length: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const body = new Uint8Array(length);
    let at = 0;
    req.on('data', (chunk: Buffer) => {
      if (at + chunk.length > length) {
        reject(new Error('the request body is longer than its Content-Length'));
        req.destroy();
        return;
      }
      body.set(chunk, at);
      at += chunk.length;
    });
    req.once('end', () => (at === length ? resolve(body) : reject(new Error('the request body ended early'))));
    req.once('error', reject);
  });
}
