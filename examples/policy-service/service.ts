/**
 * An example policy service for the host's policy hook (docs/security.md, "Policy"): hosts
 * labelled `zone=edge` may start only images from the allowed registries, and, when issuers are
 * given, only components those issuers signed. Everything else is permitted. It answers
 * PolicyRequests on one subject (a queue group, so several replicas share the load).
 */
import type { NatsConnection, Subscription } from 'nats';
import { looksLikeOciRef, parseOciRef } from '../../lib/oci/reference.js';
import { resolveAlias } from '../../providers/registry.js';
import { decodeJson, encodeJson, PolicyRequest, type PolicyResponse } from '../../protocol/mod.js';

export interface EdgePolicyOptions {
  /** Registries (`host[:port]`) whose images edge hosts may run. */
  allowedRegistries: string[];
  /** When non-empty, components on edge hosts must be validly signed by one of these issuers. */
  trustedIssuers?: string[];
  /** Label that marks an edge host (default `zone=edge`). */
  edgeLabel?: { key: string; value: string };
}

/** Where an image comes from: its registry, or its scheme (`file`, `nats`, `lattice`...). */
export function imageOrigin(ref: string): string {
  if (looksLikeOciRef(ref)) {
    try {
      return parseOciRef(ref).registry;
    } catch {
      return 'invalid';
    }
  }
  return /^([a-z][a-z0-9+.-]*):\/\//i.exec(ref)?.[1] ?? 'unknown';
}

export function decide(request: PolicyRequest, options: EdgePolicyOptions): { permitted: boolean; message: string } {
  const edge = options.edgeLabel ?? { key: 'zone', value: 'edge' };
  if (request.host.labels[edge.key] !== edge.value) return { permitted: true, message: `not an ${edge.key}=${edge.value} host` };
  if (request.kind === 'putLink') return { permitted: true, message: 'links are not restricted' };
  const image = request.request.imageRef;
  // wasmCloud's own provider names start builtin providers: nothing is pulled for them.
  const origin = request.kind === 'startProvider' && resolveAlias(image) && !looksLikeOciRef(image) ? 'builtin' : imageOrigin(image);
  if (!options.allowedRegistries.includes(origin)) {
    return {
      permitted: false,
      message: `${edge.key}=${edge.value} hosts run only images from ${options.allowedRegistries.join(', ')}; ${image} comes from ${origin}`,
    };
  }
  const issuers = options.trustedIssuers ?? [];
  if (request.kind === 'startComponent' && issuers.length > 0) {
    const claims = request.request.claims;
    if (!claims?.valid || !issuers.includes(claims.issuer)) {
      return { permitted: false, message: `${edge.key}=${edge.value} hosts run only components validly signed by ${issuers.join(', ')}` };
    }
  }
  return { permitted: true, message: `${image} is allowed on ${edge.key}=${edge.value} hosts` };
}

/** Serves decisions on `subject` until the returned subscription is unsubscribed. */
export function serveEdgePolicy(nc: NatsConnection, subject: string, options: EdgePolicyOptions): Subscription {
  return nc.subscribe(subject, {
    queue: 'lattice.policy',
    callback: (_err, msg) => {
      let reply: PolicyResponse;
      let raw: unknown = null;
      try {
        raw = decodeJson(msg.data);
      } catch {
        // answered below as a denial
      }
      const parsed = PolicyRequest.safeParse(raw);
      if (!parsed.success) {
        const requestId = typeof (raw as { requestId?: unknown })?.requestId === 'string' ? (raw as { requestId: string }).requestId : '';
        reply = { requestId, permitted: false, message: 'malformed policy request' };
      } else {
        reply = { requestId: parsed.data.requestId, ...decide(parsed.data, options) };
      }
      msg.respond(encodeJson(reply));
    },
  });
}
