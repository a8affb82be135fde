/**
 * kv-counter: every request increments a counter in a key-value bucket and returns it.
 * The counter's key is the request path (`/` counts under "default"); `GET /a` and `GET /b`
 * count separately. Whatever store the link points at (NATS KV, Redis, memory) holds the count.
 */
import { open } from 'wasi:keyvalue/store@0.2.0-draft';
import { increment } from 'wasi:keyvalue/atomics@0.2.0-draft';
import { log } from 'wasi:logging/logging@0.1.0-draft';

/** The bucket the link provides; providers map it to their configured bucket or database. */
const BUCKET = 'default';

/** The counter key for a path: `/visits/home` counts under "visits/home". */
export function counterKey(pathname: string): string {
  const key = pathname.replace(/^\/+|\/+$/g, '');
  return key === '' ? 'default' : key;
}

/** WIT error values arrive as thrown errors whose `payload` is the variant. */
function describe(error: unknown): string {
  const payload = (error as { payload?: { tag: string; val?: unknown } }).payload;
  if (payload) return payload.val === undefined ? payload.tag : `${payload.tag}: ${String(payload.val)}`;
  return error instanceof Error ? error.message : String(error);
}

addEventListener('fetch', (event) => {
  const key = counterKey(new URL(event.request.url).pathname);
  let response: Response;
  try {
    const bucket = open(BUCKET);
    const count = increment(bucket, key, 1n);
    log('debug', 'kv-counter', `${key} = ${count}`);
    response = Response.json({ key, count: Number(count) });
  } catch (error) {
    const message = describe(error);
    log('error', 'kv-counter', `increment ${key} failed: ${message}`);
    response = Response.json({ error: message }, { status: 500 });
  }
  event.respondWith(response);
});
