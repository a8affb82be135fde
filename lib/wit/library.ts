import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseWit, type TypeDef, type WitFunction, type WitInterface, type WitType } from './parse.js';

/** The WIT packages this repository ships (wasi:http, keyvalue, blobstore, logging, config, messaging...). */
export const BUNDLED_WIT = fileURLToPath(new URL('../../../components/wit', import.meta.url));

/** Interfaces by `ns:pkg/iface`; several versions of one interface keep the last read. */
export class WitLibrary {
  readonly interfaces = new Map<string, WitInterface>();

  /** Reads every `.wit` file under DIR (recursively: a project's wit/ with its deps/). */
  async addDir(dir: string): Promise<this> {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, e.name);
      if (e.isDirectory()) await this.addDir(path);
      else if (e.name.endsWith('.wit')) this.addText(await readFile(path, 'utf8'), path);
    }
    return this;
  }

  addText(text: string, file = 'wit'): this {
    parseWit(text, file, this.interfaces);
    return this;
  }

  /** The bundled packages, plus DIRS (a project's wit/), which win for interfaces they define. */
  static async load(dirs: readonly string[] = []): Promise<WitLibrary> {
    const lib = new WitLibrary();
    await lib.addDir(BUNDLED_WIT);
    for (const dir of dirs)
      if (
        await stat(dir).then(
          (s) => s.isDirectory(),
          () => false,
        )
      )
        await lib.addDir(dir);
    return lib;
  }

  /** `ns:pkg/iface[@version]` -> its interface, or undefined. */
  interfaceOf(name: string): WitInterface | undefined {
    return this.interfaces.get(name.replace(/@[^/]*$/, ''));
  }

  func(iface: string, fn: string): { iface: WitInterface; fn: WitFunction } | undefined {
    const i = this.interfaceOf(iface);
    const f = i?.functions.get(fn);
    return i && f ? { iface: i, fn: f } : undefined;
  }

  /** Follows `use` and aliases to the definition of NAME as seen from IFACE. */
  resolve(iface: WitInterface, name: string, depth = 0): { def: TypeDef; iface: WitInterface; name: string } | undefined {
    if (depth > 16) return undefined;
    const def = iface.types.get(name);
    if (def) {
      if (def.kind === 'alias' && def.type.kind === 'ref') return this.resolve(iface, def.type.name, depth + 1);
      return { def, iface, name };
    }
    const used = iface.uses.get(name);
    if (!used) return undefined;
    const from = this.interfaces.get(used[0]);
    return from ? this.resolve(from, used[1], depth + 1) : undefined;
  }

  /** TYPE with references to aliases of structural types replaced by what they stand for. */
  expand(iface: WitInterface, type: WitType): { type: WitType; def?: TypeDef; iface: WitInterface } {
    if (type.kind !== 'ref') return { type, iface };
    const found = this.resolve(iface, type.name);
    if (!found) return { type, iface };
    if (found.def.kind === 'alias') return this.expand(found.iface, found.def.type);
    return { type, def: found.def, iface: found.iface };
  }
}
