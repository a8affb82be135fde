/**
 * `wasi:cli`, `wasi:clocks`, `wasi:random` for one instance. Environment and arguments are only
 * what config granted; stdin is empty; stdout/stderr go to the host log tagged with the
 * component; `exit` ends the invocation (never the worker or the host).
 */
import { randomBytes } from 'node:crypto';
import { InputStream, OutputStream, Pollable } from './io.js';

/** Thrown by `wasi:cli/exit`: unwinds the guest; the worker reports the status and drops the instance. */
export class ExitSignal {
  constructor(readonly status: number) {}
}

export interface CliContext {
  env: Array<[string, string]>;
  args: string[];
  log(stream: 'stdout' | 'stderr', line: string): void;
}

/**
 * Guest output may not flood the host log: a token bucket allows bursts of `LOG_BURST` lines and
 * `LOG_PER_SECOND` lines per second after that; the rest is counted and reported in one line.
 */
const LOG_BURST = 200;
const LOG_PER_SECOND = 100;
const MAX_LINE = 16_384;

class LogLimiter {
  private tokens = LOG_BURST;
  private last = performance.now();
  private dropped = 0;
  constructor(
    private readonly ctx: CliContext,
    private readonly stream: 'stdout' | 'stderr',
  ) {}
  line(text: string): void {
    const now = performance.now();
    this.tokens = Math.min(LOG_BURST, this.tokens + ((now - this.last) / 1000) * LOG_PER_SECOND);
    this.last = now;
    if (this.tokens < 1) {
      this.dropped++;
      return;
    }
    this.tokens--;
    if (this.dropped) {
      this.ctx.log(this.stream, `[lattice: ${this.dropped} lines of guest ${this.stream} dropped: over ${LOG_PER_SECOND} lines/s]`);
      this.dropped = 0;
    }
    this.ctx.log(this.stream, text);
  }
}

/** Line-buffers a guest output stream into log records; very long lines are cut into pieces. */
function logSink(ctx: CliContext, stream: 'stdout' | 'stderr'): OutputStream {
  let pending = '';
  const decoder = new TextDecoder();
  const limiter = new LogLimiter(ctx, stream);
  return new OutputStream((bytes) => {
    pending += decoder.decode(bytes, { stream: true });
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0 || pending.length > MAX_LINE) {
      const cut = newline >= 0 && newline <= MAX_LINE ? newline : MAX_LINE;
      limiter.line(pending.slice(0, cut));
      pending = pending.slice(cut === newline ? cut + 1 : cut);
    }
    return true;
  });
}

class TerminalInput {}
class TerminalOutput {}

function randomU64(): bigint {
  return randomBytes(8).readBigUInt64LE();
}

function bytes(len: bigint): Uint8Array {
  const n = Number(len);
  if (n > 64 * 2 ** 20) throw new RangeError(`get-random-bytes asked for ${n} bytes`);
  return new Uint8Array(randomBytes(n));
}

export function cliImports(ctx: CliContext): Record<string, Record<string, unknown>> {
  const stdout = logSink(ctx, 'stdout');
  const stderr = logSink(ctx, 'stderr');
  return {
    'wasi:cli/environment': {
      getEnvironment: () => ctx.env.map(([k, v]) => [k, v]),
      getArguments: () => [...ctx.args],
      initialCwd: () => undefined,
    },
    'wasi:cli/exit': {
      exit: (status: { tag: 'ok' | 'err' }) => {
        throw new ExitSignal(status.tag === 'ok' ? 0 : 1);
      },
      exitWithCode: (code: number) => {
        throw new ExitSignal(code);
      },
    },
    'wasi:cli/stdin': { getStdin: () => new InputStream() },
    'wasi:cli/stdout': { getStdout: () => stdout },
    'wasi:cli/stderr': { getStderr: () => stderr },
    'wasi:cli/terminal-input': { TerminalInput },
    'wasi:cli/terminal-output': { TerminalOutput },
    'wasi:cli/terminal-stdin': { getTerminalStdin: () => undefined },
    'wasi:cli/terminal-stdout': { getTerminalStdout: () => undefined },
    'wasi:cli/terminal-stderr': { getTerminalStderr: () => undefined },
    'wasi:clocks/monotonic-clock': {
      now: () => process.hrtime.bigint(),
      resolution: () => 1n,
      subscribeInstant: (when: bigint) => new Pollable(when),
      subscribeDuration: (duration: bigint) => new Pollable(process.hrtime.bigint() + duration),
    },
    'wasi:clocks/wall-clock': {
      now: () => {
        const ms = Date.now();
        return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1_000_000 };
      },
      resolution: () => ({ seconds: 0n, nanoseconds: 1_000_000 }),
    },
    'wasi:random/random': { getRandomBytes: bytes, getRandomU64: randomU64 },
    'wasi:random/insecure': { getInsecureRandomBytes: bytes, getInsecureRandomU64: randomU64 },
    'wasi:random/insecure-seed': { insecureSeed: () => [randomU64(), randomU64()] },
  };
}
