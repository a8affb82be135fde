export * from './reference.js';
export * from './media-types.js';
export * from './errors.js';
export * from './credentials.js';
export * from './client.js';
export * from './cache.js';
export * from './artifact.js';
