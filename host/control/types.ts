import type { z } from 'zod';
import {
  AuctionRequest,
  ScaleComponentRequest,
  StartProviderRequest,
  StopProviderRequest,
  UpdateComponentRequest,
  type CtlEnvelope,
  type CtlOp,
} from '../../protocol/mod.js';
import type { Logger } from '../../lib/logger.js';

/** What a handler learns about the request besides its body. */
export interface RequestContext {
  op: CtlOp;
  subject: string;
  /** The subject's last token when it has one (host id, config name). */
  id?: string;
  log: Logger;
}

/**
 * A handler's answer: an envelope to send, or null to stay silent (a host that does not bid in
 * an auction says nothing, as in wasmCloud, so gatherers are not flooded with refusals).
 */
export type CtlAnswer = CtlEnvelope | null;

/** Built-in handlers receive the raw decoded body and validate it themselves. */
export type BuiltinHandler = (body: unknown, ctx: RequestContext) => Promise<CtlAnswer> | CtlAnswer;

/**
 * Operations the host routes to plug-ins (the component runtime, the provider supervisor). The
 * control server validates the body with the schema below before calling the handler.
 */
export const EXTENSION_SCHEMAS = {
  'component.scale': ScaleComponentRequest,
  'component.update': UpdateComponentRequest,
  'component.auction': AuctionRequest,
  'provider.start': StartProviderRequest,
  'provider.stop': StopProviderRequest,
  'provider.auction': AuctionRequest,
} as const;

export type ExtensionOp = keyof typeof EXTENSION_SCHEMAS;
export type ExtensionRequest<K extends ExtensionOp> = z.infer<(typeof EXTENSION_SCHEMAS)[K]>;

export type AuctionOp = 'component.auction' | 'provider.auction';

/**
 * Auction handlers answer "can this host run it?" (true: bid). They are called only when the
 * host's labels already satisfy the request's constraints.
 */
export type AuctionHandler<K extends AuctionOp> = (req: ExtensionRequest<K>, ctx: RequestContext) => Promise<boolean> | boolean;

/** Other extension handlers answer with an envelope (use `ok()` / `fail()` from the protocol). */
export type CommandHandler<K extends Exclude<ExtensionOp, AuctionOp>> = (req: ExtensionRequest<K>, ctx: RequestContext) => Promise<CtlEnvelope> | CtlEnvelope;

export type ExtensionHandler<K extends ExtensionOp> = K extends AuctionOp
  ? AuctionHandler<K>
  : K extends Exclude<ExtensionOp, AuctionOp>
    ? CommandHandler<K>
    : never;

export function isExtensionOp(op: string): op is ExtensionOp {
  return Object.hasOwn(EXTENSION_SCHEMAS, op);
}
