#!/usr/bin/env node
// Only this module is imported statically: ESM parses a module's whole static import graph before
// running any of it, and the start-up tuning must be in effect before the heap fills.
import './memory-tuning.js';

/** The CLI entry point: the only place in the project that calls process.exit. */
async function main(argv: string[]): Promise<number> {
  const [{ Command, Option }, { registerCommands }, { describeFailure }, { OUTPUT_FORMATS }, { LATTICE_VERSION }, { commandFor: helpCommandFor }] =
    await Promise.all([
      import('commander'),
      import('./commands/index.js'),
      import('./errors.js'),
      import('./output.js'),
      import('../lib/version.js'),
      import('./command-name.js'),
    ]);
  const program = new Command('lattice')
    .description('Run and manage a lattice of WebAssembly hosts over NATS')
    .version(LATTICE_VERSION)
    .option('--nats-url <url>', 'NATS server URL (env NATS_URL, default nats://127.0.0.1:4222)')
    .option('--lattice <name>', 'lattice name (env LATTICE, default "default")')
    .option('--nats-user <user>', 'NATS user (env NATS_USER)')
    .option('--nats-password <password>', 'NATS password (env NATS_PASSWORD)')
    .option('--nats-token <token>', 'NATS token (env NATS_TOKEN)')
    .option('--nats-nkey <seed-or-file>', 'NATS nkey seed or file holding it (env NATS_NKEY)')
    .option('--nats-creds <file>', 'NATS credentials file (env NATS_CREDS)')
    .option('--tls-ca <file>', 'CA certificate for TLS (env NATS_TLS_CA)')
    .option('--tls-cert <file>', 'client certificate for TLS (env NATS_TLS_CERT)')
    .option('--tls-key <file>', 'client key for TLS (env NATS_TLS_KEY)')
    .option('--timeout <ms>', 'request timeout in milliseconds')
    .option('--context <name>', 'CLI context to use (env LATTICE_CONTEXT; default: the current one, see lattice ctx)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('table'))
    .option('--verbose', 'on error, print the detail (stack, causes, every problem) after the one-line reason')
    // Errors are printed by this function as one line (below), not by commander with the help;
    // the help commander shows for a command given without its subcommand only with --verbose.
    .configureOutput({ outputError: () => undefined, writeErr: (text) => void (helpShown += text) })
    .exitOverride();
  let helpShown = '';
  await registerCommands(program, argv);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    const target = helpCommandFor(program, argv);
    const subcommands = target.command.commands.map((c) => c.name()).filter((n) => n !== 'help');
    const failure = describeFailure(error, target.path, subcommands);
    if (failure.line) process.stderr.write(`error: ${failure.line}\n`);
    if (argv.includes('--verbose')) for (const line of [...failure.detail, ...(helpShown ? [helpShown.trimEnd()] : [])]) process.stderr.write(`${line}\n`);
    return failure.exitCode;
  }
}

main(process.argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`fatal: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`);
    if (process.argv.includes('--verbose') && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  },
);
