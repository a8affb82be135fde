import { createInbox, headers, type Msg, type NatsConnection } from 'nats';
import { Connectivity } from '../../lib/connectivity.js';
import { StreamBrokenError } from '../invocation-errors.js';
import { InvocationHeader } from '../invocation.js';
import { beatInterval, creditToGrant, WINDOW } from './flow.js';
import { StreamHeader } from './nats-wire.js';
import type { ByteStream, StreamRef } from './ref.js';
import type { StreamImporter } from './transport.js';

/**
 * The receiving side of the NATS byte-stream transport (nats-wire.ts): a StreamRef becomes an
 * AsyncIterable that pulls the bytes from the exporting connection, granting credit as it reads.
 */

/**
 * The reading side of StreamRefs decoded from one message: each an AsyncIterable that pulls the
 * bytes over NC. Iterating twice is refused (a stream is read once); stopping early tells the
 * producer to stop. TRACEPARENT (the reading invocation's, when traced) travels with the grants.
 */
export class NatsStreamImporter implements StreamImporter<StreamRef> {
  constructor(
    private readonly nc: NatsConnection,
    private readonly traceparent?: string,
  ) {}

  import(ref: StreamRef): ByteStream {
    const { nc, traceparent } = this;
    let taken = false;
    return {
      [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
        if (taken) throw new StreamBrokenError(ref.subject, 'failed', 'a byte stream can be read only once');
        taken = true;
        const reader = pull(nc, ref, traceparent);
        let pulled = false;
        return {
          next: () => {
            pulled = true;
            return reader.next();
          },
          // A reader given up before its first read never ran the generator (so never its clean-up):
          // the producer still has to hear that nobody will read.
          return: async () => {
            if (!pulled) cancel(nc, ref);
            return reader.return(undefined);
          },
        };
      },
    };
  }
}

function cancel(nc: NatsConnection, ref: StreamRef): void {
  const h = headers();
  h.set(StreamHeader.cancel, '1');
  try {
    nc.publish(ref.subject, new Uint8Array(0), { headers: h });
  } catch {
    // a closed connection: the producer's idle timer ends the stream
  }
}

async function* pull(nc: NatsConnection, ref: StreamRef, traceparent: string | undefined): AsyncGenerator<Uint8Array> {
  const inbox = createInbox();
  const sub = nc.subscribe(inbox);
  const messages = sub[Symbol.asyncIterator]();
  // Nothing more can arrive through a dropped connection: end the read now (it fails as `gone`)
  // rather than after idle_ms of silence.
  const unwatch = Connectivity.of(nc).onDown(() => sub.unsubscribe());
  const grant = (credit: number): void => {
    const h = headers();
    h.set(StreamHeader.credit, String(credit));
    if (traceparent) h.set(InvocationHeader.traceparent, traceparent);
    nc.publish(ref.subject, new Uint8Array(0), { reply: inbox, headers: h });
  };
  // While the reader holds a chunk (its own writer is slow), keep the producer from giving up.
  const keepAlive = setInterval(() => grant(0), beatInterval(ref.idleMs));
  keepAlive.unref();
  let finished = false;
  let expected = 0;
  let taken = 0;
  try {
    grant(WINDOW);
    for (;;) {
      const msg = await nextWithin(messages, ref);
      const h = msg.headers;
      // No subscriber at the subject: the exporting connection is gone.
      if (h?.code === 503) throw new StreamBrokenError(ref.subject, 'gone', 'the producer is not connected any more');
      const error = h?.get(StreamHeader.error);
      if (error) {
        finished = true;
        throw new StreamBrokenError(ref.subject, 'failed', error);
      }
      if (h?.get(StreamHeader.beat)) continue;
      const end = h?.get(StreamHeader.end);
      if (end) {
        finished = true;
        if (Number(end) !== expected) throw new StreamBrokenError(ref.subject, 'lost', `ended after ${end} messages, ${expected} arrived`);
        return;
      }
      const seq = Number(h?.get(StreamHeader.seq));
      if (seq !== expected) throw new StreamBrokenError(ref.subject, 'lost', `expected message ${expected}, got ${seq}`);
      expected++;
      yield msg.data;
      const credit = creditToGrant(++taken);
      if (credit > 0) {
        grant(credit);
        taken = 0;
      }
    }
  } finally {
    unwatch();
    clearInterval(keepAlive);
    if (!finished) cancel(nc, ref);
    sub.unsubscribe();
  }
}

async function nextWithin(messages: AsyncIterator<Msg>, ref: StreamRef): Promise<Msg> {
  let timer: NodeJS.Timeout | undefined;
  const silence = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StreamBrokenError(ref.subject, 'stalled', `nothing from the producer for ${ref.idleMs} ms`)), ref.idleMs);
  });
  try {
    const next = await Promise.race([messages.next(), silence]);
    if (next.done) throw new StreamBrokenError(ref.subject, 'gone', 'the connection closed');
    return next.value;
  } finally {
    clearTimeout(timer);
  }
}
