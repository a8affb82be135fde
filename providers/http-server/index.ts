import { defineProvider, type ProviderContext } from '../sdk/types.js';
import { HttpServerConfig } from './config.js';
import { isHttpSource, LinkListeners, linkId } from './links.js';

/**
 * `wasi:http/incoming-handler` in front of components. Two modes, chosen per link by its source
 * config: `path`/`host` put the component on the one shared listener (path-prefix and Host-header
 * routing, many components on one port); `address` alone gives the link a listener of its own, as
 * wasmCloud's http-server does. Two links cannot claim the same address or the same route.
 */
export default defineProvider({
  name: 'http-server',
  description: 'HTTP server: forwards requests to linked components (wasi:http/incoming-handler)',
  exports: [],
  imports: ['wasi:http/incoming-handler@0.2.0'],
  configSchema: HttpServerConfig,
  async start(ctx: ProviderContext<HttpServerConfig>) {
    const listeners = new LinkListeners(ctx);

    return {
      handlers: {},

      validateLink(provLink) {
        if (!isHttpSource(provLink)) return null;
        try {
          return listeners.conflict(provLink);
        } catch (error) {
          return (error as Error).message;
        }
      },

      async linkAdded(provLink) {
        if (!isHttpSource(provLink)) return;
        await listeners.add(provLink);
      },

      async linkRemoved(provLink) {
        await listeners.remove(linkId(provLink));
      },

      healthCheck() {
        return { healthy: true, message: listeners.describe() };
      },

      async shutdown() {
        await listeners.close();
      },
    };
  },
});
