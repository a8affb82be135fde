import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_MAIN } from '../kit/hosts.js';

/**
 * A lattice home of this test process: the developer's contexts, registry logins and keys in
 * ~/.lattice never change what a test's CLI run does. A test passes LATTICE_DATA_DIR to use its own.
 */
const testHome = mkdtempSync(join(tmpdir(), 'lattice-cli-home-'));
process.once('exit', () => rmSync(testHome, { recursive: true, force: true }));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `lattice ARGS...` as a user would (a child process) and collects its output; `stdin` is piped in. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000, stdin?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NODE_TEST_CONTEXT: undefined, LATTICE_LOG: 'warn', LATTICE_DATA_DIR: testHome, LATTICE_CONTEXT: undefined, ...env },
    });
    // No input given: standard input is empty (closed), as under `< /dev/null`.
    child.stdin.end(stdin ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`lattice ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
