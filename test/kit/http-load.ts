import { Agent, request } from 'node:http';

/** What one request of the load ended with. */
export interface LoadOutcome {
  /** Epoch ms when it was sent. */
  sentAt: number;
  latencyMs: number;
  /** HTTP status, or 0 when no response came (connection error or client timeout). */
  status: number;
  /** The body of the answer (trimmed), or the error of a request that got none. */
  detail: string;
  timedOut: boolean;
}

export interface LoadReport {
  sent: number;
  ok: number;
  /** Requests that did not get a 2xx answer, with what they got. */
  failures: LoadOutcome[];
  /** Every request, in the order they completed. */
  outcomes: LoadOutcome[];
  /** Count per HTTP status (0: no answer). */
  byStatus: Record<number, number>;
  clientTimeouts: number;
  p50Ms: number;
  p99Ms: number;
  maxLatencyMs: number;
}

export interface HttpLoadOptions {
  url: string;
  /** Concurrent requests (each on its own keep-alive connection). */
  connections: number;
  method?: string;
  /** Request body (sent with Content-Length). */
  body?: Uint8Array;
  /** A request without an answer after this long counts as a client timeout (default 15 s). */
  clientTimeoutMs?: number;
}

/**
 * Bounded HTTP load for failure tests: `connections` loops, each sending one request at a time
 * and the next as soon as the answer is complete, every outcome recorded. Nothing is asserted
 * here; tests count the failures around the event they cause (a host killed, NATS restarted).
 */
export class HttpLoad {
  private readonly outcomes: LoadOutcome[] = [];
  private running = true;
  private readonly loops: Promise<void>[];
  private readonly agent: Agent;
  private okCount = 0;

  private constructor(private readonly opts: HttpLoadOptions) {
    this.agent = new Agent({ keepAlive: true, maxSockets: opts.connections });
    this.loops = Array.from({ length: opts.connections }, () => this.loop());
  }

  static start(opts: HttpLoadOptions): HttpLoad {
    return new HttpLoad(opts);
  }

  /** Successful requests so far. */
  get ok(): number {
    return this.okCount;
  }

  /** Outcomes of requests sent at or after `since` (epoch ms). */
  since(since: number): LoadReport {
    return summarize(this.outcomes.filter((o) => o.sentAt >= since));
  }

  /** Resolves once `count` more requests have succeeded than when called (or rejects after `timeoutMs`). */
  async successes(count: number, timeoutMs = 30_000): Promise<void> {
    const target = this.okCount + count;
    const deadline = Date.now() + timeoutMs;
    while (this.okCount < target) {
      if (Date.now() > deadline)
        throw new Error(`load: ${count} successes did not come within ${timeoutMs} ms (${JSON.stringify(summarize(this.outcomes).byStatus)})`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Stops sending, waits for the requests in flight, and reports every outcome. */
  async stop(): Promise<LoadReport> {
    this.running = false;
    await Promise.all(this.loops);
    this.agent.destroy();
    return summarize(this.outcomes);
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const outcome = await this.once();
      this.outcomes.push(outcome);
      if (outcome.status >= 200 && outcome.status < 300) this.okCount++;
      // A failure is followed by the next request, but not in a tight loop: fast failures would
      // otherwise turn the bounded load into a flood that slows everything under test.
      else await new Promise((r) => setTimeout(r, 10));
    }
  }

  private once(): Promise<LoadOutcome> {
    const sentAt = Date.now();
    const { body } = this.opts;
    return new Promise((resolve) => {
      let settled = false;
      const done = (status: number, detail: string, timedOut = false) => {
        if (settled) return;
        settled = true;
        resolve({ sentAt, latencyMs: Date.now() - sentAt, status, detail, timedOut });
      };
      const req = request(this.opts.url, {
        method: this.opts.method ?? 'GET',
        agent: this.agent,
        headers: body ? { 'content-length': String(body.length) } : {},
      });
      req.setTimeout(this.opts.clientTimeoutMs ?? 15_000, () => {
        done(0, 'client timeout', true);
        req.destroy();
      });
      req.on('error', (error) => done(0, error.message));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (error) => done(0, `response cut: ${error.message}`));
        res.on('aborted', () => done(0, 'response cut'));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          done(status, Buffer.concat(chunks).toString('utf8').trim());
        });
      });
      req.end(body);
    });
  }
}

function summarize(outcomes: LoadOutcome[]): LoadReport {
  const byStatus: Record<number, number> = {};
  let ok = 0;
  const failures: LoadOutcome[] = [];
  for (const o of outcomes) {
    byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
    if (o.status >= 200 && o.status < 300) ok++;
    else failures.push(o);
  }
  const latencies = outcomes.map((o) => o.latencyMs).sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    sent: outcomes.length,
    ok,
    failures,
    outcomes,
    byStatus,
    clientTimeouts: outcomes.filter((o) => o.timedOut).length,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxLatencyMs: latencies.at(-1) ?? 0,
  };
}

/** One line for the test log: counts, statuses and the distinct failure details. */
export function describeLoad(report: LoadReport): string {
  const details = [...new Set(report.failures.map((f) => `${f.status} ${f.detail}`))].slice(0, 5);
  return (
    `${report.sent} requests, ${report.ok} ok, ${report.failures.length} failed (${report.clientTimeouts} client timeouts), ` +
    `statuses ${JSON.stringify(report.byStatus)}, latency p50 ${report.p50Ms} ms p99 ${report.p99Ms} ms max ${report.maxLatencyMs} ms` +
    (details.length ? `; failures: ${details.join(' | ')}` : '')
  );
}
