/** Public API of the wadm store: versioned manifests and application status in JetStream KV. */
export { ManifestStore, generateVersion, canonical, type DesiredApp } from './manifest-store.js';
export { StatusStore } from './status-store.js';
export { StoreError } from './errors.js';
export { MAX_VERSIONS, MAX_RECORD_BYTES, type StoredApp, type StoredVersion } from './record.js';
