/**
 * `wasi:http/types` fields (header lists, lower-cased names, immutable once attached to a request
 * or response) and methods, shared by both directions of `wasi:http`.
 */
import type { HttpRequest } from '../../worker-messages.js';

export type Method = { tag: string; val?: string };
const METHODS = ['get', 'head', 'post', 'put', 'delete', 'connect', 'options', 'trace', 'patch'];
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function toMethod(name: string): Method {
  const lower = name.toLowerCase();
  return METHODS.includes(lower) ? { tag: lower } : { tag: 'other', val: name };
}
export function fromMethod(m: Method): string {
  return m.tag === 'other' ? (m.val ?? 'GET') : m.tag.toUpperCase();
}

const VALID_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export class Fields {
  private list: Array<[string, Uint8Array]> = [];
  immutable = false;

  static fromList(entries: Array<[string, Uint8Array]>): Fields {
    const f = new Fields();
    for (const [name, value] of entries) {
      if (!VALID_NAME.test(name)) throw { tag: 'invalid-syntax' };
      f.list.push([name.toLowerCase(), value]);
    }
    return f;
  }
  private checkMutable(name: string): void {
    if (this.immutable) throw { tag: 'immutable' };
    if (!VALID_NAME.test(name)) throw { tag: 'invalid-syntax' };
  }
  get(name: string): Uint8Array[] {
    const n = name.toLowerCase();
    return this.list.filter(([k]) => k === n).map(([, v]) => v);
  }
  has(name: string): boolean {
    const n = name.toLowerCase();
    return this.list.some(([k]) => k === n);
  }
  set(name: string, values: Uint8Array[]): void {
    this.checkMutable(name);
    const n = name.toLowerCase();
    this.list = this.list.filter(([k]) => k !== n).concat(values.map((v) => [n, v] as [string, Uint8Array]));
  }
  delete(name: string): void {
    this.checkMutable(name);
    const n = name.toLowerCase();
    this.list = this.list.filter(([k]) => k !== n);
  }
  append(name: string, value: Uint8Array): void {
    this.checkMutable(name);
    this.list.push([name.toLowerCase(), value]);
  }
  entries(): Array<[string, Uint8Array]> {
    return this.list.map(([k, v]) => [k, v]);
  }
  clone(): Fields {
    const f = new Fields();
    f.list = this.entries();
    return f;
  }
  /** For the host: header pairs with string values. */
  toPairs(): Array<[string, string]> {
    return this.list.map(([k, v]) => [k, decoder.decode(v)]);
  }
  static fromPairs(pairs: HttpRequest['headers']): Fields {
    const entries = Array.isArray(pairs) ? pairs : Object.entries(pairs ?? {});
    const f = new Fields();
    for (const [k, v] of entries) f.list.push([k.toLowerCase(), encoder.encode(v)]);
    return f;
  }
}
