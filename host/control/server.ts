import type { Msg, NatsConnection, Subscription } from 'nats';
import {
  BROADCAST_OPS,
  CTL_QUEUE_GROUP,
  HOST_SCOPED_OPS,
  LATTICE_OPS,
  MAX_CTL_REQUEST_BYTES,
  ctl,
  decodeJson,
  encodeJson,
  fail,
  isCtlOp,
  parseCtlSubject,
  type CtlEnvelope,
  type CtlOp,
} from '../../protocol/mod.js';
import type { Logger } from '../../lib/logger.js';
import type { WorkTracker } from '../work-tracker.js';
import type { BuiltinHandler, CtlAnswer, RequestContext } from './types.js';

/** Which subscription a message came in on; each accepts only its own operations. */
type Scope = 'host' | 'broadcast' | 'lattice';

const SCOPE_OPS: Record<Scope, readonly CtlOp[]> = {
  host: HOST_SCOPED_OPS,
  broadcast: BROADCAST_OPS,
  lattice: LATTICE_OPS,
};

/** Read-only operations keep being answered while the host stops, so observers see it until it leaves. */
const READ_ONLY: ReadonlySet<CtlOp> = new Set(['host.ping', 'host.get']);

export interface ControlServerOptions {
  nc: NatsConnection;
  lattice: string;
  hostId: string;
  log: Logger;
  work: WorkTracker;
  handlers: Partial<Record<CtlOp, BuiltinHandler>>;
  maxRequestBytes?: number;
}

/**
 * The host's side of the control interface. Every request is answered with an envelope, whatever
 * its body holds: unknown operations, bad JSON, schema violations and oversized bodies get
 * `success: false` naming the problem, and a handler that throws becomes a `success: false` reply
 * rather than a crashed host. Each request runs concurrently and counts as in-flight work.
 */
export class ControlServer {
  private hostSubs: Subscription[] = [];
  private latticeSubs: Subscription[] = [];
  private readonly maxBytes: number;

  constructor(private readonly opts: ControlServerOptions) {
    this.maxBytes = opts.maxRequestBytes ?? MAX_CTL_REQUEST_BYTES;
  }

  start(): void {
    const { nc, lattice, hostId } = this.opts;
    const sub = (subject: string, scope: Scope, queue?: string) =>
      nc.subscribe(subject, { queue, callback: (err, msg) => (err ? this.subError(err) : this.onMessage(msg, scope)) });
    this.hostSubs = [
      sub(ctl.hostScoped(lattice, hostId), 'host'),
      sub(ctl.hostPing(lattice), 'broadcast'),
      sub(ctl.componentAuction(lattice), 'broadcast'),
      sub(ctl.providerAuction(lattice), 'broadcast'),
    ];
    this.latticeSubs = ctl.latticeScoped(lattice).map((s) => sub(s, 'lattice', CTL_QUEUE_GROUP));
  }

  /**
   * First step of a stop: leaves the queue group so other hosts take over lattice-wide requests.
   * Host-scoped requests are still received, and refused unless read-only.
   */
  quiesce(): void {
    for (const s of this.latticeSubs) s.unsubscribe();
    this.latticeSubs = [];
  }

  close(): void {
    this.quiesce();
    for (const s of this.hostSubs) s.unsubscribe();
    this.hostSubs = [];
  }

  private subError(error: Error): void {
    this.opts.log.error({ err: error }, 'control subscription failed');
  }

  private onMessage(msg: Msg, scope: Scope): void {
    const parsed = parseCtlSubject(this.opts.lattice, msg.subject);
    const op = parsed?.op ?? msg.subject;
    if (parsed && isCtlOp(op) && !SCOPE_OPS[scope].includes(op)) {
      // A known operation on the wrong subscription (a config named like this host's id matches
      // the host wildcard): the subscription it belongs to answers it.
      return;
    }
    if (!parsed || !isCtlOp(op)) {
      this.reply(msg, fail(`unknown control operation "${op}" (known: ${SCOPE_OPS[scope].join(', ')})`));
      return;
    }
    const end = READ_ONLY.has(op) ? this.opts.work.begin() : this.opts.work.tryBegin();
    if (!end) {
      this.reply(msg, fail(`host ${this.opts.hostId} is stopping and accepts no new work`));
      return;
    }
    const ctx: RequestContext = { op, subject: msg.subject, log: this.opts.log };
    if (parsed.id !== undefined) ctx.id = parsed.id;
    void this.handle(msg, ctx).finally(end);
  }

  private async handle(msg: Msg, ctx: RequestContext): Promise<void> {
    if (msg.data.length > this.maxBytes) {
      this.reply(msg, fail(`request body of ${ctx.op} is ${msg.data.length} bytes; the limit is ${this.maxBytes}`));
      return;
    }
    let body: unknown;
    try {
      body = decodeJson(msg.data);
    } catch (error) {
      this.reply(msg, fail(`request body of ${ctx.op} is not valid JSON: ${(error as Error).message}`));
      return;
    }
    const handler = this.opts.handlers[ctx.op];
    if (!handler) {
      this.reply(msg, fail(`${ctx.op} is not supported by this host`));
      return;
    }
    let answer: CtlAnswer;
    try {
      answer = await handler(body, ctx);
    } catch (error) {
      this.opts.log.error({ err: error, op: ctx.op }, 'control handler failed');
      answer = fail(`${ctx.op} failed on host ${this.opts.hostId}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (answer) this.reply(msg, answer);
  }

  private reply(msg: Msg, envelope: CtlEnvelope): void {
    if (!msg.reply) return;
    try {
      msg.respond(encodeJson(envelope));
    } catch (error) {
      // Typically a reply over the server's max payload (a huge link list): say so instead.
      this.opts.log.warn({ err: error, subject: msg.subject }, 'could not send control reply');
      try {
        msg.respond(encodeJson(fail(`reply could not be sent: ${(error as Error).message}`)));
      } catch {
        // the connection is gone; nothing left to tell the requester
      }
    }
  }
}
