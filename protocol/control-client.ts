import type { NatsConnection } from 'nats';
import { z } from 'zod';
import { ctlGather, ctlRequest, DEFAULT_LOAD_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS } from './request.js';
import { ctl } from './subjects.js';
import { ConfigGetResponse, ConfigPutRequest, type ConfigValues } from './schemas/config.js';
import { HostInfo, HostInventory, LabelDelRequest, LabelPutRequest, StopHostRequest } from './schemas/host.js';
import { Link, LinkDelRequest, LinkGetResponse, type LinkDelInput, type LinkInput } from './schemas/links.js';
import {
  AuctionBid,
  AuctionRequest,
  ScaleComponentRequest,
  UpdateComponentRequest,
  type AuctionInput,
  type ScaleComponentInput,
} from './schemas/components.js';
import { StartProviderRequest, StopProviderRequest, type StartProviderInput } from './schemas/providers.js';

const Empty = z.unknown();

export interface ControlClientOptions {
  /** Deadline for single-host requests. */
  timeoutMs?: number;
  /** How long scatter-gather requests (ping, auctions) collect replies. */
  gatherMs?: number;
}

/**
 * The typed control-interface client shared by the CLI, wadm and the tests. Requests are
 * validated before sending (a bad argument fails here, not on a host), replies after receiving.
 * Transport problems throw TimeoutError / NoRespondersError / DecodeError; `success: false`
 * throws ControlError with the host's message.
 */
export function createControlClient(nc: NatsConnection, lattice: string, options: ControlClientOptions = {}) {
  const timeout = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const gather = options.gatherMs ?? 1_000;

  return {
    lattice,

    pingHosts: (opts: { timeoutMs?: number } = {}) => ctlGather(nc, ctl.hostPing(lattice), {}, HostInfo, { timeoutMs: opts.timeoutMs ?? gather }),

    getInventory: (hostId: string) => ctlRequest(nc, ctl.hostInventory(lattice, hostId), {}, HostInventory, timeout),

    putLabel: (hostId: string, key: string, value: string) =>
      ctlRequest(nc, ctl.labelPut(lattice, hostId), LabelPutRequest.parse({ key, value }), Empty, timeout),

    deleteLabel: (hostId: string, key: string) => ctlRequest(nc, ctl.labelDel(lattice, hostId), LabelDelRequest.parse({ key }), Empty, timeout),

    stopHost: (hostId: string, opts: { timeoutMs?: number } = {}) =>
      ctlRequest(nc, ctl.hostStop(lattice, hostId), StopHostRequest.parse({ timeout_ms: opts.timeoutMs }), Empty, timeout),

    putConfig: (name: string, values: ConfigValues) => ctlRequest(nc, ctl.configPut(lattice, name), ConfigPutRequest.parse(values), Empty, timeout),

    getConfig: (name: string) => ctlRequest(nc, ctl.configGet(lattice, name), {}, ConfigGetResponse, timeout),

    deleteConfig: (name: string) => ctlRequest(nc, ctl.configDel(lattice, name), {}, Empty, timeout),

    putLink: (link: LinkInput) => ctlRequest(nc, ctl.linkPut(lattice), Link.parse(link), Empty, timeout),

    deleteLink: (req: LinkDelInput) => ctlRequest(nc, ctl.linkDel(lattice), LinkDelRequest.parse(req), Empty, timeout),

    getLinks: () => ctlRequest(nc, ctl.linkGet(lattice), {}, LinkGetResponse, timeout),

    scaleComponent: (hostId: string, req: ScaleComponentInput, opts: { timeoutMs?: number } = {}) =>
      ctlRequest(nc, ctl.componentScale(lattice, hostId), ScaleComponentRequest.parse(req), Empty, opts.timeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS),

    updateComponent: (hostId: string, req: z.input<typeof UpdateComponentRequest>, opts: { timeoutMs?: number } = {}) =>
      ctlRequest(nc, ctl.componentUpdate(lattice, hostId), UpdateComponentRequest.parse(req), Empty, opts.timeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS),

    auctionComponent: (req: AuctionInput, opts: { timeoutMs?: number } = {}) =>
      ctlGather(nc, ctl.componentAuction(lattice), AuctionRequest.parse(req), AuctionBid, {
        timeoutMs: opts.timeoutMs ?? gather,
      }),

    startProvider: (hostId: string, req: StartProviderInput, opts: { timeoutMs?: number } = {}) =>
      ctlRequest(nc, ctl.providerStart(lattice, hostId), StartProviderRequest.parse(req), Empty, opts.timeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS),

    stopProvider: (hostId: string, providerId: string) =>
      ctlRequest(nc, ctl.providerStop(lattice, hostId), StopProviderRequest.parse({ provider_id: providerId }), Empty, timeout),

    auctionProvider: (req: AuctionInput, opts: { timeoutMs?: number } = {}) =>
      ctlGather(nc, ctl.providerAuction(lattice), AuctionRequest.parse(req), AuctionBid, {
        timeoutMs: opts.timeoutMs ?? gather,
      }),
  };
}

export type ControlClient = ReturnType<typeof createControlClient>;
