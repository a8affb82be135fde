import { describeIssues } from '../../protocol/mod.js';
import { defineProvider, type ProviderContext } from '../sdk/types.js';
import { blobTarget, BlobstoreConfig } from './config.js';
import { BlobBackendPool } from './pool.js';
import { blobHandlers, blobTables } from './wit.js';

/**
 * `wasi:blobstore@0.2.0-draft` on a directory tree (confined to its root: `..` and symlinks are
 * refused) or on the NATS JetStream object store. Each link's target config may pick the backend
 * and root; the provider config gives the defaults.
 */
export default defineProvider({
  name: 'blobstore',
  description: 'Blob storage (wasi:blobstore containers and objects) on the filesystem or the NATS object store',
  exports: ['wasi:blobstore/blobstore@0.2.0-draft', 'wasi:blobstore/container@0.2.0-draft', 'wasi:blobstore/types@0.2.0-draft'],
  imports: [],
  configSchema: BlobstoreConfig,
  start(ctx: ProviderContext<BlobstoreConfig>) {
    let config = ctx.config;
    // A provider root that cannot be used is a start failure, not a surprise at the first call.
    blobTarget(config, ctx.dataDir, undefined, describeIssues);
    const pool = new BlobBackendPool(ctx.nc, ctx.log);
    const tables = blobTables(config.max_handles);

    return {
      handlers: blobHandlers(
        {
          backendFor: (call) => pool.get(blobTarget(config, ctx.dataDir, call.link?.targetConfig, describeIssues)),
          maxObjectBytes: () => config.max_object_bytes,
          maxHandles: config.max_handles,
        },
        tables,
      ),

      linkAdded(provLink) {
        if (provLink.role !== 'target' || provLink.link.wit_package !== 'blobstore') return;
        try {
          blobTarget(config, ctx.dataDir, provLink.targetConfig, describeIssues);
        } catch (error) {
          ctx.log.warn({ source: provLink.link.source_id, err: (error as Error).message }, 'link config is invalid: its calls will fail');
        }
      },

      configUpdated(next) {
        config = next as BlobstoreConfig;
      },

      healthCheck() {
        return { healthy: true, message: `${tables.containers.size()} open containers` };
      },

      async shutdown() {
        for (const table of Object.values(tables)) table.clear();
        await pool.close();
      },
    };
  },
});
