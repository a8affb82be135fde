import { describeIssues } from '../../protocol/mod.js';
import { HandleTable } from '../shared/handle-table.js';
import { defineProvider, type ProviderCall, type ProviderContext, type ProviderLink } from '../sdk/types.js';
import type { KeyValueBucket, KvResult } from './backends/types.js';
import { BackendPool } from './pool.js';
import { KeyValueConfig, storeTarget } from './config.js';
import { keyValueHandlers } from './wit.js';

function other(message: string): KvResult<never> {
  return { tag: 'err', val: { tag: 'other', val: message } };
}

/**
 * `wasi:keyvalue@0.2.0-draft` (`store`, `atomics`, `batch`) on memory, NATS JetStream KV or Redis.
 * Each link's target config picks the backend, server and bucket, over the provider's defaults.
 * A component holding several links to this provider (link names `cache`, `sessions`) reaches
 * each one's bucket by opening the link name, as with wasmCloud's keyvalue-nats; any other
 * identifier goes through the link the call came in on.
 */
export default defineProvider({
  name: 'keyvalue',
  description: 'Key-value store (wasi:keyvalue store, atomics, batch) on memory, NATS KV or Redis',
  exports: ['wasi:keyvalue/store@0.2.0-draft', 'wasi:keyvalue/atomics@0.2.0-draft', 'wasi:keyvalue/batch@0.2.0-draft'],
  imports: [],
  configSchema: KeyValueConfig,
  start(ctx: ProviderContext<KeyValueConfig>) {
    let config = ctx.config;
    const pool = new BackendPool(ctx.nc, ctx.log);
    const buckets = new HandleTable<KeyValueBucket>({ resource: 'bucket', maxPerOwner: config.max_handles });
    /** The caller's keyvalue links to this provider, by `source \0 link name`. */
    const links = new Map<string, ProviderLink>();
    const key = (source: string, name: string) => `${source}\u0000${name}`;

    const open = async (call: ProviderCall, identifier: string): Promise<KvResult<KeyValueBucket>> => {
      const named = identifier === '' ? undefined : links.get(key(call.source, identifier));
      const via = named ?? call.link;
      let target;
      try {
        target = storeTarget(config, via?.targetConfig, describeIssues, { provider: ctx.secrets, link: via?.targetSecrets });
      } catch (error) {
        return other((error as Error).message);
      }
      let backend;
      try {
        backend = await pool.get(target);
      } catch (error) {
        return other(`keyvalue backend ${target.backend} is unavailable: ${(error as Error).message}`);
      }
      const bucket = target.bucket ?? identifier;
      ctx.log.debug({ source: call.source, backend: target.backend, bucket }, 'open bucket');
      return backend.open(bucket);
    };

    return {
      handlers: keyValueHandlers(buckets, open),

      linkAdded(provLink) {
        if (provLink.role !== 'target' || provLink.link.wit_package !== 'keyvalue') return;
        // Validate now so a bad link shows up in the provider log when it is put, not at first use.
        storeTarget(config, provLink.targetConfig, describeIssues, { provider: ctx.secrets, link: provLink.targetSecrets });
        links.set(key(provLink.link.source_id, provLink.link.name), provLink);
      },

      linkRemoved(provLink) {
        if (provLink.role !== 'target') return;
        const k = key(provLink.link.source_id, provLink.link.name);
        if (links.get(k)?.link.target === provLink.link.target) links.delete(k);
      },

      configUpdated(next) {
        config = next as KeyValueConfig;
      },

      healthCheck() {
        return { healthy: true, message: `${links.size} links, ${buckets.size()} open buckets` };
      },

      async shutdown() {
        buckets.clear();
        await pool.close();
      },
    };
  },
});
