import { LabelDelRequest, LabelPutRequest, StopHostRequest, fail, ok, type CtlOp, type HostInfo, type HostInventory } from '../../protocol/mod.js';
import type { HostLabels } from '../labels.js';
import type { BuiltinHandler } from './types.js';
import { parseRequest } from './validate.js';

/** The parts of a host the host-scoped handlers use. */
export interface HostFacade {
  readonly id: string;
  info(): HostInfo;
  inventory(): HostInventory;
  /** Publishes the full inventory as a `host_inventory` event. */
  publishInventory(): void;
  readonly labels: HostLabels;
  /** Starts a graceful stop after the current reply has gone out. */
  requestStop(timeoutMs: number | undefined, reason: string): void;
}

/** host.ping, host.get, host.stop, label.put, label.del. */
export function hostHandlers(host: HostFacade): Partial<Record<CtlOp, BuiltinHandler>> {
  return {
    'host.ping': () => ok(host.info()),

    'host.get': () => {
      // Also published as an event: an observer that asks is usually not the only one behind.
      host.publishInventory();
      return ok(host.inventory());
    },

    'host.stop': (body) => {
      const req = parseRequest(StopHostRequest, body, 'host.stop');
      if (!req.ok) return req.reply;
      // Deferred so the reply is sent before the stop starts refusing work and closing NATS.
      setImmediate(() => host.requestStop(req.value.timeout_ms, 'stop requested over the control interface'));
      return ok(undefined, `host ${host.id} is stopping`);
    },

    'label.put': (body) => {
      const req = parseRequest(LabelPutRequest, body, 'label.put');
      if (!req.ok) return req.reply;
      const result = host.labels.put(req.value.key, req.value.value);
      if (!result.ok) return fail(result.reason);
      return ok(undefined, result.changed ? '' : `label "${req.value.key}" already had that value`);
    },

    'label.del': (body) => {
      const req = parseRequest(LabelDelRequest, body, 'label.del');
      if (!req.ok) return req.reply;
      const result = host.labels.delete(req.value.key);
      if (!result.ok) return fail(result.reason);
      return ok(undefined, result.changed ? '' : `label "${req.value.key}" was not set`);
    },
  };
}
