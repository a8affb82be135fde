/**
 * Functions that open a handle the provider keeps until it is dropped, by versionless interface,
 * and the resource they answer. Such a handle depends only on (component, link, identifier), so
 * the host keeps it across invocations (host/router/handle-cache.ts) and the runtime's workers
 * keep copies of it (worker/handle-cache.ts).
 */
export const HANDLE_OPENERS: Readonly<Record<string, { fn: string; resource: string }>> = {
  'wasi:keyvalue/store': { fn: 'open', resource: 'bucket' },
  'wasi:blobstore/blobstore': { fn: 'get-container', resource: 'container' },
};
