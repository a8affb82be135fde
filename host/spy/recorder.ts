import type { NatsConnection, Subscription } from 'nats';
import type { Logger } from '../../lib/logger.js';
import { decodeJson, encodeValue, isByteStream, spy, SpyInterest, WitError, type Link, type SpyRecord } from '../../protocol/mod.js';
import type { CallObserver, CallStart, ObservedCall } from '../router/link-router.js';

interface Session {
  interest: SpyInterest;
  expires: number;
}

/** A copy of VALUE with byte streams replaced by a marker (a spy never reads a body). */
function withoutStreams(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || depth > 32) return value;
  if (isByteStream(value)) return { $stream: true };
  if (Array.isArray(value)) return value.map((v) => withoutStreams(v, depth + 1));
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = withoutStreams(v, depth + 1);
  return out;
}

function size(value: unknown): number {
  try {
    return encodeValue(value).length;
  } catch {
    return 0;
  }
}

/**
 * The host side of `lattice spy`: listens for spy interest and, while a session watches a
 * component or link, records each matching call this process makes (the router is the caller of
 * every call a component or builtin provider makes) and publishes it on the session's subject.
 * Read-only: calls are observed, never changed, and a failure to record never reaches the call.
 */
export class SpyRecorder implements CallObserver {
  private readonly sessions = new Map<string, Session>();
  private readonly sub: Subscription;
  private sweep: NodeJS.Timeout | null = null;
  active = false;
  /** Called when spying starts or stops (the host relays worker-served requests while it spies). */
  onActive: ((active: boolean) => void) | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly lattice: string,
    private readonly hostId: string,
    private readonly log: Logger,
  ) {
    this.sub = nc.subscribe(spy.interest(lattice), {
      callback: (err, msg) => {
        if (err) return;
        let parsed;
        try {
          parsed = SpyInterest.safeParse(decodeJson(msg.data));
        } catch {
          return;
        }
        if (parsed.success) this.interest(parsed.data);
      },
    });
  }

  private interest(interest: SpyInterest): void {
    if (interest.ttl_ms === 0) this.sessions.delete(interest.session);
    else {
      if (!this.sessions.has(interest.session))
        this.log.info({ session: interest.session, component: interest.component, link: interest.link }, 'spy session started');
      this.sessions.set(interest.session, { interest, expires: Date.now() + interest.ttl_ms });
    }
    this.update();
  }

  private update(): void {
    const now = Date.now();
    for (const [id, s] of this.sessions) if (s.expires <= now) this.sessions.delete(id);
    const was = this.active;
    this.active = this.sessions.size > 0;
    if (was !== this.active) this.onActive?.(this.active);
    if (this.active && !this.sweep) {
      this.sweep = setInterval(() => this.update(), 1_000);
      this.sweep.unref();
    } else if (!this.active && this.sweep) {
      clearInterval(this.sweep);
      this.sweep = null;
    }
  }

  private matches(s: SpyInterest, call: CallStart, link: Link): boolean {
    if (s.link) {
      return (
        call.source === s.component &&
        link.wit_namespace === s.link.namespace &&
        link.wit_package === s.link.package &&
        (s.link.name === undefined || link.name === s.link.name)
      );
    }
    return call.source === s.component || call.target === s.component;
  }

  begin(call: CallStart): ObservedCall | undefined {
    const watching = [...this.sessions].filter(([, s]) => s.expires > Date.now() && this.matches(s.interest, call, call.link)).map(([id]) => id);
    if (watching.length === 0) return undefined;
    const time = Date.now();
    const started = performance.now();
    const args = withoutStreams(call.args) as unknown[];
    const base = {
      host_id: this.hostId,
      time,
      source: call.source,
      target: call.target,
      namespace: call.link.wit_namespace,
      package: call.link.wit_package,
      link_name: call.link.name,
      interface: call.iface,
      function: call.fn,
      args,
      request_bytes: size(args),
    };
    const publish = (end: Pick<SpyRecord, 'outcome' | 'result' | 'error'>) => {
      const result = withoutStreams(end.result);
      const record: SpyRecord = { ...base, ...end, result, duration_ms: performance.now() - started, response_bytes: size(result) };
      let bytes: Uint8Array;
      try {
        bytes = encodeValue(record);
      } catch (error) {
        bytes = encodeValue({ ...record, args: [], result: undefined, error: `not encodable: ${String(error)}` });
      }
      for (const session of watching) {
        try {
          this.nc.publish(spy.records(this.lattice, session), bytes);
        } catch (error) {
          this.log.debug({ err: error }, 'spy record not sent');
        }
      }
    };
    return {
      ok: (value) => publish({ outcome: 'ok', result: value }),
      failed: (error) =>
        error instanceof WitError
          ? publish({ outcome: 'wit-error', result: error.payload })
          : publish({ outcome: 'failed', error: error instanceof Error ? error.message : String(error) }),
    };
  }

  stop(): void {
    this.sub.unsubscribe();
    if (this.sweep) clearInterval(this.sweep);
    this.sessions.clear();
    this.active = false;
  }
}
