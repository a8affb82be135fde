import { readFile } from 'node:fs/promises';
import { CliError } from './errors.js';

/**
 * Reads a file named on the command line; a failure is one line saying why in words
 * (`cannot read x.wasm: no such file`), whichever command reads it. `directoryHint` says what to
 * give instead of a directory (`give the .wasm file`).
 */
export async function readInputFile(file: string, directoryHint?: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (cause) {
    throw new CliError(`cannot read ${file}: ${unreadableReason(cause, directoryHint)}`, { cause });
  }
}

export function unreadableReason(cause: unknown, directoryHint?: string): string {
  switch ((cause as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return `it is a directory${directoryHint ? ` (${directoryHint})` : ''}`;
    case 'EACCES':
      return 'permission denied';
    default:
      return (cause as Error).message;
  }
}

/** Standard input as text without its final newline (`--stdin`, `--password-stdin`: a piped value). */
export async function readStdinValue(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) parts.push(chunk);
  return Buffer.concat(parts)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}
