/**
 * echo-messaging: a `wasmcloud:messaging` handler. A request on a subscribed subject (a message
 * with a reply subject) is answered with its own body, prefixed with "echo: ". Messages without
 * a reply subject are logged and dropped.
 */
import { publish } from 'wasmcloud:messaging/consumer@0.2.0';
import type { BrokerMessage } from 'wasmcloud:messaging/types@0.2.0';
import { log } from 'wasi:logging/logging@0.1.0-draft';

const PREFIX = new TextEncoder().encode('echo: ');

export function echoBody(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(PREFIX.length + body.length);
  out.set(PREFIX, 0);
  out.set(body, PREFIX.length);
  return out;
}

export const handler = {
  /** Returning normally is `ok`; throwing a string is the interface's `err(string)`. */
  handleMessage(msg: BrokerMessage): void {
    if (!msg.replyTo) {
      log('info', 'echo-messaging', `message on ${msg.subject} without reply subject (${msg.body.length} bytes)`);
      return;
    }
    log('debug', 'echo-messaging', `echoing ${msg.body.length} bytes from ${msg.subject} to ${msg.replyTo}`);
    publish({ subject: msg.replyTo, body: echoBody(msg.body), replyTo: undefined });
  },
};
