/**
 * In-process `wasi:http/types` (preview2-shim keeps its request/response constructors private,
 * docs/architecture.md, fact 5) and `wasi:http/outgoing-handler`, which sends the guest's request
 * to the host's import handler over the bridge (http-outgoing.ts). The resources are split by
 * side: http-fields.ts, http-body.ts, http-incoming.ts (what the incoming handler is given and
 * sets) and http-outgoing.ts (what a guest sends and gets back).
 */
import { FutureTrailers, IncomingBody, OutgoingBody } from './http-body.js';
import { Fields } from './http-fields.js';
import { IncomingRequest, OutgoingResponse, ResponseOutparam } from './http-incoming.js';
import { FutureIncomingResponse, IncomingResponse, OutgoingRequest, type OutgoingTransport, outgoingHandler, RequestOptions } from './http-outgoing.js';

export function httpImports(transport: OutgoingTransport): Record<string, Record<string, unknown>> {
  return {
    'wasi:http/types': {
      Fields,
      IncomingRequest,
      OutgoingRequest,
      RequestOptions,
      ResponseOutparam,
      IncomingResponse,
      IncomingBody,
      FutureTrailers,
      OutgoingResponse,
      OutgoingBody,
      FutureIncomingResponse,
      httpErrorCode: () => undefined,
    },
    'wasi:http/outgoing-handler': { handle: outgoingHandler(transport) },
  };
}
