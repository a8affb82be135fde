import { createMemoryBackend, type MemoryStore } from '../../providers/keyvalue/backends/memory.js';
import { keyvalueContract } from './contract.js';

keyvalueContract('memory', async () => {
  // One store shared by every backend of the run: two backends model two clients of one store.
  const store: MemoryStore = new Map();
  return {
    open: async ({ pageSize }) => createMemoryBackend({ store, pageSize }),
    openStrict: async () => createMemoryBackend({ store, autoCreate: false }),
    bucket: (suffix) => `mem-${suffix}`,
    dispose: async () => undefined,
  };
});
