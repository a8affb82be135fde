import { fail, ok, type AuctionBid, type CtlOp } from '../../protocol/mod.js';
import type { HostLabels } from '../labels.js';
import {
  EXTENSION_SCHEMAS,
  isExtensionOp,
  type AuctionOp,
  type BuiltinHandler,
  type ExtensionHandler,
  type ExtensionOp,
  type RequestContext,
} from './types.js';
import { parseRequest } from './validate.js';

function isAuction(op: ExtensionOp): op is AuctionOp {
  return op === 'component.auction' || op === 'provider.auction';
}

/**
 * Where the component runtime and the provider supervisor plug into the control interface.
 * Until a handler is registered, its operation answers "not supported by this host".
 */
export class ExtensionRegistry {
  private readonly handlers = new Map<ExtensionOp, ExtensionHandler<ExtensionOp>>();

  constructor(
    private readonly hostId: string,
    private readonly labels: HostLabels,
  ) {}

  /**
   * Registers the handler of `op`; returns the function that unregisters it. Registering an
   * operation twice throws: two runtimes answering one request is a wiring bug.
   */
  register<K extends ExtensionOp>(op: K, handler: ExtensionHandler<K>): () => void {
    if (!isExtensionOp(op)) throw new TypeError(`"${String(op)}" is not an operation plug-ins can handle`);
    if (this.handlers.has(op)) throw new Error(`a handler for ${op} is already registered`);
    this.handlers.set(op, handler as ExtensionHandler<ExtensionOp>);
    return () => {
      if (this.handlers.get(op) === handler) this.handlers.delete(op);
    };
  }

  has(op: ExtensionOp): boolean {
    return this.handlers.has(op);
  }

  /** Built-in dispatch entries for every extension operation. */
  dispatchers(): Partial<Record<CtlOp, BuiltinHandler>> {
    const out: Partial<Record<CtlOp, BuiltinHandler>> = {};
    for (const op of Object.keys(EXTENSION_SCHEMAS) as ExtensionOp[]) {
      out[op] = (body, ctx) => this.dispatch(op, body, ctx);
    }
    return out;
  }

  private async dispatch(op: ExtensionOp, body: unknown, ctx: RequestContext) {
    const req = parseRequest(EXTENSION_SCHEMAS[op], body, op);
    if (!req.ok) return req.reply;
    if (isAuction(op)) {
      const auction = req.value as { id: string; image_ref: string; constraints: Record<string, string> };
      // Hosts that cannot satisfy the constraints stay silent, as in wasmCloud.
      if (!this.labels.matches(auction.constraints)) return null;
      const handler = this.handlers.get(op) as ExtensionHandler<AuctionOp> | undefined;
      if (!handler) return fail(`${op} is not supported by this host (no ${op.split('.')[0]} runtime registered)`);
      if (!(await handler(req.value as never, ctx))) return null;
      const bid: AuctionBid = {
        host_id: this.hostId,
        id: auction.id,
        image_ref: auction.image_ref,
        constraints: auction.constraints,
      };
      return ok(bid);
    }
    const handler = this.handlers.get(op) as ExtensionHandler<Exclude<ExtensionOp, AuctionOp>> | undefined;
    if (!handler) return fail(`${op} is not supported by this host (no ${op.split('.')[0]} runtime registered)`);
    return handler(req.value as never, ctx);
  }
}
