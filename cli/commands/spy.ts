import type { Command } from 'commander';
import { nuid } from 'nats';
import { resolve } from 'node:path';
import { decodeValue, encodeJson, spy, SpyRecord, type SpyInterest } from '../../protocol/mod.js';
import { WitLibrary } from '../../lib/wit/mod.js';
import { CliError, withLattice } from '../context.js';
import { decodeRecord, formatCall } from '../../lib/wit/calls.js';

/** How often the interest is renewed, and how long hosts keep it without renewal. */
const RENEW_MS = 2_000;
const TTL_MS = 6_000;

/** `COMPONENT` or `COMPONENT/NAMESPACE:PACKAGE[/LINK_NAME]`. */
export function parseSpyTarget(target: string): Pick<SpyInterest, 'component' | 'link'> {
  const m = /^([^/\s]+)(?:\/([A-Za-z][\w-]*(?::[A-Za-z][\w-]*)*):([A-Za-z][\w-]*)(?:\/([^/\s]+))?)?$/.exec(target);
  if (!m) throw new CliError(`"${target}" is not COMPONENT or COMPONENT/NAMESPACE:PACKAGE[/LINK_NAME] (e.g. kvcounter/wasi:keyvalue)`);
  return m[2] ? { component: m[1]!, link: { namespace: m[2], package: m[3]!, ...(m[4] ? { name: m[4] } : {}) } } : { component: m[1]! };
}

/** WIT directories: those given, else ./wit when the current directory is a component project. */
export async function witLibrary(dirs: string[] | undefined): Promise<WitLibrary> {
  return WitLibrary.load((dirs?.length ? dirs : ['wit']).map((d) => resolve(d)));
}

export function register(program: Command): void {
  program
    .command('spy')
    .description('stream live calls from and to a component (or through one of its links), decoded against their WIT types; read-only')
    .argument('<component-or-link>', 'COMPONENT, or COMPONENT/NAMESPACE:PACKAGE[/LINK_NAME] for the calls through one link')
    .option(
      '--wit <dir>',
      'WIT of custom interfaces (repeatable; default ./wit when present; wasi and wasmcloud packages are built in)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('-n, --count <n>', 'stop after N calls')
    .action(async (target: string, flags: { wit?: string[]; count?: string }, command: Command) => {
      const watch = parseSpyTarget(target);
      const count = flags.count === undefined ? Infinity : Number(flags.count);
      if (!(count > 0)) throw new CliError('--count must be a positive number');
      const lib = await witLibrary(flags.wit);
      await withLattice(command, async ({ nc, lattice, opts }) => {
        const session = nuid.next();
        const sub = nc.subscribe(spy.records(lattice, session));
        const announce = (ttl: number) => nc.publish(spy.interest(lattice), encodeJson({ session, ...watch, ttl_ms: ttl } satisfies SpyInterest));
        announce(TTL_MS);
        const renew = setInterval(() => announce(TTL_MS), RENEW_MS);
        const stop = () => sub.unsubscribe();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        if (opts.output !== 'json') {
          process.stderr.write(`spying on ${target} in lattice "${lattice}" (Ctrl-C stops)\n`);
        }
        let seen = 0;
        try {
          for await (const msg of sub) {
            let record;
            try {
              record = SpyRecord.safeParse(decodeValue(msg.data));
            } catch {
              continue;
            }
            if (!record.success) continue;
            const call = decodeRecord(lib, record.data);
            process.stdout.write(opts.output === 'json' ? `${JSON.stringify(call)}\n` : `${formatCall(call)}\n`);
            if (++seen >= count) break;
          }
        } finally {
          clearInterval(renew);
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          announce(0);
          await nc.flush().catch(() => undefined);
        }
      });
    });
}
