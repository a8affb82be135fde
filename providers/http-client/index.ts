import { describeIssues } from '../../protocol/mod.js';
import { defineProvider, type ProviderContext } from '../sdk/types.js';
import { HttpClientConfig, policyFor } from './config.js';
import { Sender } from './send.js';
import { outgoingHandlers } from './wit.js';

/**
 * `wasi:http/outgoing-handler` for components: their outgoing HTTP leaves the platform only
 * through here, to hosts the link's `allowed_hosts` names (deny by default), within a timeout and
 * body size limits. Redirects are not followed (the guest sees the 3xx, as wasi:http specifies),
 * so a redirect cannot lead a request past the allow-list.
 */
export default defineProvider({
  name: 'http-client',
  description: 'Outgoing HTTP for components (wasi:http/outgoing-handler) with a deny-by-default host allow-list',
  exports: ['wasi:http/outgoing-handler@0.2.0'],
  imports: [],
  configSchema: HttpClientConfig,
  start(ctx: ProviderContext<HttpClientConfig>) {
    let config = ctx.config;
    // Fail at start on an unusable provider-level allow-list rather than on every request.
    policyFor(config, undefined, describeIssues);
    const sender = new Sender();
    let sent = 0;
    let refused = 0;

    return {
      handlers: outgoingHandlers({
        policy: (call) => policyFor(config, call.link?.targetConfig, describeIssues),
        send: async (request, policy, deadline) => {
          sent++;
          return sender.send(request, policy, deadline);
        },
        onFailure: (call, url, code, detail) => {
          refused++;
          ctx.log.warn({ source: call.source, url, error_code: code.tag, detail }, 'outgoing request failed');
        },
      }),

      linkAdded(provLink) {
        if (provLink.role !== 'target') return;
        try {
          policyFor(config, provLink.targetConfig, describeIssues);
        } catch (error) {
          ctx.log.warn({ source: provLink.link.source_id, err: (error as Error).message }, 'link config is invalid: its requests will fail');
        }
      },

      configUpdated(next) {
        config = next as HttpClientConfig;
      },

      healthCheck() {
        return { healthy: true, message: `${sent} requests sent, ${refused} failed or refused` };
      },

      shutdown() {
        sender.close();
      },
    };
  },
});
