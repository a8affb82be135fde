/**
 * Streaming between web streams (the HTTP side) and wasi:io streams (the blobstore side).
 * wasi:io's `blocking-write-and-flush` takes at most 4096 bytes per call, and reads are sized
 * by the caller, so bodies move in bounded chunks and are never held whole.
 */
import type { Container } from 'wasi:blobstore/container@0.2.0-draft';
import { IncomingValue, OutgoingValue } from 'wasi:blobstore/types@0.2.0-draft';
import type { InputStream, OutputStream } from 'wasi:io/streams@0.2.0';

const WRITE_CHUNK = 4096;
const READ_CHUNK = 64 * 1024;

/** Drops a WIT resource now (child streams must go before their parent value). */
export function drop(resource: object): void {
  const key = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('dispose');
  const dispose = (resource as Record<symbol, (() => void) | undefined>)[key];
  dispose?.call(resource);
}

function writeAll(out: OutputStream, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; at += WRITE_CHUNK) out.blockingWriteAndFlush(bytes.subarray(at, at + WRITE_CHUNK));
}

/** Streams a request body into object NAME; returns the number of bytes written. */
export async function writeObject(container: Container, name: string, body: ReadableStream<Uint8Array> | null): Promise<number> {
  const value = OutgoingValue.newOutgoingValue();
  const out = value.outgoingValueWriteBody();
  let total = 0;
  if (body) {
    const reader = body.getReader();
    for (;;) {
      const { done, value: chunk } = await reader.read();
      if (done) break;
      writeAll(out, chunk);
      total += chunk.length;
    }
  }
  // The body is complete once its stream is dropped; then the value is handed to the store.
  drop(out);
  container.writeData(name, value);
  drop(value);
  return total;
}

/** A web stream reading object NAME (SIZE bytes) chunk by chunk from the blobstore. */
export function readObject(container: Container, name: string, size: bigint): ReadableStream<Uint8Array> {
  if (size === 0n) return new ReadableStream({ start: (c) => c.close() });
  const incoming = container.getData(name, 0n, size - 1n);
  const input: InputStream = IncomingValue.incomingValueConsumeAsync(incoming);
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      try {
        const chunk = input.blockingRead(BigInt(READ_CHUNK));
        if (chunk.length > 0) controller.enqueue(chunk);
      } catch (error) {
        // stream-error `closed` is the end of the object; anything else is a failure.
        const tag = (error as { payload?: { tag?: string } }).payload?.tag;
        drop(input);
        if (tag === 'closed') controller.close();
        else controller.error(error);
      }
    },
    cancel() {
      drop(input);
    },
  });
}
