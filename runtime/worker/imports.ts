/**
 * The import object of one instance: the host's own WASI (deny by default) plus a forwarder for
 * every other interface the component imports (keyvalue, blobstore, config, logging, messaging,
 * custom interfaces), whose calls go over the bridge to the host's import handler.
 */
import { isResourceRef, type InstanceSettings, type ResourceRef } from '../worker-messages.js';
import type { BridgeClient } from './bridge-client.js';
import { cliImports, type CliContext } from './wasi/cli.js';
import { deniedImports } from './wasi/denied.js';
import { drainDue } from '../../protocol/streams/flow.js';
import { BODY_IFACE } from '../http-streams.js';
import { httpImports } from './wasi/http.js';
import { httpP3Imports } from './wasi/http-p3.js';
import { HostBodyStream } from './wasi/http-body.js';
import { IncomingResponse, type OutgoingTransport, type ResponseOutcome } from './wasi/http-outgoing.js';
import { ioImports, RemoteInputStream, RemoteOutputStream, type StreamRef } from './wasi/io.js';
import { latticeBusImports, linkNameFor } from './link-names.js';
import { loggingImports } from './wasi/logging.js';
import { workerHandles } from './handle-cache.js';
import type { HttpResponse } from '../worker-messages.js';
import { invocation } from './invocation-state.js';

type ImportObject = Record<string, Record<string, unknown>>;

/** jco turns WIT names into camelCase (functions) and PascalCase (resources); undo it. */
export function kebab(jsName: string): string {
  return jsName
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

const REF = Symbol('lattice.remote-ref');

/**
 * Property names JavaScript itself probes (promise resolution looks for `then`, JSON for
 * `toJSON`, ...). Answering them with a forwarding function would make a resource look like a
 * thenable and send bogus host calls; no WIT function maps to these names.
 */
const NOT_FORWARDED = new Set([
  'then',
  'catch',
  'finally',
  'toJSON',
  'toString',
  'valueOf',
  'toLocaleString',
  'inspect',
  'asymmetricMatch',
  'nodeType',
  'length',
]);
const dispose: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('dispose');

type Call = (fn: string, args: unknown[]) => unknown;

/**
 * Values crossing to the host: guest-held remote resources become their `ResourceRef`.
 * Values coming back: `ResourceRef`s become instances of the interface's resource class.
 */
function encode(value: unknown): unknown {
  if (value instanceof RemoteInputStream || value instanceof RemoteOutputStream) return value.ref;
  if (typeof value === 'object' && value !== null && REF in value) return (value as { [REF]: ResourceRef })[REF];
  if (Array.isArray(value)) return value.map(encode);
  return value;
}

/**
 * Resource classes of one import object by JS name, then by interface. A resource defined in one
 * interface is often returned by another (`wasi:blobstore/blobstore.create-container` returns
 * `wasi:blobstore/container.container`), and the glue checks `instanceof` against the class of
 * the defining interface, which it reads at instantiation: decoding looks the class up here.
 */
type ClassRegistry = Map<string, Map<string, unknown>>;

/**
 * The import object of one forwarded interface. `call` blocks until the host answers; `suspending`
 * (JSPI glue, runtime/jspi.ts) returns a promise the guest is suspended on, and serves every
 * function the glue awaits: all but resource constructors, and the wasi:io streams a provider
 * hands out, whose glue is the runtime's own sync WASI.
 */
function forwarder(iface: string, call: Call, drop: Call, registry: ClassRegistry, suspending: Call = call): Record<string, unknown> {
  const decode = (value: unknown): unknown => {
    // Most answers are plain values (a number, a string, bytes): nothing to look at.
    if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return value;
    if (isResourceRef(value) && value.$resource === 'input-stream') return new RemoteInputStream(invokeRaw, drop, value as StreamRef, readAsync);
    if (isResourceRef(value) && value.$resource === 'output-stream') return new RemoteOutputStream(invokeRaw, drop, value as StreamRef);
    if (isResourceRef(value)) {
      const jsName = value.$resource.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
      const known = registry.get(jsName);
      const cls = (known?.get(iface) ?? known?.values().next().value ?? resourceClass(jsName)) as { prototype: object };
      const obj = Object.create(cls.prototype) as Record<symbol, unknown>;
      obj[REF] = value;
      return obj;
    }
    if (Array.isArray(value)) return value.map(decode);
    if (typeof value === 'object' && value !== null && 'tag' in value && 'val' in value) {
      return { ...value, val: decode((value as { val: unknown }).val) };
    }
    return value;
  };
  const invoke = (fn: string, args: unknown[]): unknown => {
    const answer = suspending(fn, args.map(encode));
    return answer instanceof Promise ? answer.then(decode) : decode(answer);
  };
  const invokeRaw = (fn: string, args: unknown[]): unknown => call(fn, args);
  // A provider's stream read by a guest whose glue suspends (io.ts, PulledInputStream).
  const readAsync = suspending === call ? undefined : (fn: string, args: unknown[]): Promise<unknown> => Promise.resolve(suspending(fn, args));

  function resourceClass(jsName: string): unknown {
    const existing = registry.get(jsName)?.get(iface);
    if (existing) return existing;
    const wit = kebab(jsName);
    const Remote = function (this: Record<symbol, unknown>, ...args: unknown[]) {
      const ref = call(`[constructor]${wit}`, args.map(encode));
      this[REF] = isResourceRef(ref) ? ref : { $resource: wit, id: ref as number };
    } as unknown as { prototype: object } & Record<string, unknown>;
    const dropThis = function (this: Record<symbol, unknown>) {
      drop(`[resource-drop]${wit}`, [this[REF]]);
    };
    const methods = memo((prop) => {
      const fn = `[method]${wit}.${kebab(prop)}`;
      return function (this: Record<symbol, unknown>, ...args: unknown[]) {
        return invoke(fn, [this[REF], ...args]);
      };
    });
    Remote.prototype = new Proxy(
      {},
      {
        get(_target, prop) {
          if (prop === 'constructor') return Remote;
          if (prop === dispose) return dropThis;
          if (typeof prop !== 'string' || NOT_FORWARDED.has(prop)) return undefined;
          return methods(prop);
        },
      },
    );
    const statics = memo((prop) => {
      const fn = `[static]${wit}.${kebab(prop)}`;
      return (...args: unknown[]) => invoke(fn, args);
    });
    const withStatics = new Proxy(Remote, {
      get(target, prop, receiver) {
        if (prop === 'prototype' || typeof prop !== 'string' || prop in Function.prototype || NOT_FORWARDED.has(prop)) {
          return Reflect.get(target, prop, receiver) as unknown;
        }
        return statics(prop);
      },
    });
    if (!registry.has(jsName)) registry.set(jsName, new Map());
    registry.get(jsName)!.set(iface, withStatics);
    return withStatics;
  }

  const functions = memo((prop) => {
    const fn = kebab(prop);
    return (...args: unknown[]) => invoke(fn, args);
  });
  return new Proxy(
    {},
    {
      get(_target, prop) {
        if (typeof prop !== 'string' || NOT_FORWARDED.has(prop)) return undefined;
        if (/^[A-Z]/.test(prop)) return resourceClass(prop);
        return functions(prop);
      },
    },
  );
}

/**
 * The forwarding function of each property, made on first access: the glue reads a method off
 * the import object at every call, and its WIT name and closure need making only once.
 */
function memo(make: (prop: string) => unknown): (prop: string) => unknown {
  const made = new Map<string, unknown>();
  return (prop) => {
    let fn = made.get(prop);
    if (fn === undefined) made.set(prop, (fn = make(prop)));
    return fn;
  };
}

/**
 * Builds the import object for a new instance of a component. `logThreshold`: the lowest pino
 * level value of the wasi:logging lines the host records (0: all).
 */
export function buildImports(settings: InstanceSettings, bridge: BridgeClient, ctx: CliContext, logThreshold = 0): ImportObject {
  const { componentId } = settings;
  const bodyCall = (fn: string, args: unknown[]): unknown => bridge.call(componentId, BODY_IFACE, fn, args);
  // Bytes posted since the last `drain`: past the high-water mark the guest waits for the consumer.
  const unsynced = new Map<number, number>();
  const outgoing: OutgoingTransport = {
    start: (head) => {
      // The worker ingress reads it after the invocation: such a component may call this host's
      // own listener, which its worker, blocked in the invocation, could not accept.
      invocation.current.outgoingHttp = true;
      const iface = settings.importNames['wasi:http/outgoing-handler'] ?? 'wasi:http/outgoing-handler';
      return bodyCall('send', [iface, linkNameFor('wasi:http/outgoing-handler'), head]) as number;
    },
    write: (exchange, bytes) => {
      bridge.post({ type: 'http-chunk', stream: exchange, bytes });
      const sent = (unsynced.get(exchange) ?? 0) + bytes.length;
      const wait = drainDue(sent);
      unsynced.set(exchange, wait ? 0 : sent);
      if (wait) bodyCall('drain', [exchange]);
    },
    end: (exchange) => {
      unsynced.delete(exchange);
      bodyCall('end', [exchange]);
    },
    response: (exchange, suspend) => {
      const received = (answer: HttpResponse & { bodyStream?: number }): ResponseOutcome => {
        const stream = answer.bodyStream;
        const open =
          stream === undefined
            ? undefined
            : () =>
                new HostBodyStream(
                  (len) => bodyCall('read', [stream, len]) as Uint8Array,
                  (len) => bridge.callAsync(componentId, BODY_IFACE, 'read', [stream, len]) as Promise<Uint8Array>,
                );
        return { tag: 'ok', val: new IncomingResponse(answer, open) };
      };
      const failed = (error: unknown): ResponseOutcome => {
        if (typeof error === 'object' && error !== null && 'payload' in error) return { tag: 'err', val: error.payload };
        throw error;
      };
      // Under JSPI the guest is suspended until the response head arrives; its worker serves others.
      if (suspend) return bridge.callAsync(componentId, BODY_IFACE, 'response', [exchange]).then((a) => received(a as HttpResponse), failed);
      try {
        return received(bodyCall('response', [exchange]) as HttpResponse);
      } catch (error) {
        return failed(error);
      }
    },
  };
  const builtin: ImportObject = {
    ...ioImports(),
    ...cliImports(ctx),
    ...deniedImports(),
    ...httpImports(outgoing),
    // A WASIp3 handler's types (runtime/wasip3.ts); its glue asks for them under the same key.
    ...(/@0\.3\./.test(settings.importNames['wasi:http/types'] ?? '') ? httpP3Imports() : {}),
    'wasmcloud:bus/lattice': latticeBusImports(),
    'wasi:logging/logging': loggingImports(componentId, settings.importNames['wasi:logging/logging'] ?? 'wasi:logging/logging', bridge, logThreshold),
  };
  const imports: ImportObject = {};
  const registry: ClassRegistry = new Map();
  for (const [key, versioned] of Object.entries(settings.importNames)) {
    if (settings.builtins.includes(key) && builtin[key]) {
      imports[key] = builtin[key];
    } else {
      // The link name is chosen per invocation (wasmcloud:bus/lattice): read at each call.
      const call: Call = (fn, args) => {
        const linkName = linkNameFor(key);
        return workerHandles.call(componentId, versioned, linkName, fn, args, (f, a) => bridge.call(componentId, versioned, f, a, linkName));
      };
      const suspending: Call = (fn, args) => {
        const linkName = linkNameFor(key);
        return workerHandles.call(componentId, versioned, linkName, fn, args, (f, a) => bridge.callAsync(componentId, versioned, f, a, linkName));
      };
      const drop: Call = (fn, args) => bridge.notify(componentId, versioned, fn, args, linkNameFor(key));
      imports[key] = forwarder(versioned, call, drop, registry, settings.jspi ? suspending : call);
    }
  }
  return imports;
}
