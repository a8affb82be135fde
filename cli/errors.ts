/**
 * How the CLI reports a failure: one line on stderr that says what went wrong and what to do
 * about it, whatever failed underneath (commander, zod, NATS, the file system, a host's answer);
 * `--verbose` adds the detail after that line. Exit code 2 means the command line itself is wrong
 * (a usage error: unknown command or option, a missing or malformed argument), 1 that a
 * well-formed command failed.
 */
import { CommanderError } from 'commander';
import { ZodError, type core } from 'zod';
import { ControlError, NoRespondersError, TimeoutError } from '../protocol/errors.js';

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A failure the CLI reports as one line (exit 1); `detail` is shown with --verbose. */
export class CliError extends Error {
  readonly exitCode: number = EXIT_FAILURE;
  readonly detail: string[];
  constructor(message: string, options?: { cause?: unknown; detail?: string[] }) {
    super(message, options);
    this.name = new.target.name;
    this.detail = options?.detail ?? [];
  }
}

/** The command line is wrong (exit 2): the message says which argument and how to fix it. */
export class UsageError extends CliError {
  override readonly exitCode = EXIT_USAGE;
}

/** What main.ts prints and returns. */
export interface Failure {
  line: string;
  detail: string[];
  exitCode: number;
}

/** `interfaces[0]`, `spec.components[1].name`: a zod path as a user reads it. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/**
 * One zod issue as text: `interfaces[0]: "Store" must be a lower-case WIT identifier ...`. The
 * offending value is quoted when the issue carries it (parse with `reportInput: true`).
 */
export function formatIssue(issue: core.$ZodIssue): string {
  const where = formatPath(issue.path);
  const value = 'input' in issue && issue.input !== undefined && typeof issue.input !== 'object' ? `${JSON.stringify(issue.input)} ` : '';
  return `${where ? `${where}: ` : ''}${value}${issue.message}`;
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? text.trim()
  );
}

/** Every cause below `error`, one line each, for --verbose. */
function causeChain(error: unknown): string[] {
  const lines: string[] = [];
  let cause = (error as { cause?: unknown } | null)?.cause;
  for (let depth = 0; cause !== undefined && cause !== null && depth < 8; depth++) {
    lines.push(`caused by: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`);
    cause = (cause as { cause?: unknown }).cause;
  }
  return lines;
}

function commanderFailure(error: CommanderError, helpCommand: string, subcommands: readonly string[]): Failure {
  // --help and --version printed what was asked (on stdout).
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return { line: '', detail: [], exitCode: 0 };
  if (error.code === 'commander.help') {
    // `lattice app` without a subcommand: commander's help went to the buffer (shown with --verbose).
    const choices = subcommands.length ? ` (${subcommands.join(', ')})` : '';
    return { line: `\`${helpCommand}\` needs a command${choices}; see \`${helpCommand} --help\``, detail: [], exitCode: EXIT_USAGE };
  }
  const message = error.message
    .replace(/^error:\s*/, '')
    .split('\n')[0]!
    .replace(/\.$/, '');
  return { line: `${message}; see \`${helpCommand} --help\``, detail: [], exitCode: EXIT_USAGE };
}

/**
 * The line, the detail and the exit code for anything a command threw. `helpCommand` is the
 * command the user ran (`lattice link put`), for "see ... --help".
 */
export function describeFailure(error: unknown, helpCommand = 'lattice', subcommands: readonly string[] = []): Failure {
  if (error instanceof CommanderError) return commanderFailure(error, helpCommand, subcommands);
  const stack = error instanceof Error && error.stack ? [error.stack] : [];
  if (error instanceof CliError) {
    const rest = error.message
      .split('\n')
      .slice(1)
      .filter((l) => l.trim() !== '');
    return { line: firstLine(error.message), detail: [...rest, ...error.detail, ...stack, ...causeChain(error)], exitCode: error.exitCode };
  }
  if (error instanceof ZodError) {
    // A request built from the arguments did not pass its schema: the arguments are wrong.
    const [first, ...rest] = error.issues;
    const more = rest.length ? ` (and ${rest.length} more problem${rest.length === 1 ? '' : 's'}; --verbose lists them)` : '';
    return {
      line: `${first ? formatIssue(first) : 'invalid arguments'}${more}; see \`${helpCommand} --help\``,
      detail: error.issues.map(formatIssue),
      exitCode: EXIT_USAGE,
    };
  }
  if (error instanceof NoRespondersError && error.subject.startsWith('wadm.')) {
    return {
      line: `no wadm answers in this lattice (${error.subject}): start one with \`lattice up\`, \`lattice host --wadm\` or \`lattice wadm\``,
      detail: [...stack, ...causeChain(error)],
      exitCode: EXIT_FAILURE,
    };
  }
  if (error instanceof NoRespondersError) {
    return { line: `${error.message} (\`lattice get hosts\` lists the hosts that answer)`, detail: [...stack, ...causeChain(error)], exitCode: EXIT_FAILURE };
  }
  if (error instanceof TimeoutError) {
    return {
      line: `${error.message}: is the host or wadm busy or gone? (\`lattice get hosts\`; --timeout MS waits longer)`,
      detail: [...stack],
      exitCode: EXIT_FAILURE,
    };
  }
  if (error instanceof TypeError && /is not a valid NATS subject token/.test(error.message)) {
    // A name from the command line that cannot be part of a subject (protocol/subjects.ts).
    return { line: `${error.message}: leave out spaces, ".", "*" and ">"`, detail: stack, exitCode: EXIT_USAGE };
  }
  if (error instanceof ControlError) return { line: firstLine(error.message), detail: [...stack], exitCode: EXIT_FAILURE };
  const errno = error as NodeJS.ErrnoException;
  if (errno?.code === 'ENOENT' && errno.path) return { line: `no such file or directory: ${errno.path}`, detail: stack, exitCode: EXIT_FAILURE };
  if (errno?.code === 'EACCES' && errno.path)
    return { line: `permission denied: ${errno.path} (run as a user who may write it, or choose another path)`, detail: stack, exitCode: EXIT_FAILURE };
  const message = error instanceof Error ? error.message : String(error);
  return {
    line: firstLine(message) || (error instanceof Error ? error.name : 'unknown error'),
    detail: [...message.split('\n').slice(1), ...stack, ...causeChain(error)],
    exitCode: EXIT_FAILURE,
  };
}
