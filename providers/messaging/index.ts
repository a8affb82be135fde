import { describeIssues, linkKey } from '../../protocol/mod.js';
import { defineProvider, type ProviderCall, type ProviderContext, type ProviderLink } from '../sdk/types.js';
import { clusterUris, ConsumerLinkConfig, HandlerLinkConfig, MessagingConfig, parseSubscriptions } from './config.js';
import { Connections } from './connections.js';
import { HANDLER_INTERFACE, LinkSubscriptions } from './subscriptions.js';
import { consumerHandlers } from './wit.js';

/**
 * `wasmcloud:messaging@0.2.0` over NATS, after wasmCloud's messaging-nats. Components publish and
 * make requests through `consumer` (link component -> provider); messages on the subjects a
 * handler link's source config subscribes to are delivered to the linked component's `handler`
 * export (link provider -> component), queue groups included.
 */
export default defineProvider({
  name: 'messaging',
  description: 'NATS messaging: consumer publish/request from components, handler deliveries to them',
  exports: ['wasmcloud:messaging/consumer@0.2.0'],
  imports: ['wasmcloud:messaging/handler@0.2.0'],
  configSchema: MessagingConfig,
  start(ctx: ProviderContext<MessagingConfig>) {
    let config = ctx.config;
    const connections = new Connections(ctx.nc, ctx.log);
    const handlerLinks = new Map<string, LinkSubscriptions>();
    const idOf = (provLink: ProviderLink) => `${linkKey(provLink.link)}.${provLink.link.target}`;

    const connectionFor = async (call: ProviderCall) => {
      const parsed = ConsumerLinkConfig.safeParse(call.link?.targetConfig ?? {});
      if (!parsed.success) throw new Error(`link config is invalid: ${describeIssues(parsed.error)}`);
      const nc = await connections.get(clusterUris(parsed.data.cluster_uris ?? config.cluster_uris));
      return { nc, guarded: connections.isHost(nc) };
    };

    const stopLink = async (id: string) => {
      const existing = handlerLinks.get(id);
      if (!existing) return;
      handlerLinks.delete(id);
      await existing.stop();
      ctx.log.info({ target: existing.link.target }, 'handler link unsubscribed');
    };

    return {
      handlers: consumerHandlers(connectionFor, () => config.request_timeout_ms),

      async linkAdded(provLink) {
        const { link } = provLink;
        if (provLink.role !== 'source' || link.wit_package !== 'messaging' || !link.interfaces.includes('handler')) return;
        const id = idOf(provLink);
        await stopLink(id);
        const parsed = HandlerLinkConfig.safeParse(provLink.sourceConfig);
        if (!parsed.success) throw new Error(`handler link config is invalid: ${describeIssues(parsed.error)}`);
        const subscriptions = parseSubscriptions(parsed.data);
        if (subscriptions.length === 0) {
          ctx.log.warn({ target: link.target }, 'handler link has no subscriptions: nothing is delivered');
          return;
        }
        const nc = await connections.get(clusterUris(parsed.data.cluster_uris ?? config.cluster_uris));
        handlerLinks.set(
          id,
          LinkSubscriptions.start(nc, link, subscriptions, {
            call: (l, msg, deadlineMs) => ctx.call(l, HANDLER_INTERFACE, 'handle-message', [msg], { deadlineMs }),
            deadlineMs: config.handler_timeout_ms,
            maxInFlight: config.max_in_flight,
            log: ctx.log,
          }),
        );
      },

      async linkRemoved(provLink) {
        if (provLink.role === 'source') await stopLink(idOf(provLink));
      },

      configUpdated(next) {
        config = next as MessagingConfig;
      },

      healthCheck() {
        let delivered = 0;
        let failed = 0;
        for (const s of handlerLinks.values()) {
          delivered += s.delivered;
          failed += s.failed;
        }
        return { healthy: true, message: `${handlerLinks.size} handler links, ${delivered} delivered, ${failed} failed` };
      },

      async shutdown() {
        for (const id of [...handlerLinks.keys()]) await stopLink(id);
        await connections.close();
      },
    };
  },
});
