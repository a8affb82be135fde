// Globals of the StarlingMonkey engine that componentize-js builds on, beyond the web APIs in
// TypeScript's DOM lib (fetch, Request, Response, Headers, streams, TextEncoder, timers...).
// `lattice build` adds this file to every component's type check.

/** The event a fetch-event HTTP component receives, once per incoming request. */
interface FetchEvent extends Event {
  readonly request: Request;
  respondWith(response: Response | PromiseLike<Response>): void;
  waitUntil(promise: PromiseLike<unknown>): void;
}

interface WindowEventMap {
  fetch: FetchEvent;
}
