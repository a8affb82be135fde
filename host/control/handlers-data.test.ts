/**
 * The lattice-wide config and link operations a host serves, over in-memory stores: a link is
 * stored only when every config and secret it names exists (a secret either stored or referenced
 * by a wadm config), and every change is evented. A closed connection stands in for NATS: events
 * are recorded, and the link's endpoints give no answer, which is consent (protocol/link-validation.ts).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { NatsConnection } from 'nats';
import { createLogger } from '../../lib/logger.js';
import { type CtlEnvelope, decodeJson, Link, type LinkInput } from '../../protocol/mod.js';
import { type MemoryStores, memoryStores } from '../../store/memory-stores.js';
import { EventPublisher } from '../events.js';
import { dataHandlers } from './handlers-data.js';
import type { RequestContext } from './types.js';

const log = createLogger({ component: 'handlers-data-test' });

/** A connection that is closed: publishes are recorded, nothing else answers. */
function closedConnection(published: { type: string; data: unknown }[]): NatsConnection {
  const nc = {
    isClosed: () => true,
    info: undefined,
    status: async function* () {},
    publish: (_subject: string, payload: Uint8Array) => {
      const event = decodeJson(payload) as { type: string; data: unknown };
      published.push({ type: event.type.split('.').pop() ?? '', data: event.data });
    },
  };
  return nc as unknown as NatsConnection;
}

function setup(stores: MemoryStores = memoryStores(log, { secretsKey: randomBytes(32) })) {
  const events: { type: string; data: unknown }[] = [];
  const nc = closedConnection(events);
  const handlers = dataHandlers({ nc, lattice: 'default', ...stores, events: new EventPublisher(nc, 'default', 'host-1', log) });
  const call = async (
    op: 'config.put' | 'config.get' | 'config.del' | 'link.put' | 'link.del' | 'link.get',
    body: unknown,
    id?: string,
  ): Promise<CtlEnvelope> => {
    const handler = handlers[op];
    assert.ok(handler, op);
    const ctx: RequestContext = { op, subject: `test.${op}`, id, log };
    return handler(body, ctx) as Promise<CtlEnvelope>;
  };
  return { stores, events, call };
}

const link = (extra: Partial<LinkInput> = {}): LinkInput => ({
  source_id: 'web',
  target: 'kv',
  wit_namespace: 'wasi',
  wit_package: 'keyvalue',
  interfaces: ['store'],
  ...extra,
});

describe('host data handlers over in-memory stores', () => {
  it('config put, get and delete, each evented; a bad name is refused', async () => {
    const { call, events } = setup();
    assert.deepEqual(await call('config.put', { a: '1' }, 'app-config'), { success: true, message: '' });
    assert.deepEqual((await call('config.get', undefined, 'app-config')).response, { a: '1' });
    assert.deepEqual(await call('config.del', undefined, 'app-config'), { success: true, message: '' });
    assert.deepEqual(await call('config.del', undefined, 'app-config'), { success: true, message: 'config "app-config" did not exist' });
    assert.equal((await call('config.put', { a: '1' }, 'no spaces')).success, false);
    assert.deepEqual(
      events.map((e) => e.type),
      ['config_set', 'config_deleted'],
    );
  });

  it('refuses a link naming config that does not exist, listing every missing name', async () => {
    const { call, stores } = setup();
    await stores.config.put('present', { k: 'v' });
    const reply = await call('link.put', link({ source_config: ['present', 'gone'], target_config: ['also-gone'] }));
    assert.deepEqual(reply, { success: false, message: 'link refers to config that does not exist: gone, also-gone (create it with config put first)' });
    assert.deepEqual(await stores.links.list(), []);
  });

  it('refuses a link naming a secret that is neither stored nor a reference config', async () => {
    const { call, stores } = setup();
    const reply = await call('link.put', link({ target_secrets: ['db-password'] }));
    assert.deepEqual(reply, {
      success: false,
      message: 'link refers to secrets that do not exist: db-password (store them with lattice secret put first)',
    });
    assert.deepEqual(await stores.links.list(), []);
  });

  it('stores a link whose config and secrets exist (a stored secret, a wadm reference) and events it', async () => {
    const { call, stores, events } = setup();
    await stores.config.put('kv-settings', { bucket: 'b' });
    await stores.secrets.put('db-password', 'hunter2');
    await stores.config.put('SECRET_app-token', { name: 'token', key: 'api-token' });
    const reply = await call('link.put', link({ target_config: ['kv-settings'], target_secrets: ['db-password', 'SECRET_app-token'] }));
    assert.deepEqual(reply, { success: true, message: '' });
    assert.deepEqual(
      (await stores.links.list()).map((l) => [l.source_id, l.target, l.target_secrets]),
      [['web', 'kv', ['db-password', 'SECRET_app-token']]],
    );
    assert.deepEqual((await call('link.get', undefined)).response, await stores.links.list());
    assert.deepEqual(
      events.map((e) => e.type),
      ['linkdef_set'],
    );
  });

  it('link.del removes every target of the named link and events each', async () => {
    const { call, stores, events } = setup();
    await stores.links.put(Link.parse(link()));
    await stores.links.put(Link.parse(link({ target: 'kv2' })));
    const del = { source_id: 'web', wit_namespace: 'wasi', wit_package: 'keyvalue' };
    assert.deepEqual(await call('link.del', del), { success: true, message: '' });
    assert.deepEqual(
      events.map((e) => [e.type, (e.data as { target: string }).target]),
      [
        ['linkdef_deleted', 'kv'],
        ['linkdef_deleted', 'kv2'],
      ],
    );
    assert.deepEqual(await call('link.del', del), { success: true, message: 'no link web wasi:keyvalue named "default"' });
  });
});
