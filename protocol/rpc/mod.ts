/** The invocation transport: one request/reply protocol over NATS for every hop. */
export { invoke } from './client.js';
export { serveTarget, type CallHandler, type ServeOptions, type TargetServer } from './server.js';
export { encodeValue, decodeValue } from './codec.js';
export { maxChunkSize } from './chunks.js';
