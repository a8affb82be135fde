import type { Command } from 'commander';
import { fromOutcome, invoke, WitError } from '../../protocol/mod.js';
import { ArgumentError, fromJson, readable, untyped, type Json } from '../../lib/wit/mod.js';
import { CliError, timeoutMs, withLattice } from '../context.js';
import { witLibrary } from './spy.js';

/** `ns:pkg/iface[@version].func` -> interface and function. */
export function parseCallTarget(spec: string): { iface: string; fn: string } {
  const m =
    /^([A-Za-z][\w-]*(?::[A-Za-z][\w-]*)*:[A-Za-z][\w-]*\/[A-Za-z][\w-]*(?:@[0-9A-Za-z.+-]*?)?)\.((?:\[(?:method|static)\])?[A-Za-z][\w-]*(?:\.[A-Za-z][\w-]*)?)$/.exec(
      spec,
    );
  if (!m) throw new CliError(`"${spec}" is not NAMESPACE:PACKAGE/INTERFACE.FUNCTION (e.g. lattice:pipeline/transform.apply)`);
  return { iface: m[1]!, fn: m[2]! };
}

/** A command-line argument: JSON when it parses as JSON, otherwise the text as a string. */
function jsonArg(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}

export function register(program: Command): void {
  program
    .command('call')
    .description("invoke a component's exported function with WIT-typed arguments given as JSON (a bare word is a string)")
    .argument('<component>', 'component id')
    .argument('<function>', 'NAMESPACE:PACKAGE/INTERFACE.FUNCTION, e.g. lattice:pipeline/transform.apply')
    .argument('[args...]', 'one JSON value per WIT parameter: "text", 42, null (none), {"ok": 1}, {"case": payload}, ["flag"]')
    .option(
      '--wit <dir>',
      'WIT of the interface (repeatable; default ./wit when present; wasi and wasmcloud packages are built in)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .action(async (component: string, spec: string, rawArgs: string[], flags: { wit?: string[] }, command: Command) => {
      const { iface, fn } = parseCallTarget(spec);
      const lib = await witLibrary(flags.wit);
      const found = lib.func(iface, fn);
      const json = rawArgs.map(jsonArg);
      let args: unknown[];
      let versioned = iface;
      if (found) {
        if (json.length !== found.fn.params.length) {
          throw new CliError(
            `${iface}.${fn} takes ${found.fn.params.length} argument(s) (${found.fn.params.map((p) => p.name).join(', ')}), got ${json.length}`,
          );
        }
        try {
          args = found.fn.params.map((p, i) => fromJson(lib, found.iface, p.type, json[i]!, p.name));
        } catch (error) {
          if (error instanceof ArgumentError) throw new CliError(error.message);
          throw error;
        }
        if (!iface.includes('@') && found.iface.version) versioned = `${iface}@${found.iface.version}`;
      } else {
        process.stderr.write(`note: no WIT for ${iface}.${fn} (give it with --wit DIR); arguments are passed as plain JSON values\n`);
        args = json;
      }
      await withLattice(command, async ({ nc, lattice, opts }) => {
        let outcome: Json;
        let failed = false;
        try {
          const value = fromOutcome(
            await invoke(nc, lattice, {
              target: component,
              interface: versioned,
              function: fn,
              args,
              source: 'lattice-cli',
              deadlineMs: timeoutMs(opts) ?? 10_000,
            }),
          );
          const type = found?.fn.result ?? null;
          outcome =
            found && type
              ? type.kind === 'result'
                ? { ok: readable(lib, found.iface, type.ok, value) }
                : readable(lib, found.iface, type, value)
              : untyped(value);
        } catch (error) {
          if (!(error instanceof WitError)) throw new CliError(`call failed: ${(error as Error).message}`, { cause: error });
          const type = found?.fn.result;
          outcome = { err: found && type?.kind === 'result' ? readable(lib, found.iface, type.err, error.payload) : untyped(error.payload) };
          failed = true;
        }
        process.stdout.write(opts.output === 'json' ? `${JSON.stringify(outcome, null, 2)}\n` : `${JSON.stringify(outcome)}\n`);
        if (failed) throw new CliError(`${spec} answered an error`);
      });
    });
}
