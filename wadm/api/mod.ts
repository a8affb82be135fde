/** Public API of the wadm API server. The client is protocol/wadm-client.ts. */
export { startWadmApi, type WadmApi, type WadmApiOptions } from './server.js';
export { queryLattice } from './lattice-query.js';
export { checkSharedRefs, resolveSharedIds } from './shared-refs.js';
export { ApiFailure, type ApiContext } from './handlers.js';
