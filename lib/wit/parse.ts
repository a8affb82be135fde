/**
 * A WIT reader for what `lattice spy` and `lattice call` need: the interfaces of packages (their
 * functions, with parameter names and types, and the types they define or `use`). Worlds,
 * feature gates and docs are read past. The grammar is the component model's WIT
 * (WebAssembly/component-model, WIT.md), including nested `package a:b { ... }` blocks.
 */

export type WitType =
  | { kind: 'prim'; name: string }
  | { kind: 'list'; of: WitType }
  | { kind: 'option'; of: WitType }
  | { kind: 'result'; ok: WitType | null; err: WitType | null }
  | { kind: 'tuple'; of: WitType[] }
  | { kind: 'handle'; own: boolean; resource: string }
  | { kind: 'ref'; name: string }
  | { kind: 'future' | 'stream'; of: WitType | null };

export type TypeDef =
  | { kind: 'record'; fields: Array<{ name: string; type: WitType }> }
  | { kind: 'variant'; cases: Array<{ name: string; type: WitType | null }> }
  | { kind: 'enum'; cases: string[] }
  | { kind: 'flags'; flags: string[] }
  | { kind: 'resource' }
  | { kind: 'alias'; type: WitType };

export interface WitFunction {
  /** As jco and the wire name it: `get`, `[method]bucket.get`, `[static]r.make`, `[constructor]r`. */
  name: string;
  params: Array<{ name: string; type: WitType }>;
  result: WitType | null;
}

export interface WitInterface {
  /** `ns:pkg/iface` (no version). */
  key: string;
  version: string | null;
  types: Map<string, TypeDef>;
  /** Names brought in with `use`: local name -> [interface key, name there]. */
  uses: Map<string, [string, string]>;
  functions: Map<string, WitFunction>;
}

export class WitParseError extends Error {
  override name = 'WitParseError';
}

const PRIMS = new Set(['bool', 's8', 's16', 's32', 's64', 'u8', 'u16', 'u32', 'u64', 'f32', 'f64', 'float32', 'float64', 'char', 'string', 'error-context']);

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re =
    /\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/|->|[{}()<>,;:=.*@/_]|%?[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?|./gy;
  for (let m = re.exec(text); m && m.index < text.length; m = re.exec(text)) {
    const t = m[0];
    if (/^\s/.test(t) || t.startsWith('//') || t.startsWith('/*')) continue;
    tokens.push(t.startsWith('%') ? t.slice(1) : t);
  }
  return tokens;
}

class Parser {
  private i = 0;
  constructor(
    private readonly t: string[],
    private readonly file: string,
  ) {}

  get done(): boolean {
    return this.i >= this.t.length;
  }
  peek(k = 0): string | undefined {
    return this.t[this.i + k];
  }
  next(): string {
    const tok = this.t[this.i++];
    if (tok === undefined) throw new WitParseError(`${this.file}: unexpected end of input`);
    return tok;
  }
  eat(tok: string): boolean {
    if (this.t[this.i] === tok) {
      this.i++;
      return true;
    }
    return false;
  }
  expect(tok: string): void {
    const got = this.next();
    if (got !== tok) throw new WitParseError(`${this.file}: expected "${tok}", found "${got}"`);
  }
  /** Skips a balanced {...} block (worlds). */
  skipBlock(): void {
    this.expect('{');
    for (let depth = 1; depth > 0; ) {
      const tok = this.next();
      if (tok === '{') depth++;
      else if (tok === '}') depth--;
    }
  }
  /** `@since(version = 1.2.3)`, `@unstable(feature = x)`, `@deprecated(...)`. */
  skipGates(): void {
    while (this.peek() === '@' && /^[a-z]/.test(this.peek(1) ?? '')) {
      this.i += 2;
      if (this.eat('(')) while (this.next() !== ')');
    }
  }
  /** `ns:pkg` with an optional `@version`. */
  packageName(): { ns: string; pkg: string; version: string | null } {
    let ns = this.next();
    this.expect(':');
    let pkg = this.next();
    // Nested namespaces (`a:b:c`) are rare; fold them into the namespace.
    while (this.eat(':')) {
      ns = `${ns}:${pkg}`;
      pkg = this.next();
    }
    const version = this.eat('@') ? this.next() : null;
    return { ns, pkg, version };
  }
}

/** Parses one WIT source. Interfaces land in `into`, keyed `ns:pkg/iface`. */
export function parseWit(text: string, file = 'wit', into = new Map<string, WitInterface>()): Map<string, WitInterface> {
  const p = new Parser(tokenize(text), file);
  let current: { ns: string; pkg: string; version: string | null } | null = null;
  const body = (pkg: { ns: string; pkg: string; version: string | null }, until: string | null) => {
    while (!p.done && p.peek() !== until) {
      p.skipGates();
      const tok = p.next();
      if (tok === 'interface') {
        const name = p.next();
        const iface = readInterface(p, `${pkg.ns}:${pkg.pkg}`, name, pkg.version);
        into.set(iface.key, iface);
      } else if (tok === 'world') {
        p.next();
        p.skipBlock();
      } else if (tok === 'use') {
        while (p.next() !== ';');
      } else if (tok === 'package') {
        const inner = p.packageName();
        p.expect('{');
        body(inner, '}');
        p.expect('}');
      } else if (tok === ';') {
      } else {
        throw new WitParseError(`${file}: unexpected "${tok}" at the top level`);
      }
    }
  };
  p.skipGates();
  if (p.eat('package')) {
    current = p.packageName();
    if (p.eat('{')) {
      body(current, '}');
      p.expect('}');
      body(current, null);
      return into;
    }
    p.expect(';');
  }
  body(current ?? { ns: 'root', pkg: 'component', version: null }, null);
  return into;
}

function readInterface(p: Parser, pkgKey: string, name: string, version: string | null): WitInterface {
  const iface: WitInterface = { key: `${pkgKey}/${name}`, version, types: new Map(), uses: new Map(), functions: new Map() };
  p.expect('{');
  while (!p.eat('}')) {
    p.skipGates();
    const tok = p.next();
    switch (tok) {
      case 'use': {
        // use iface.{a, b as c};  use ns:pkg/iface@v.{a};
        let path = p.next();
        if (p.peek() === ':') {
          p.next();
          path = `${path}:${p.next()}`;
          p.expect('/');
          path = `${path}/${p.next()}`;
          if (p.eat('@')) p.next();
        } else {
          path = `${pkgKey}/${path}`;
        }
        p.expect('.');
        p.expect('{');
        while (!p.eat('}')) {
          const from = p.next();
          const local = p.eat('as') ? p.next() : from;
          iface.uses.set(local, [path, from]);
          p.eat(',');
        }
        p.expect(';');
        break;
      }
      case 'type': {
        const n = p.next();
        p.expect('=');
        iface.types.set(n, { kind: 'alias', type: readType(p) });
        p.expect(';');
        break;
      }
      case 'record': {
        const n = p.next();
        const fields: Array<{ name: string; type: WitType }> = [];
        p.expect('{');
        while (!p.eat('}')) {
          p.skipGates();
          const f = p.next();
          p.expect(':');
          fields.push({ name: f, type: readType(p) });
          p.eat(',');
        }
        iface.types.set(n, { kind: 'record', fields });
        break;
      }
      case 'variant': {
        const n = p.next();
        const cases: Array<{ name: string; type: WitType | null }> = [];
        p.expect('{');
        while (!p.eat('}')) {
          p.skipGates();
          const c = p.next();
          let type: WitType | null = null;
          if (p.eat('(')) {
            type = readType(p);
            p.expect(')');
          }
          cases.push({ name: c, type });
          p.eat(',');
        }
        iface.types.set(n, { kind: 'variant', cases });
        break;
      }
      case 'enum':
      case 'flags': {
        const n = p.next();
        const names: string[] = [];
        p.expect('{');
        while (!p.eat('}')) {
          p.skipGates();
          names.push(p.next());
          p.eat(',');
        }
        iface.types.set(n, tok === 'enum' ? { kind: 'enum', cases: names } : { kind: 'flags', flags: names });
        break;
      }
      case 'resource': {
        const n = p.next();
        iface.types.set(n, { kind: 'resource' });
        if (p.eat(';')) break;
        p.expect('{');
        while (!p.eat('}')) {
          p.skipGates();
          const member = p.next();
          if (member === 'constructor') {
            const params = readParams(p);
            p.expect(';');
            iface.functions.set(`[constructor]${n}`, { name: `[constructor]${n}`, params, result: { kind: 'handle', own: true, resource: n } });
            continue;
          }
          p.expect(':');
          const isStatic = p.eat('static');
          p.expect('func');
          const params = readParams(p);
          const result = p.eat('->') ? readType(p) : null;
          p.expect(';');
          const fname = isStatic ? `[static]${n}.${member}` : `[method]${n}.${member}`;
          iface.functions.set(fname, {
            name: fname,
            params: isStatic ? params : [{ name: 'self', type: { kind: 'handle', own: false, resource: n } }, ...params],
            result,
          });
        }
        break;
      }
      default: {
        // name: func(...) -> T;
        p.expect(':');
        p.eat('async');
        p.expect('func');
        const params = readParams(p);
        const result = p.eat('->') ? readType(p) : null;
        p.expect(';');
        iface.functions.set(tok, { name: tok, params, result });
      }
    }
  }
  return iface;
}

function readParams(p: Parser): Array<{ name: string; type: WitType }> {
  const params: Array<{ name: string; type: WitType }> = [];
  p.expect('(');
  while (!p.eat(')')) {
    const name = p.next();
    p.expect(':');
    params.push({ name, type: readType(p) });
    p.eat(',');
  }
  return params;
}

function readType(p: Parser): WitType {
  const tok = p.next();
  if (PRIMS.has(tok)) return { kind: 'prim', name: tok === 'float32' ? 'f32' : tok === 'float64' ? 'f64' : tok };
  switch (tok) {
    case 'list': {
      p.expect('<');
      const of = readType(p);
      if (p.eat(',')) p.next(); // fixed-length lists: list<T, N>
      p.expect('>');
      return { kind: 'list', of };
    }
    case 'option': {
      p.expect('<');
      const of = readType(p);
      p.expect('>');
      return { kind: 'option', of };
    }
    case 'result': {
      if (!p.eat('<')) return { kind: 'result', ok: null, err: null };
      const ok = p.eat('_') ? null : readType(p);
      const err = p.eat(',') ? readType(p) : null;
      p.expect('>');
      return { kind: 'result', ok, err };
    }
    case 'tuple': {
      const of: WitType[] = [];
      p.expect('<');
      while (!p.eat('>')) {
        of.push(readType(p));
        p.eat(',');
      }
      return { kind: 'tuple', of };
    }
    case 'borrow':
    case 'own': {
      p.expect('<');
      const resource = p.next();
      p.expect('>');
      return { kind: 'handle', own: tok === 'own', resource };
    }
    case 'future':
    case 'stream': {
      if (!p.eat('<')) return { kind: tok, of: null };
      const of = readType(p);
      p.expect('>');
      return { kind: tok, of };
    }
    default:
      return { kind: 'ref', name: tok };
  }
}
