import type { Msg, NatsConnection } from 'nats';
import { reservedSubjectPrefix } from '../../protocol/reserved-subjects.js';
import { WitError } from '../../protocol/mod.js';
import type { InterfaceHandlers, ProviderCall } from '../sdk/types.js';

/** `wasmcloud:messaging/types.broker-message` in jco's shape (`reply-to` is `replyTo`). */
export interface BrokerMessage {
  subject: string;
  body: Uint8Array;
  replyTo: string | null;
}

/** The connection a consumer call uses, and whether it is the lattice's own. */
export type ConnectionFor = (call: ProviderCall) => Promise<{ nc: NatsConnection; guarded: boolean }>;

/** The interface's error is a plain string. */
function fail(message: string): never {
  throw new WitError(message);
}

function subject(value: unknown, what: string, guarded: boolean): string {
  if (typeof value !== 'string' || value === '' || /[\s*>]/.test(value) || value.split('.').some((t) => t === '')) {
    fail(`${what} ${JSON.stringify(value)} is not a valid subject to publish to`);
  }
  const reserved = guarded ? reservedSubjectPrefix(value) : null;
  if (reserved) fail(`${what} ${JSON.stringify(value)} is in the lattice's reserved "${reserved}" space`);
  return value;
}

function bytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return Uint8Array.from(value as number[]);
  fail('body must be bytes (list<u8>)');
}

/** A delivered NATS message as the guest's record; the body is copied out of the read buffer. */
export function toBrokerMessage(msg: Msg): BrokerMessage {
  return { subject: msg.subject, body: msg.data.slice(), replyTo: msg.reply ? msg.reply : null };
}

/** NATS client error codes the guest gets a specific message for. */
const NO_RESPONDERS = '503';
const TIMEOUT = 'TIMEOUT';

/**
 * `wasmcloud:messaging/consumer@0.2.0`: `publish` and `request` from components. On the host's
 * lattice connection the platform's own subject spaces are refused; replies to a delivered
 * message go to its `_INBOX` reply subject, which is an ordinary subject.
 */
export function consumerHandlers(connectionFor: ConnectionFor, defaultRequestTimeoutMs: () => number): InterfaceHandlers {
  return {
    'wasmcloud:messaging/consumer': {
      publish: async (call) => {
        const msg = call.args[0] as Partial<BrokerMessage> | undefined;
        if (typeof msg !== 'object' || msg === null) fail('publish needs a broker-message');
        const { nc, guarded } = await connection(connectionFor, call);
        const to = subject(msg.subject, 'subject', guarded);
        const reply = msg.replyTo === null || msg.replyTo === undefined ? undefined : subject(msg.replyTo, 'reply-to', guarded);
        try {
          nc.publish(to, bytes(msg.body), reply ? { reply } : undefined);
        } catch (error) {
          fail(`publish to ${to} failed: ${(error as Error).message}`);
        }
      },
      request: async (call) => {
        const { nc, guarded } = await connection(connectionFor, call);
        const to = subject(call.args[0], 'subject', guarded);
        const body = bytes(call.args[1]);
        const asked = typeof call.args[2] === 'number' && call.args[2] > 0 ? call.args[2] : defaultRequestTimeoutMs();
        // Never wait past the invocation's own deadline: the answer would have nowhere to go.
        const timeout = Math.max(1, Math.min(asked, call.deadline - Date.now()));
        try {
          return toBrokerMessage(await nc.request(to, body, { timeout }));
        } catch (error) {
          const code = (error as { code?: string }).code;
          if (code === NO_RESPONDERS) fail(`no responders on ${to}`);
          if (code === TIMEOUT) fail(`request on ${to} timed out after ${timeout} ms`);
          fail(`request on ${to} failed: ${(error as Error).message}`);
        }
      },
    },
  };
}

async function connection(connectionFor: ConnectionFor, call: ProviderCall) {
  try {
    return await connectionFor(call);
  } catch (error) {
    if (error instanceof WitError) throw error;
    fail(`messaging connection is unavailable: ${(error as Error).message}`);
  }
}
