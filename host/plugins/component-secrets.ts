import { WitError, type ConfigValues } from '../../protocol/mod.js';
import { resolveSecrets, shownName } from '../../providers/sdk/secrets.js';

/** What the secrets store gives the host: a synchronous reader over its live view. */
export interface SecretReader {
  reveal(name: string): string | null;
}

/** Handles a component may hold at once; an instance discarded without dropping them leaks none past this. */
const MAX_HANDLES = 256;

/**
 * `wasmcloud:secrets` for components, served by the host: a component reads only the secrets it
 * was granted at scale time, by the name the grant gives (a stored secret's own name, or a
 * reference's `name`), and always the current value. `get` hands out an opaque handle; the value
 * crosses into the guest only at `reveal`.
 */
export class ComponentSecrets {
  private readonly grants = new Map<string, readonly string[]>();
  private readonly handles = new Map<string, Map<number, string>>();
  private nextHandle = 1;
  private reader: SecretReader | null = null;

  constructor(
    private readonly openReader: () => Promise<SecretReader>,
    private readonly configs: (name: string) => ConfigValues | null,
  ) {}

  /**
   * Records the grants of a component, checking that every one resolves now: a scale whose
   * secrets are missing or cannot be opened fails with the reasons, not at first use.
   */
  async grant(componentId: string, names: readonly string[]): Promise<string[]> {
    if (names.length === 0) {
      this.grants.delete(componentId);
      this.handles.delete(componentId);
      return [];
    }
    // Asked each time (the view is shared): a host without a key looks for one again.
    this.reader = await this.openReader();
    const reader = this.reader;
    const { problems } = resolveSecrets(names, (n) => reader.reveal(n), this.configs);
    if (problems.length === 0) this.grants.set(componentId, names);
    return problems;
  }

  call(componentId: string, fn: string, args: unknown[]): unknown {
    if (fn === 'get') return this.get(componentId, String(args[0]));
    if (fn === 'reveal') return { tag: 'string', val: this.value(componentId, args[0]) };
    if (fn === '[resource-drop]secret') {
      this.handles.get(componentId)?.delete(handleId(args[0]));
      return undefined;
    }
    throw new WitError({ tag: 'upstream', val: `wasmcloud:secrets#${fn} is not supported` });
  }

  private get(componentId: string, key: string): unknown {
    const names = this.grants.get(componentId);
    if (!names || !this.reader) throw new WitError({ tag: 'not-found' });
    const reader = this.reader;
    // Only the grant shown under `key` is opened (a reference shows its `name`, a stored secret its own).
    const grant = names.find((n) => shownName(n, this.configs) === key);
    if (grant === undefined) throw new WitError({ tag: 'not-found' });
    const { values, problems } = resolveSecrets([grant], (n) => reader.reveal(n), this.configs);
    const value = values[key];
    if (value === undefined) {
      // A granted secret that stopped resolving (deleted, key rotated away) is the source's failure.
      if (problems.length > 0) throw new WitError({ tag: 'upstream', val: problems.join('; ') });
      throw new WitError({ tag: 'not-found' });
    }
    let table = this.handles.get(componentId);
    if (!table) this.handles.set(componentId, (table = new Map()));
    if (table.size >= MAX_HANDLES) table.delete(table.keys().next().value!);
    const id = this.nextHandle++;
    table.set(id, value);
    return { $resource: 'secret', id };
  }

  private value(componentId: string, ref: unknown): string {
    const value = this.handles.get(componentId)?.get(handleId(ref));
    if (value === undefined) throw new Error('wasmcloud:secrets/reveal: unknown or dropped secret handle');
    return value;
  }
}

function handleId(ref: unknown): number {
  if (typeof ref === 'number') return ref;
  if (typeof ref === 'object' && ref !== null && 'id' in ref) return Number((ref as { id: unknown }).id);
  return Number.NaN;
}
