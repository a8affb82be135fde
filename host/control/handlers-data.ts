import { ConfigPutRequest, Identifier, Link, LinkDelRequest, askEndpoint, fail, ok, type CtlOp } from '../../protocol/mod.js';
import type { NatsConnection } from 'nats';
import type { EventPublisher } from '../events.js';
import type { PolicyClient } from '../admission/policy.js';
import type { ConfigStore } from '../../store/config-store.js';
import type { SecretStore } from '../../store/secret-store.js';
import type { LinkStore } from '../../store/link-store.js';
import type { BuiltinHandler, RequestContext } from './types.js';
import { parseRequest } from './validate.js';

export interface DataDeps {
  nc: NatsConnection;
  lattice: string;
  config: ConfigStore;
  links: LinkStore;
  /** Secret names a link refers to must exist (their values are not read here). */
  secrets?: SecretStore;
  events: EventPublisher;
  /** Asked before a link is stored. */
  policy?: PolicyClient;
}

/** The config name is the subject's last token; it must also be a valid KV key and identifier. */
function configName(ctx: RequestContext): { ok: true; name: string } | { ok: false; reply: ReturnType<typeof fail> } {
  const parsed = Identifier.safeParse(ctx.id ?? '');
  if (parsed.success) return { ok: true, name: parsed.data };
  return { ok: false, reply: fail(`invalid config name "${ctx.id ?? ''}": ${parsed.error.issues[0]?.message ?? 'invalid'}`) };
}

/** Lattice-wide config and link operations; any one host (queue group) serves each request. */
export function dataHandlers({ nc, lattice, config, links, secrets, events, policy }: DataDeps): Partial<Record<CtlOp, BuiltinHandler>> {
  return {
    'config.put': async (body, ctx) => {
      const name = configName(ctx);
      if (!name.ok) return name.reply;
      const req = parseRequest(ConfigPutRequest, body, 'config.put');
      if (!req.ok) return req.reply;
      await config.put(name.name, req.value);
      events.publish('config_set', { config_name: name.name });
      return ok();
    },

    'config.get': async (_body, ctx) => {
      const name = configName(ctx);
      if (!name.ok) return name.reply;
      return ok(await config.get(name.name));
    },

    'config.del': async (_body, ctx) => {
      const name = configName(ctx);
      if (!name.ok) return name.reply;
      const existed = await config.delete(name.name);
      if (existed) events.publish('config_deleted', { config_name: name.name });
      return ok(undefined, existed ? '' : `config "${name.name}" did not exist`);
    },

    'link.put': async (body) => {
      const req = parseRequest(Link, body, 'link.put');
      if (!req.ok) return req.reply;
      const link = req.value;
      const missing = await config.missing([...link.source_config, ...link.target_config]);
      if (missing.length > 0) {
        return fail(`link refers to config that does not exist: ${missing.join(', ')} (create it with config put first)`);
      }
      // A secret name is a stored secret or a config holding wadm's reference to one.
      const secretNames = [...link.source_secrets, ...link.target_secrets];
      const notStored = secrets ? await secrets.missing(secretNames) : secretNames;
      const unknownSecrets = await config.missing(notStored);
      if (unknownSecrets.length > 0) {
        return fail(`link refers to secrets that do not exist: ${unknownSecrets.join(', ')} (store them with lattice secret put first)`);
      }
      // Providers at either end may refuse a link they cannot honour (an address already in use).
      const refusals = await Promise.all([...new Set([link.source_id, link.target])].map((end) => askEndpoint(nc, lattice, end, link)));
      const refusal = refusals.find((r): r is string => r !== null);
      if (refusal) return fail(`link refused: ${refusal}`);
      const decision = await policy?.evaluate('putLink', { link }, { id: link.source_id });
      if (decision && !decision.permitted) return fail(`link refused by policy: ${decision.reason}`);
      await links.put(link);
      events.publish('linkdef_set', link);
      return ok();
    },

    'link.del': async (body) => {
      const req = parseRequest(LinkDelRequest, body, 'link.del');
      if (!req.ok) return req.reply;
      const removed = await links.delete(req.value);
      for (const { source_id, wit_namespace, wit_package, name, target } of removed) {
        events.publish('linkdef_deleted', { source_id, wit_namespace, wit_package, name, target });
      }
      const { source_id, wit_namespace, wit_package, name, target } = req.value;
      const which = `${source_id} ${wit_namespace}:${wit_package} named "${name}"${target ? ` to ${target}` : ''}`;
      return ok(undefined, removed.length ? '' : `no link ${which}`);
    },

    'link.get': async () => ok(await links.list()),
  };
}
