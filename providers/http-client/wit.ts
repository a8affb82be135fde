import { WitError } from '../../protocol/mod.js';
import type { InterfaceHandlers, ProviderCall } from '../sdk/types.js';
import type { ClientPolicy } from './config.js';
import type { ErrorCode } from './error-code.js';
import type { OutgoingRequest, SendOutcome } from './send.js';

export interface OutgoingDeps {
  /** The policy of the link a call came through; throws when its config is invalid. */
  policy(call: ProviderCall): ClientPolicy;
  send(request: OutgoingRequest, policy: ClientPolicy, deadline: number): Promise<SendOutcome>;
  /** Told about every refused or failed request (the guest only sees the error-code). */
  onFailure(call: ProviderCall, url: string, code: ErrorCode, detail: string): void;
}

const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

type Invalid = { code: ErrorCode; detail: string };

function isStream(value: unknown): value is AsyncIterable<Uint8Array> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** Validates the forwarded request; the error-code and reason when it is not one. */
function parseRequest(value: unknown): OutgoingRequest | Invalid {
  const uri = (detail: string): Invalid => ({ code: { tag: 'HTTP-request-URI-invalid' }, detail });
  if (typeof value !== 'object' || value === null) return uri('the request is missing');
  const r = value as Record<string, unknown>;
  if (typeof r.url !== 'string') return uri('the request has no URL');
  if (typeof r.method !== 'string' || !METHOD.test(r.method)) {
    return { code: { tag: 'HTTP-request-method-invalid' }, detail: `method ${JSON.stringify(r.method)} is invalid` };
  }
  const headers = Array.isArray(r.headers) ? (r.headers as unknown[]) : [];
  if (!headers.every((h) => Array.isArray(h) && h.length === 2 && typeof h[0] === 'string' && typeof h[1] === 'string')) {
    return { code: { tag: 'internal-error', val: 'headers must be (name, value) string pairs' }, detail: 'malformed headers' };
  }
  const body = r.body instanceof Uint8Array || isStream(r.body) ? r.body : typeof r.body === 'string' ? new TextEncoder().encode(r.body) : new Uint8Array(0);
  return { method: r.method.toUpperCase(), url: r.url, headers: headers as Array<[string, string]>, body };
}

/**
 * `wasi:http/outgoing-handler#handle`: the runtime forwards the guest's request here; the answer
 * is the response, or a `WitError` carrying the `error-code` the guest's
 * `future-incoming-response.get` returns. Over the lattice both bodies are whole values. A
 * component in this host passes its request body as an AsyncIterable (written as the guest
 * writes it) and then gets the response body as one too (read from the server as the guest
 * reads it); a request that arrives whole is answered whole. Deny by default: a
 * URL the link's allow-list does not name is `HTTP-request-denied` before any socket is opened.
 */
export function outgoingHandlers(deps: OutgoingDeps): InterfaceHandlers {
  const refuse = (call: ProviderCall, url: string, code: ErrorCode, detail: string): never => {
    deps.onFailure(call, url, code, detail);
    throw new WitError(code);
  };
  return {
    'wasi:http/outgoing-handler': {
      handle: async (call) => {
        const request = parseRequest(call.args[0]);
        if ('code' in request) return refuse(call, '', request.code, request.detail);
        let policy: ClientPolicy;
        try {
          policy = deps.policy(call);
        } catch (error) {
          return refuse(call, request.url, { tag: 'internal-error', val: (error as Error).message }, (error as Error).message);
        }
        let url: URL;
        try {
          url = new URL(request.url);
        } catch {
          return refuse(call, request.url, { tag: 'HTTP-request-URI-invalid' }, `${request.url} is not a URL`);
        }
        if (url.host === '') return refuse(call, request.url, { tag: 'HTTP-request-URI-invalid' }, 'the request has no authority');
        const decision = policy.allow.check(url);
        if (!decision.allowed) return refuse(call, request.url, { tag: 'HTTP-request-denied' }, decision.reason);
        if (request.body instanceof Uint8Array && request.body.length > policy.maxRequestBytes) {
          return refuse(
            call,
            request.url,
            { tag: 'HTTP-request-body-size', val: BigInt(request.body.length) },
            `request body over ${policy.maxRequestBytes} bytes`,
          );
        }
        const outcome = await deps.send(request, policy, call.deadline);
        if (!outcome.ok) return refuse(call, request.url, outcome.code, outcome.detail);
        return outcome.response;
      },
    },
  };
}
