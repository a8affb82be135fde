#!/usr/bin/env node
// Only this module is imported statically: ESM parses a module's whole static import graph before
// running any of it, and the start-up tuning must be in effect before the heap fills.
import './memory-tuning.js';

/** The CLI entry point: the only place in the project that calls process.exit. */
async function main(argv: string[]): Promise<number> {
  const [{ Command, CommanderError, Option }, { registerCommands }, { CliError }, { LatticeError }, { LATTICE_VERSION }] = await Promise.all([
    import('commander'),
    import('./commands/index.js'),
    import('./context.js'),
    import('../protocol/errors.js'),
    import('../lib/version.js'),
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
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
    .showHelpAfterError()
    .exitOverride();
  await registerCommands(program, argv);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`error: ${message}\n`);
    return error instanceof CliError || error instanceof LatticeError ? 1 : 2;
  }
}

main(process.argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`fatal: ${String(error)}\n`);
    process.exit(2);
  },
);
