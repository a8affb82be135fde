/**
 * JS (componentize-js / StarlingMonkey) components from components/examples, built by the
 * project's own toolchain (skipped when their build stamps are current), run in the runtime:
 * HTTP, resources through the bridge (keyvalue bucket), a messaging handler export.
 */
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { buildProject } from '../../components/tools/build.js';
import { WitError, type ComponentRuntime, type ResourceRef } from '../../runtime/mod.js';
import { startRuntime, text } from './helpers.js';

const examples = resolve(import.meta.dirname, '../../../components/examples');

async function example(name: string): Promise<string> {
  const [result] = await buildProject(join(examples, name));
  assert.ok(result, `example ${name} has a component`);
  return pathToFileURL(result.wasmPath).href;
}

interface Call {
  componentId: string;
  iface: string;
  fn: string;
  args: unknown[];
}

describe('JS components', { timeout: 300_000 }, () => {
  let runtime: ComponentRuntime;
  let dispose: () => Promise<void>;
  let cacheDir: string;
  const calls: Call[] = [];
  const counters = new Map<string, bigint>();
  /** A component-to-component link, as the link router will resolve it. */
  let link: { from: string; to: string } | null = null;

  before(async () => {
    ({ runtime, dispose, cacheDir } = await startRuntime({
      importHandler: async (componentId, iface, fn, args) => {
        calls.push({ componentId, iface, fn, args });
        if (link && componentId === link.from && iface.startsWith('lattice:pipeline/transform')) {
          return runtime.invoke(link.to, iface, fn, args);
        }
        if (iface === 'wasi:logging/logging@0.1.0-draft' && fn === 'log') return undefined;
        if (iface === 'wasi:keyvalue/store@0.2.0-draft' && fn === 'open') {
          if (args[0] === 'default') return { $resource: 'bucket', id: 'default' } satisfies ResourceRef;
          throw new WitError({ tag: 'no-such-store' });
        }
        if (iface === 'wasi:keyvalue/atomics@0.2.0-draft' && fn === 'increment') {
          const [bucket, key, delta] = args as [ResourceRef, string, bigint];
          const next = (counters.get(`${bucket.id}/${key}`) ?? 0n) + delta;
          counters.set(`${bucket.id}/${key}`, next);
          return next;
        }
        if (iface === 'wasmcloud:messaging/consumer@0.2.0' && fn === 'publish') return undefined;
        if (fn.startsWith('[resource-drop]')) return undefined;
        throw new Error(`unexpected host call ${iface}#${fn}`);
      },
    }));
  });
  after(() => dispose());

  it('serves HTTP from a JS component; its wasi:logging import reaches the import handler', async () => {
    await runtime.scale({ componentId: 'js-hello', imageRef: await example('http-hello'), count: 4 });
    const response = await runtime.handleHttp('js-hello', { method: 'GET', pathWithQuery: '/?name=Ada', authority: 'localhost' });
    assert.equal(response.status, 200);
    assert.equal(text(response.body), 'Hello, Ada! (from a lattice TypeScript component)\n');
    assert.ok(response.headers.some(([k, v]) => k === 'content-type' && v.startsWith('text/plain')));
    assert.ok(calls.some((c) => c.componentId === 'js-hello' && c.fn === 'log' && (c.args[2] as string).startsWith('GET /')));
  });

  it('does not wait for a wasi:logging line, and drops the lines below the level the host records', async () => {
    const image = await example('http-hello');
    for (const [guestLogLevel, expected] of [
      [30, 1],
      [40, 0],
    ] as const) {
      const logged: unknown[][] = [];
      // The handler never answers a log line: a guest that waited for it would not answer at all.
      const quiet = await startRuntime({
        cacheDir,
        guestLogLevel,
        importHandler: (_componentId, _iface, fn, args) =>
          fn === 'log' ? (logged.push(args), new Promise<never>(() => undefined)) : Promise.resolve(undefined),
      });
      try {
        await quiet.runtime.scale({ componentId: 'js-hello', imageRef: image, count: 1 });
        const response = await quiet.runtime.handleHttp('js-hello', { method: 'GET', pathWithQuery: '/?name=Ada' }, { deadlineMs: 5_000 });
        assert.equal(response.status, 200);
        // The notification was written before the result: it has been served by now.
        assert.equal(logged.length, expected, `info line with the host at level ${guestLogLevel}`);
        if (expected) assert.deepEqual(logged[0]!.slice(0, 2), ['info', 'http-hello']);
      } finally {
        await quiet.dispose();
      }
    }
  });

  it('completes 100 concurrent invocations of a JS component with max_instances 4', async () => {
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) => runtime.handleHttp('js-hello', { method: 'GET', pathWithQuery: `/?name=n${i}` })),
    );
    responses.forEach((r, i) => assert.equal(text(r.body), `Hello, n${i}! (from a lattice TypeScript component)\n`));
  });

  it('passes host resources (a keyvalue bucket) and u64 values through the bridge', async () => {
    await runtime.scale({ componentId: 'kv-counter', imageRef: await example('kv-counter'), count: 2 });
    for (const expected of [1, 2, 3]) {
      const response = await runtime.handleHttp('kv-counter', { method: 'GET', pathWithQuery: '/visits' });
      assert.equal(response.status, 200);
      assert.deepEqual(JSON.parse(text(response.body)), { key: 'visits', count: expected });
    }
    const increment = calls.find((c) => c.componentId === 'kv-counter' && c.fn === 'increment');
    assert.deepEqual(increment?.args, [{ $resource: 'bucket', id: 'default' }, 'visits', 1n]);
  });

  it('links two components through a custom interface (the import handler invokes the other)', async () => {
    const built = await buildProject(join(examples, 'pipeline'));
    const ref = (name: string): string => pathToFileURL(built.find((b) => b.name === name)!.wasmPath).href;
    await runtime.scale({ componentId: 'shout', imageRef: ref('pipeline-shout'), count: 2 });
    await runtime.scale({ componentId: 'front', imageRef: ref('pipeline-front'), count: 2 });
    link = { from: 'front', to: 'shout' };
    const ok = await runtime.handleHttp('front', { method: 'POST', pathWithQuery: '/', body: 'quiet words' });
    assert.equal(ok.status, 200);
    assert.deepEqual(JSON.parse(text(ok.body)), { input: 'quiet words', output: 'QUIET WORDS', by: 'pipeline-shout' });
    // The target's err(string) crosses both bridges as a WIT error, not a trap.
    const refused = await runtime.handleHttp('front', { method: 'POST', pathWithQuery: '/', body: '  ' });
    assert.equal(refused.status, 422);
    assert.deepEqual(JSON.parse(text(refused.body)), { input: '  ', error: 'empty input: nothing to transform' });
  });

  it('does not deadlock when every worker waits on a linked call', async () => {
    // Two pool workers at most (maxPoolSize 2), ten front invocations allowed at once: all
    // workers end up blocked on calls to shout, which needs a worker of its own.
    const built = await buildProject(join(examples, 'pipeline'));
    const ref = (name: string): string => pathToFileURL(built.find((b) => b.name === name)!.wasmPath).href;
    const tight = await startRuntime({
      poolSize: 2,
      maxPoolSize: 2,
      bridgeTimeoutMs: 60_000,
      importHandler: async (_componentId, iface, fn, args) =>
        iface.startsWith('lattice:pipeline/transform') ? tight.runtime.invoke('shout', iface, fn, args) : undefined,
    });
    try {
      await tight.runtime.scale({ componentId: 'shout', imageRef: ref('pipeline-shout'), count: 10 });
      await tight.runtime.scale({ componentId: 'front', imageRef: ref('pipeline-front'), count: 10 });
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, i) => tight.runtime.handleHttp('front', { method: 'POST', pathWithQuery: '/', body: `word ${i}` })),
      );
      responses.forEach((r, i) => assert.equal(JSON.parse(text(r.body)).output, `WORD ${i}`));
    } finally {
      await tight.dispose();
    }
  });

  it('invokes a wasmcloud:messaging/handler export', async () => {
    await runtime.scale({ componentId: 'echo-messaging', imageRef: await example('echo-messaging'), count: 2 });
    const result = await runtime.invoke('echo-messaging', 'wasmcloud:messaging/handler', 'handle-message', [
      { subject: 'demo.echo', body: new TextEncoder().encode('ping'), replyTo: '_INBOX.1' },
    ]);
    assert.equal(result, undefined);
    const publish = calls.find((c) => c.componentId === 'echo-messaging' && c.fn === 'publish');
    const message = publish?.args[0] as { subject: string; body: Uint8Array };
    assert.equal(message.subject, '_INBOX.1');
    assert.equal(text(message.body), 'echo: ping');
  });
});
