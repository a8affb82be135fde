import type { SpyRecord } from '../../protocol/mod.js';
import { readable, readableArgs, untyped, type Json, type WitLibrary } from './mod.js';

/** One spy record decoded against the WIT types: what `lattice spy -o json` prints per line. */
export interface DecodedCall {
  time: string;
  host_id: string;
  source: string;
  target: string;
  link: { namespace: string; package: string; name: string };
  interface: string;
  function: string;
  /** Arguments by WIT parameter name (`#0`, `#1`... when the WIT is not known). */
  args: { [name: string]: Json };
  outcome: SpyRecord['outcome'];
  result?: Json;
  error?: string;
  duration_ms: number;
  request_bytes: number;
  response_bytes: number;
  /** Whether the WIT of the interface was known (values are generic otherwise). */
  typed: boolean;
}

/** An HTTP request or response as the runtime and the http-server hand them over (not WIT-shaped). */
function httpValue(value: unknown): Json {
  const v = (value ?? {}) as { method?: string; pathWithQuery?: string; status?: number; headers?: unknown; body?: unknown };
  const headers = Array.isArray(v.headers) ? v.headers.length : v.headers && typeof v.headers === 'object' ? Object.keys(v.headers).length : 0;
  const body = v.body instanceof Uint8Array ? untyped(v.body) : v.body === undefined ? null : untyped(v.body);
  return v.method !== undefined ? { method: v.method, path: v.pathWithQuery ?? '/', headers, body } : { status: v.status ?? null, headers, body };
}

export function decodeRecord(lib: WitLibrary, r: SpyRecord): DecodedCall {
  const out: DecodedCall = {
    time: new Date(r.time).toISOString(),
    host_id: r.host_id,
    source: r.source,
    target: r.target,
    link: { namespace: r.namespace, package: r.package, name: r.link_name },
    interface: r.interface,
    function: r.function,
    args: {},
    outcome: r.outcome,
    duration_ms: Math.round(r.duration_ms * 1000) / 1000,
    request_bytes: r.request_bytes,
    response_bytes: r.response_bytes,
    typed: false,
  };
  if (r.error !== undefined) out.error = r.error;
  if (r.interface.startsWith('wasi:http/incoming-handler') && r.function === 'handle') {
    out.args = { request: httpValue(r.args[0]) };
    if (r.outcome !== 'failed') out.result = httpValue(r.result);
    out.typed = true;
    return out;
  }
  const found = lib.func(r.interface, r.function);
  if (!found) {
    r.args.forEach((a, i) => (out.args[`#${i}`] = untyped(a)));
    if (r.outcome === 'ok') out.result = untyped(r.result);
    if (r.outcome === 'wit-error') out.result = { err: untyped(r.result) };
    return out;
  }
  const { iface, fn } = found;
  out.typed = true;
  out.args = readableArgs(lib, iface, fn, r.args);
  const resultType = fn.result;
  // A function returning result<T, E> answers T on the wire (E travels as a WIT error).
  if (r.outcome === 'ok') {
    out.result =
      resultType?.kind === 'result' ? { ok: readable(lib, iface, resultType.ok, r.result) } : resultType ? readable(lib, iface, resultType, r.result) : null;
  } else if (r.outcome === 'wit-error') {
    out.result = { err: resultType?.kind === 'result' ? readable(lib, iface, resultType.err, r.result) : untyped(r.result) };
  }
  return out;
}

function compact(value: Json | undefined, max = 160): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** One line for people. */
export function formatCall(c: DecodedCall): string {
  const args = Object.entries(c.args)
    .map(([k, v]) => `${k}: ${compact(v, 80)}`)
    .join(', ');
  const link = c.link.name === 'default' ? '' : ` [link ${c.link.name}]`;
  const outcome = c.outcome === 'failed' ? `FAILED ${c.error ?? ''}` : compact(c.result);
  const fn = `${c.interface.replace(/@.*$/, '')}.${c.function}`;
  return `${c.time.slice(11, 23)} ${c.source} -> ${c.target}${link} ${fn}(${args}) -> ${outcome}  ${c.duration_ms.toFixed(2)} ms, ${c.request_bytes} B / ${c.response_bytes} B`;
}
