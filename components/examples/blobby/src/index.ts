/**
 * blobby: a small file server on wasi:blobstore, after wasmCloud's blobby example.
 *   PUT /NAME     stores the request body as object NAME (streamed in)
 *   GET /NAME     returns it (streamed out)
 *   DELETE /NAME  removes it
 *   GET /         lists the objects
 * Objects live in the container "blobby", created on first use.
 */
import { containerExists, createContainer, getContainer } from 'wasi:blobstore/blobstore@0.2.0-draft';
import type { Container } from 'wasi:blobstore/container@0.2.0-draft';
import { log } from 'wasi:logging/logging@0.1.0-draft';
import { readObject, writeObject } from './blobs.js';

const CONTAINER = 'blobby';

function openContainer(): Container {
  return containerExists(CONTAINER) ? getContainer(CONTAINER) : createContainer(CONTAINER);
}

/** The object name of a request path, or null for `/`. Rejects names with empty segments. */
export function objectName(pathname: string): string | null {
  const name = decodeURIComponent(pathname.replace(/^\/+/, ''));
  return name === '' ? null : name;
}

function listNames(container: Container): string[] {
  const names: string[] = [];
  const stream = container.listObjects();
  for (;;) {
    const [batch, end] = stream.readStreamObjectNames(100n);
    names.push(...batch);
    if (end) return names;
  }
}

function text(body: string, status: number): Response {
  return new Response(`${body}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

async function handle(request: Request): Promise<Response> {
  const container = openContainer();
  const name = objectName(new URL(request.url).pathname);
  if (name === null) {
    if (request.method !== 'GET') return text('only GET on /', 405);
    return Response.json({ container: CONTAINER, objects: listNames(container) });
  }
  switch (request.method) {
    case 'GET': {
      if (!container.hasObject(name)) return text(`${name}: not found`, 404);
      const info = container.objectInfo(name);
      return new Response(readObject(container, name, info.size), {
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(info.size) },
      });
    }
    case 'PUT':
    case 'POST': {
      const bytes = await writeObject(container, name, request.body);
      log('info', 'blobby', `stored ${name} (${bytes} bytes)`);
      return text(`stored ${name} (${bytes} bytes)`, 201);
    }
    case 'DELETE':
      container.deleteObject(name);
      return text(`deleted ${name}`, 200);
    default:
      return text(`method ${request.method} not allowed`, 405);
  }
}

addEventListener('fetch', (event) => {
  event.respondWith(
    handle(event.request).catch((error: unknown) => {
      // wasi:blobstore errors are strings, carried as the thrown error's payload.
      const reason = String((error as { payload?: unknown }).payload ?? error);
      log('error', 'blobby', reason);
      return text(`blobstore error: ${reason}`, 500);
    }),
  );
});
