/** Public API of the wadm store: versioned manifests and application status in a KV bucket (JetStream, or memory in tests). */
export { ManifestStore, generateVersion, canonical, type DesiredApp } from './manifest-store.js';
export { StatusStore, type StatusPublisher } from './status-store.js';
export { StoreError } from './errors.js';
export { MAX_VERSIONS, MAX_RECORD_BYTES, type StoredApp, type StoredVersion } from './record.js';
