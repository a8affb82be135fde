/**
 * WIT values as the host holds them (jco's JavaScript representation: camelCase record fields,
 * `{tag, val}` variants, bigint for 64-bit integers, Uint8Array for list<u8>, `{ $resource, id }`
 * handles) to and from plain JSON, guided by the WIT type. `readable` is what `lattice spy`
 * prints; `fromJson` is how `lattice call` turns its JSON arguments into what the component takes.
 */
import type { WitFunction, WitInterface, WitType } from './parse.js';
import type { WitLibrary } from './library.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** jco's name for a WIT field or function: kebab-case to camelCase. */
export function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function bytesJson(bytes: Uint8Array): Json {
  try {
    const text = utf8.decode(bytes);
    // eslint-disable-next-line no-control-regex
    if (!/[\u0000-\u0008\u000e-\u001f]/.test(text)) return { bytes: bytes.length, text };
  } catch {
    // not UTF-8: base64 below
  }
  return { bytes: bytes.length, base64: Buffer.from(bytes).toString('base64') };
}

/** Any value without a type: the generic readable form. */
export function untyped(value: unknown): Json {
  if (value === undefined || value === null) return null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Uint8Array) return bytesJson(value);
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
  if (Array.isArray(value)) return value.map(untyped);
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v.$resource === 'string') return `${v.$resource}#${String(v.id)}`;
    if (v.$stream === true) return '<stream>';
    const out: { [key: string]: Json } = {};
    for (const [k, item] of Object.entries(v)) out[k] = untyped(item);
    return out;
  }
  return String(value);
}

/** VALUE of TYPE (seen from IFACE) as readable JSON. A value that does not fit falls back to `untyped`. */
export function readable(lib: WitLibrary, iface: WitInterface, type: WitType | null, value: unknown): Json {
  if (!type) return untyped(value);
  const { type: t, def, iface: at } = lib.expand(iface, type);
  switch (t.kind) {
    case 'prim':
      return untyped(value);
    case 'list':
      if (t.of.kind === 'prim' && t.of.name === 'u8' && value instanceof Uint8Array) return bytesJson(value);
      return Array.isArray(value) ? value.map((v) => readable(lib, at, t.of, v)) : untyped(value);
    case 'option': {
      if (value === undefined || value === null) return null;
      const nested = lib.expand(at, t.of).type.kind === 'option';
      if (nested && typeof value === 'object' && (value as { tag?: string }).tag === 'some')
        return { some: readable(lib, at, t.of, (value as { val: unknown }).val) };
      return readable(lib, at, t.of, value);
    }
    case 'result': {
      const v = value as { tag?: string; val?: unknown };
      if (v && (v.tag === 'ok' || v.tag === 'err')) return { [v.tag]: readable(lib, at, v.tag === 'ok' ? t.ok : t.err, v.val) };
      return untyped(value);
    }
    case 'tuple':
      return Array.isArray(value) ? value.map((v, i) => readable(lib, at, t.of[i] ?? null, v)) : untyped(value);
    case 'handle':
      return untyped(value);
    case 'future':
    case 'stream':
      return '<stream>';
    case 'ref': {
      if (!def) return untyped(value);
      if (def.kind === 'record' && value && typeof value === 'object') {
        const out: { [key: string]: Json } = {};
        const v = value as Record<string, unknown>;
        for (const f of def.fields) out[f.name] = readable(lib, at, f.type, v[camel(f.name)] ?? v[f.name]);
        return out;
      }
      if (def.kind === 'variant' && value && typeof value === 'object' && 'tag' in value) {
        const { tag, val } = value as { tag: string; val?: unknown };
        const c = def.cases.find((k) => k.name === tag || camel(k.name) === tag);
        return c?.type ? { [c.name]: readable(lib, at, c.type, val) } : (c?.name ?? tag);
      }
      if (def.kind === 'flags' && value && typeof value === 'object') {
        const v = value as Record<string, unknown>;
        return def.flags.filter((f) => v[camel(f)] === true || v[f] === true);
      }
      return untyped(value);
    }
  }
}

/** Arguments of FN as `{name: value}`. */
export function readableArgs(lib: WitLibrary, iface: WitInterface, fn: WitFunction, args: unknown[]): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  fn.params.forEach((p, i) => (out[p.name] = readable(lib, iface, p.type, args[i])));
  for (let i = fn.params.length; i < args.length; i++) out[`#${i}`] = untyped(args[i]);
  return out;
}

export class ArgumentError extends Error {
  override name = 'ArgumentError';
}

/**
 * JSON to the value a component takes for TYPE. Accepted spellings: numbers (or digit strings for
 * 64-bit), strings, `null` for option none, `{"ok": v}` / `{"err": e}` for results, a case name
 * or `{"case": payload}` for variants, arrays of names for flags, a string (UTF-8), an array of
 * numbers or `{"base64": "..."}` for list<u8>.
 */
export function fromJson(lib: WitLibrary, iface: WitInterface, type: WitType, json: Json, where: string): unknown {
  const { type: t, def, iface: at } = lib.expand(iface, type);
  const bad = (what: string): never => {
    throw new ArgumentError(`${where}: expected ${what}, got ${JSON.stringify(json)}`);
  };
  switch (t.kind) {
    case 'prim': {
      const n = t.name;
      if (n === 'bool') return typeof json === 'boolean' ? json : bad('true or false');
      if (n === 'string' || n === 'char') return typeof json === 'string' ? json : bad('a string');
      if (n === 'u64' || n === 's64') {
        if (typeof json === 'number' && Number.isInteger(json)) return BigInt(json);
        if (typeof json === 'string' && /^-?\d+$/.test(json)) return BigInt(json);
        return bad(`an integer (${n})`);
      }
      if (typeof json !== 'number') return bad(`a number (${n})`);
      if (n !== 'f32' && n !== 'f64' && !Number.isInteger(json)) return bad(`an integer (${n})`);
      return json;
    }
    case 'list':
      if (t.of.kind === 'prim' && t.of.name === 'u8') {
        if (typeof json === 'string') return new TextEncoder().encode(json);
        if (json && typeof json === 'object' && !Array.isArray(json) && typeof json.base64 === 'string')
          return new Uint8Array(Buffer.from(json.base64, 'base64'));
        if (Array.isArray(json) && json.every((b) => typeof b === 'number' && Number.isInteger(b) && b >= 0 && b < 256))
          return Uint8Array.from(json as number[]);
        return bad('a string, {"base64": ...} or an array of bytes');
      }
      return Array.isArray(json) ? json.map((v, i) => fromJson(lib, at, t.of, v, `${where}[${i}]`)) : bad('an array');
    case 'option': {
      if (json === null) return undefined;
      const nested = lib.expand(at, t.of).type.kind === 'option';
      if (nested) {
        if (json && typeof json === 'object' && !Array.isArray(json) && 'some' in json) return { tag: 'some', val: fromJson(lib, at, t.of, json.some!, where) };
        return bad('null or {"some": ...}');
      }
      return fromJson(lib, at, t.of, json, where);
    }
    case 'result': {
      if (!json || typeof json !== 'object' || Array.isArray(json)) return bad('{"ok": ...} or {"err": ...}');
      if ('ok' in json) return { tag: 'ok', val: t.ok ? fromJson(lib, at, t.ok, json.ok!, `${where}.ok`) : undefined };
      if ('err' in json) return { tag: 'err', val: t.err ? fromJson(lib, at, t.err, json.err!, `${where}.err`) : undefined };
      return bad('{"ok": ...} or {"err": ...}');
    }
    case 'tuple':
      if (!Array.isArray(json) || json.length !== t.of.length) return bad(`an array of ${t.of.length}`);
      return json.map((v, i) => fromJson(lib, at, t.of[i]!, v, `${where}[${i}]`));
    case 'handle':
    case 'future':
    case 'stream':
      throw new ArgumentError(`${where}: a ${t.kind === 'handle' ? `resource (${t.resource})` : t.kind} cannot be given on the command line`);
    case 'ref': {
      if (!def) throw new ArgumentError(`${where}: type ${t.name} is not known (give the component's WIT with --wit DIR)`);
      if (def.kind === 'record') {
        if (!json || typeof json !== 'object' || Array.isArray(json)) return bad(`a record {${def.fields.map((f) => f.name).join(', ')}}`);
        const out: Record<string, unknown> = {};
        for (const f of def.fields) {
          const v = json[f.name] ?? json[camel(f.name)];
          out[camel(f.name)] = fromJson(lib, at, f.type, v === undefined ? null : v, `${where}.${f.name}`);
        }
        const unknown = Object.keys(json).filter((k) => !def.fields.some((f) => f.name === k || camel(f.name) === k));
        if (unknown.length) throw new ArgumentError(`${where}: unknown field(s) ${unknown.join(', ')}`);
        return out;
      }
      if (def.kind === 'enum') return typeof json === 'string' && def.cases.includes(json) ? json : bad(`one of ${def.cases.join(', ')}`);
      if (def.kind === 'flags') {
        if (!Array.isArray(json)) return bad(`an array of flags (${def.flags.join(', ')})`);
        const out: Record<string, boolean> = {};
        for (const f of def.flags) out[camel(f)] = json.includes(f);
        const unknown = json.filter((f) => typeof f !== 'string' || !def.flags.includes(f));
        if (unknown.length) return bad(`flags among ${def.flags.join(', ')}`);
        return out;
      }
      if (def.kind === 'variant') {
        const names = def.cases.map((c) => c.name).join(', ');
        if (typeof json === 'string') {
          const c = def.cases.find((k) => k.name === json);
          if (!c || c.type) return bad(`a case without payload among ${names}, or {"case": payload}`);
          return { tag: c.name };
        }
        if (json && typeof json === 'object' && !Array.isArray(json) && Object.keys(json).length === 1) {
          const [tag, val] = Object.entries(json)[0]!;
          const c = def.cases.find((k) => k.name === tag);
          if (!c) return bad(`a case among ${names}`);
          return c.type ? { tag, val: fromJson(lib, at, c.type, val, `${where}.${tag}`) } : { tag };
        }
        return bad(`a case among ${names}`);
      }
      throw new ArgumentError(`${where}: a ${def.kind} cannot be given on the command line`);
    }
  }
}
