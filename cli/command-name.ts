/** Root options that take a value as the next word (so that value is not the command's name). */
const VALUE_OPTIONS = new Set([
  '--nats-url', '--lattice', '--nats-user', '--nats-password', '--nats-token', '--nats-nkey',
  '--nats-creds', '--tls-ca', '--tls-cert', '--tls-key', '--timeout', '-o', '--output',
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
