import type { Msg, NatsConnection, Subscription } from 'nats';
import { createLogger, type Logger } from '../../lib/logger.js';
import { decodeJson, encodeJson } from '../../protocol/codec.js';
import { createControlClient } from '../../protocol/control-client.js';
import { fail, ok } from '../../protocol/envelope.js';
import { WADM_OPS, type WadmOp } from '../../protocol/schemas/wadm.js';
import { wadm, WADM_API_QUEUE_GROUP } from '../../protocol/subjects.js';
import type { LatticeState } from '../scalers/types.js';
import { ManifestStore } from '../store/manifest-store.js';
import { StatusStore } from '../store/status-store.js';
import * as handlers from './handlers.js';
import { ApiFailure, type ApiContext } from './handlers.js';
import { queryLattice } from './lattice-query.js';

export interface WadmApiOptions {
  nc: NatsConnection;
  lattice: string;
  /** Opened here when not given. */
  store?: ManifestStore;
  statuses?: StatusStore;
  /**
   * The observed lattice for deploy-time checks (the reconciler passes its event-fed snapshot);
   * default: ask the hosts (queryLattice), including the configs the manifest references.
   */
  observe?: (needs: { configs: string[] }) => Promise<LatticeState>;
  logger?: Logger;
}

export interface WadmApi {
  store: ManifestStore;
  statuses: StatusStore;
  stop(): Promise<void>;
}

type Handler = (ctx: ApiContext, name: string | undefined, body: unknown) => Promise<unknown>;

const HANDLERS: Record<WadmOp, Handler> = {
  put: handlers.put,
  get: handlers.get,
  list: (ctx) => handlers.list(ctx),
  versions: (ctx, name) => handlers.versions(ctx, name),
  del: handlers.del,
  deploy: handlers.deploy,
  undeploy: (ctx, name) => handlers.undeploy(ctx, name),
  status: (ctx, name) => handlers.status(ctx, name),
};

const isOp = (op: string): op is WadmOp => (WADM_OPS as readonly string[]).includes(op);

/**
 * Serves the wadm API on `wadm.api.<lattice>.model.<op>[.<name>]` in a queue group, so several
 * wadm instances can serve one lattice and each request is answered once. Every request gets
 * an envelope reply; a failing request never stops the server.
 */
export async function startWadmApi(options: WadmApiOptions): Promise<WadmApi> {
  const { nc, lattice } = options;
  const logger = options.logger ?? createLogger({ component: 'wadm-api', lattice });
  const store = options.store ?? (await ManifestStore.open(nc, lattice));
  const statuses = options.statuses ?? (await StatusStore.open(nc, lattice));
  const ctl = createControlClient(nc, lattice);
  const ctx: ApiContext = { store, statuses, logger, observe: options.observe ?? ((needs) => queryLattice(ctl, needs)) };

  const sub: Subscription = nc.subscribe(wadm.modelAll(lattice), { queue: WADM_API_QUEUE_GROUP });
  const inflight = new Set<Promise<void>>();
  const handle = async (msg: Msg): Promise<void> => {
    const parsed = wadm.parseModel(lattice, msg.subject);
    let reply;
    try {
      if (!parsed || !isOp(parsed.op)) throw new ApiFailure(`unknown wadm operation on ${msg.subject}`);
      let body: unknown;
      try {
        body = decodeJson(msg.data);
      } catch {
        throw new ApiFailure('request body is not JSON');
      }
      reply = ok(await HANDLERS[parsed.op](ctx, parsed.name, body));
    } catch (error) {
      if (!(error instanceof ApiFailure)) logger.error({ err: error, subject: msg.subject }, 'wadm API request failed');
      reply = fail(error instanceof Error ? error.message : String(error));
    }
    if (msg.reply) msg.respond(encodeJson(reply));
  };
  // Requests are served concurrently: a deploy waiting on the hosts must not hold up a `list`.
  const done = (async () => {
    for await (const msg of sub) {
      const p = handle(msg);
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
    }
  })();

  return {
    store,
    statuses,
    async stop() {
      await sub.drain();
      await done;
      await Promise.all([...inflight]);
    },
  };
}
