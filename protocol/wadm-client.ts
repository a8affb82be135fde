import type { NatsConnection } from 'nats';
import { decodeJson } from './codec.js';
import { ctlRequest, DEFAULT_REQUEST_TIMEOUT_MS } from './request.js';
import { AppStatus, DeleteReply, DeployReply, GetReply, ListReply, PutReply, UndeployReply, VersionsReply } from './schemas/wadm.js';
import { wadm } from './subjects.js';

export interface WadmClientOptions {
  /** Deadline per request. A deploy asks the hosts first (about a second), so keep it above 2 s. */
  timeoutMs?: number;
}

/**
 * Typed client of the wadm API, for the CLI and tests. Replies come in the control envelope;
 * `success: false` (unknown application or version) throws ControlError, transport problems
 * throw TimeoutError / NoRespondersError. A rejected manifest or deploy is a value
 * (`accepted: false` with the problems).
 */
export function createWadmClient(nc: NatsConnection, lattice: string, options: WadmClientOptions = {}) {
  const timeout = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const withVersion = (version?: string) => (version === undefined ? {} : { version });
  return {
    lattice,
    /** Stores a manifest (parsed YAML/JSON) as a new version. */
    put: (manifest: unknown) => ctlRequest(nc, wadm.model(lattice, 'put'), { manifest }, PutReply, timeout),
    get: (name: string, version?: string) => ctlRequest(nc, wadm.model(lattice, 'get', name), withVersion(version), GetReply, timeout),
    list: () => ctlRequest(nc, wadm.model(lattice, 'list'), {}, ListReply, timeout),
    versions: (name: string) => ctlRequest(nc, wadm.model(lattice, 'versions', name), {}, VersionsReply, timeout),
    /** Deletes one version, or the whole application (undeploying it first). */
    del: (name: string, version?: string) => ctlRequest(nc, wadm.model(lattice, 'del', name), withVersion(version), DeleteReply, timeout),
    deploy: (name: string, version?: string) => ctlRequest(nc, wadm.model(lattice, 'deploy', name), withVersion(version), DeployReply, timeout),
    undeploy: (name: string) => ctlRequest(nc, wadm.model(lattice, 'undeploy', name), {}, UndeployReply, timeout),
    status: (name: string) => ctlRequest(nc, wadm.model(lattice, 'status', name), {}, AppStatus, timeout),
    /** Status updates as wadm publishes them; stop with `return()` on the iterator or `unsubscribe()`. */
    watchStatus(name: string) {
      const sub = nc.subscribe(wadm.status(lattice, name));
      const updates = (async function* () {
        for await (const msg of sub) {
          const parsed = AppStatus.safeParse(decodeJson(msg.data));
          if (parsed.success) yield parsed.data;
        }
      })();
      return { updates, unsubscribe: () => sub.unsubscribe() };
    },
  };
}

export type WadmClient = ReturnType<typeof createWadmClient>;
