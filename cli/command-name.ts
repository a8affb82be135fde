import type { Command } from 'commander';

/**
 * Root options that take a value as the next word (so that value is not the command's name); the
 * same list as main.ts declares (cli/command-name.test.ts compares them).
 */
export const VALUE_OPTIONS: ReadonlySet<string> = new Set([
  '--nats-url',
  '--lattice',
  '--nats-user',
  '--nats-password',
  '--nats-token',
  '--nats-nkey',
  '--nats-creds',
  '--tls-ca',
  '--tls-cert',
  '--tls-key',
  '--timeout',
  '--context',
  '-o',
  '--output',
]);

/**
 * The command word in `argv` (node, script, root options..., command, ...), if any. Read before
 * commander parses, to load and tune only what that command needs; commander stays the judge of
 * what the words mean.
 */
export function commandName(argv: readonly string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') return argv[i + 1];
    if (!word.startsWith('-')) return word;
    if (VALUE_OPTIONS.has(word)) i++;
  }
  return undefined;
}

/**
 * `lattice link put` for `lattice --nats-url X link put a b ...`: the deepest command the words
 * name, for "see `... --help`" in error lines.
 */
export function helpCommandFor(program: Command, argv: readonly string[]): string {
  return commandFor(program, argv).path;
}

/** The deepest command the words of `argv` name, and its path (`lattice link put`). */
export function commandFor(program: Command, argv: readonly string[]): { path: string; command: Command } {
  const path = [program.name()];
  let current = program;
  for (let i = 2; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') break;
    if (word.startsWith('-')) {
      if (VALUE_OPTIONS.has(word)) i++;
      continue;
    }
    const sub = current.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!sub) break;
    path.push(sub.name());
    current = sub;
  }
  return { path: path.join(' '), command: current };
}
