/**
 * ProviderRunner's link, config and secret resolution on the lattice's stores in memory, wired as
 * a host wires them (live views of links and configs, the secrets reader): no nats-server, since
 * none of it is NATS, and the provider's connection fails the test if anything touches it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { NatsConnection } from 'nats';
import { z } from 'zod';
import { createLogger } from '../../lib/logger.js';
import { Link, parseInterfaceName, type IncomingCall, type LinkInput } from '../../protocol/mod.js';
import { memoryStores, type MemoryStores } from '../../store/memory-stores.js';
import { ProviderStartError } from './errors.js';
import { ProviderRunner, type RunnerDeps } from './runner.js';
import { defineProvider, type ProviderContext, type ProviderLink } from './types.js';

const log = createLogger({ component: 'provider-runner-test' });

/** Stands in for the provider's NATS connection: resolving links, configs and secrets must not use it. */
const noNats = new Proxy(
  {},
  {
    get: (_target, property) => {
      throw new Error(`the provider's NATS connection was used (${String(property)})`);
    },
  },
) as NatsConnection;

const link = (input: Partial<LinkInput> & Pick<LinkInput, 'source_id' | 'target'>): Link =>
  Link.parse({ wit_namespace: 'wasi', wit_package: 'keyvalue', interfaces: ['store'], ...input });

type Hook = 'added' | 'removed' | 'config';

/** A provider that records what the runner tells it, and lets a test wait for the next hook. */
class Recorder {
  context: ProviderContext<{ greeting: string }> | undefined;
  readonly seen: Array<{ hook: Hook; link?: ProviderLink; config?: unknown }> = [];
  private waiting: Array<{ hook: Hook; resolve(link: ProviderLink | undefined): void }> = [];

  readonly definition = defineProvider({
    name: 'recorder',
    description: 'records the hooks the runner calls',
    exports: ['wasi:keyvalue/store'],
    imports: [],
    configSchema: z.object({ greeting: z.string() }),
    start: (ctx) => {
      this.context = ctx;
      return {
        handlers: { 'wasi:keyvalue/store': { get: (call) => call.link?.targetSecrets ?? null } },
        linkAdded: (l) => this.record('added', l),
        linkRemoved: (l) => this.record('removed', l),
        configUpdated: (config) => {
          this.seen.push({ hook: 'config', config });
          this.wake('config', undefined);
        },
      };
    },
  });

  /** The next call of `hook` (resolves with its link). */
  next(hook: Hook): Promise<ProviderLink | undefined> {
    return new Promise((resolve) => this.waiting.push({ hook, resolve }));
  }

  private record(hook: Hook, l: ProviderLink): void {
    this.seen.push({ hook, link: l });
    this.wake(hook, l);
  }

  private wake(hook: Hook, l: ProviderLink | undefined): void {
    const ready = this.waiting.filter((w) => w.hook === hook);
    this.waiting = this.waiting.filter((w) => w.hook !== hook);
    for (const w of ready) w.resolve(l);
  }
}

/** The runner's dependencies over live views of `stores`, as host/plugins/providers.ts builds them. */
async function depsOver(stores: MemoryStores, overrides: Partial<RunnerDeps> = {}): Promise<RunnerDeps> {
  const [links, configs, secrets] = await Promise.all([stores.links.live(), stores.config.live(), stores.secrets.reader()]);
  return {
    providerId: 'kv',
    hostId: 'host-1',
    lattice: 'default',
    nc: noNats,
    log,
    dataDir: '/nonexistent',
    configNames: ['kv-settings'],
    links,
    configs: { get: (name) => configs.get(name), onChange: (fn) => configs.onChange(fn) },
    secretNames: ['db-password'],
    secrets: { get: (name) => secrets.reveal(name), onChange: (fn) => secrets.onChange(fn) },
    call: async () => {
      throw new Error('the test provider calls nothing');
    },
    ...overrides,
  };
}

/** Stores holding a provider config, two secrets (one JSON) and a wadm-style reference to a field. */
async function seeded(): Promise<MemoryStores> {
  const stores = memoryStores(log, { secretsKey: randomBytes(32) });
  await stores.config.put('kv-settings', { greeting: 'hello' });
  await stores.config.put('redis', { url: 'redis://one' });
  await stores.config.put('web-side', { bucket: 'web' });
  await stores.secrets.put('db-password', 'hunter2');
  await stores.secrets.put('api-keys', JSON.stringify({ token: 't0k', other: 1 }));
  await stores.config.put('SECRET_shop-token', { name: 'token', key: 'api-keys', field: 'token' });
  return stores;
}

describe('ProviderRunner on memory stores', () => {
  it('starts with its merged config and secrets, and resolves each of its links with config and secrets of both sides', async () => {
    const stores = await seeded();
    await stores.links.put(
      link({ source_id: 'web', target: 'kv', source_config: ['web-side'], target_config: ['redis'], target_secrets: ['db-password', 'SECRET_shop-token'] }),
    );
    await stores.links.put(link({ source_id: 'web', target: 'other-kv', target_config: ['redis'] }));
    const recorder = new Recorder();
    const added = recorder.next('added');
    const runner = await ProviderRunner.start(recorder.definition, await depsOver(stores, { defaults: { greeting: 'default' } }));

    assert.deepEqual(recorder.context?.config, { greeting: 'hello' }, 'named configs override the image defaults');
    assert.deepEqual(recorder.context?.secrets, { 'db-password': 'hunter2' });
    const resolved = await added;
    assert.equal(resolved?.role, 'target');
    assert.deepEqual(resolved?.sourceConfig, { bucket: 'web' });
    assert.deepEqual(resolved?.targetConfig, { url: 'redis://one' });
    assert.deepEqual(resolved?.sourceSecrets, {});
    assert.deepEqual(resolved?.targetSecrets, { 'db-password': 'hunter2', token: 't0k' }, 'a reference is seen by its name, with its field');
    assert.deepEqual(
      recorder.seen.map((s) => [s.hook, s.link?.link.target]),
      [['added', 'kv']],
      "another provider's link is not this one's",
    );

    const call: IncomingCall = {
      lattice: 'default',
      target: 'kv',
      interface: 'wasi:keyvalue/store@0.2.0-draft',
      ref: parseInterfaceName('wasi:keyvalue/store@0.2.0-draft'),
      function: 'get',
      args: [],
      source: 'web',
      linkName: 'default',
      traceparent: undefined,
      deadline: Date.now() + 1000,
      signal: new AbortController().signal,
    };
    assert.equal(runner.linkFor(call)?.link.source_id, 'web');
    assert.deepEqual(await runner.handle(call), { 'db-password': 'hunter2', token: 't0k' }, 'a handler gets the link its call came through');
    assert.equal(runner.linkFor({ ...call, linkName: 'cache' }), null);
    await runner.stop();
    await stores.close();
  });

  it('follows link puts and deletes, and link config and secret changes', async () => {
    const stores = await seeded();
    const recorder = new Recorder();
    const runner = await ProviderRunner.start(recorder.definition, await depsOver(stores));
    assert.equal(recorder.seen.length, 0, 'no link yet');

    let added = recorder.next('added');
    await stores.links.put(link({ source_id: 'web', target: 'kv', target_config: ['redis'], target_secrets: ['db-password'] }));
    assert.deepEqual((await added)?.targetConfig, { url: 'redis://one' });

    // A provider that is the link's source (it calls the target) is told too.
    added = recorder.next('added');
    await stores.links.put(link({ source_id: 'kv', target: 'notifier', wit_namespace: 'wasmcloud', wit_package: 'messaging', interfaces: ['handler'] }));
    assert.equal((await added)?.role, 'source');

    added = recorder.next('added');
    await stores.config.put('redis', { url: 'redis://two' });
    const reconfigured = await added;
    assert.equal(reconfigured?.link.source_id, 'web');
    assert.deepEqual(reconfigured?.targetConfig, { url: 'redis://two' }, 'a changed named config is given again');

    added = recorder.next('added');
    await stores.secrets.put('db-password', 'rotated');
    assert.deepEqual((await added)?.targetSecrets, { 'db-password': 'rotated' }, 'a rotated secret is given again');

    const removed = recorder.next('removed');
    await stores.links.delete({ source_id: 'web', wit_namespace: 'wasi', wit_package: 'keyvalue', name: 'default' });
    assert.equal((await removed)?.link.source_id, 'web');
    assert.equal(runner.linkFor({ source: 'web', ref: parseInterfaceName('wasi:keyvalue/store'), linkName: 'default' }), null);

    const before = recorder.seen.length;
    await runner.stop();
    assert.deepEqual(
      recorder.seen.slice(before).map((s) => [s.hook, s.link?.link.target]),
      [['removed', 'notifier']],
      'stop removes the links still known',
    );
    await stores.close();
  });

  it('a change to its own named config is a config update, validated first', async () => {
    const stores = await seeded();
    const recorder = new Recorder();
    const runner = await ProviderRunner.start(recorder.definition, await depsOver(stores));
    const updated = recorder.next('config');
    await stores.config.put('kv-settings', { greeting: 'hi again' });
    await updated;
    // An invalid update is logged and ignored: the next valid one is the next the provider sees.
    await stores.config.put('kv-settings', { nothing: 'useful' });
    const valid = recorder.next('config');
    await stores.config.put('kv-settings', { greeting: 'third' });
    await valid;
    assert.deepEqual(
      recorder.seen.filter((s) => s.hook === 'config').map((s) => s.config),
      [{ greeting: 'hi again' }, { greeting: 'third' }],
    );
    await runner.stop();
    await stores.close();
  });

  it('refuses to start without a secret it was given, or with an invalid config; a missing link secret is left out', async () => {
    const stores = await seeded();
    await assert.rejects(
      ProviderRunner.start(new Recorder().definition, await depsOver(stores, { secretNames: ['db-password', 'nope'] })),
      (e: unknown) => e instanceof ProviderStartError && /secret "nope" does not exist/.test(e.message),
    );
    await assert.rejects(
      ProviderRunner.start(new Recorder().definition, await depsOver(stores, { configNames: ['redis'] })),
      (e: unknown) => e instanceof ProviderStartError && /invalid config/.test(e.message),
    );

    await stores.links.put(link({ source_id: 'web', target: 'kv', target_secrets: ['db-password', 'missing-one'] }));
    const recorder = new Recorder();
    const added = recorder.next('added');
    const runner = await ProviderRunner.start(recorder.definition, await depsOver(stores));
    assert.deepEqual((await added)?.targetSecrets, { 'db-password': 'hunter2' });
    await runner.stop();
    await stores.close();
  });
});
