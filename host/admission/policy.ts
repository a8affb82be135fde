/**
 * The host's side of the policy hook. With no subject configured everything is permitted without
 * asking; with one, every start and link put waits for the policy service's answer, and silence
 * (a timeout, no responders, a malformed answer) is a denial: a lattice that asked for policy
 * never runs something nobody approved. Every decision is logged and published as
 * `policy_decision`.
 */
import { randomUUID } from 'node:crypto';
import type { NatsConnection } from 'nats';
import type { Logger } from '../../lib/logger.js';
import {
  decodeJson,
  encodeJson,
  mapTransportError,
  policy,
  POLICY_VERSION,
  PolicyResponse,
  type Labels,
  type PolicyKind,
  type PolicyRequest,
} from '../../protocol/mod.js';
import type { EventPublisher } from '../events.js';

export const DEFAULT_POLICY_TIMEOUT_MS = 2_000;

export interface PolicyOptions {
  /** Subject of the policy service; none: everything is permitted. */
  subject?: string;
  timeoutMs?: number;
}

export interface Decision {
  permitted: boolean;
  reason: string;
}

type RequestOf<K extends PolicyKind> = Extract<PolicyRequest, { kind: K }>['request'];

export class PolicyClient {
  private readonly subject: string | undefined;
  private readonly timeoutMs: number;

  constructor(
    private readonly nc: NatsConnection,
    private readonly host: { id: string; lattice: string; labels: () => Labels },
    private readonly events: EventPublisher,
    private readonly log: Logger,
    options: PolicyOptions = {},
  ) {
    this.subject = options.subject === undefined || options.subject === '' ? undefined : policy.check(options.subject);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_POLICY_TIMEOUT_MS;
  }

  get configured(): boolean {
    return this.subject !== undefined;
  }

  /** Asks the policy service; `id` and `imageRef` only label the log line and event. */
  async evaluate<K extends PolicyKind>(kind: K, request: RequestOf<K>, about: { id: string; imageRef?: string }): Promise<Decision> {
    if (!this.subject) return { permitted: true, reason: 'no policy service configured' };
    const requestId = randomUUID();
    const body = {
      requestId,
      kind,
      version: POLICY_VERSION,
      request,
      host: { publicKey: this.host.id, lattice: this.host.lattice, labels: this.host.labels() },
    };
    let decision: Decision;
    try {
      const reply = await this.nc.request(this.subject, encodeJson(body), { timeout: this.timeoutMs });
      const parsed = PolicyResponse.safeParse(decodeJson(reply.data));
      if (!parsed.success) decision = { permitted: false, reason: `policy service on ${this.subject} sent a malformed answer` };
      else if (parsed.data.requestId !== requestId) decision = { permitted: false, reason: `policy service on ${this.subject} answered another request` };
      else decision = { permitted: parsed.data.permitted, reason: parsed.data.message || (parsed.data.permitted ? 'permitted' : 'denied by policy') };
    } catch (error) {
      const mapped = mapTransportError(this.subject, this.timeoutMs, error);
      decision = { permitted: false, reason: `no policy decision (${mapped.message}); denied because a policy service is configured` };
    }
    this.record(kind, about, decision, requestId);
    return decision;
  }

  /** Logs and publishes a decision (also used for trust refusals, which need no service). */
  record(kind: PolicyKind, about: { id: string; imageRef?: string }, decision: Decision, requestId = randomUUID()): void {
    const fields = { kind, id: about.id, image_ref: about.imageRef, permitted: decision.permitted, reason: decision.reason };
    if (decision.permitted) this.log.info(fields, 'policy permitted');
    else this.log.warn(fields, 'policy denied');
    this.events.publish('policy_decision', {
      host_id: this.host.id,
      kind,
      id: about.id,
      ...(about.imageRef === undefined ? {} : { image_ref: about.imageRef }),
      permitted: decision.permitted,
      reason: decision.reason,
      request_id: requestId,
    });
  }
}
