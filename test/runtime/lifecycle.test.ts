import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ComponentNotFoundError, GuestTrapError, InvocationTimeoutError, type ComponentRuntime } from '../../runtime/mod.js';
import { waitFor } from '../kit/wait.js';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { capturingLogger, fixture, fixtures, startRuntime, tempDir, text, type LogRecord } from './helpers.js';

describe('component lifecycle', { timeout: 120_000 }, () => {
  let runtime: ComponentRuntime;
  let dispose: () => Promise<void>;
  let records: LogRecord[];

  const serviceExits: Array<[string, string | null]> = [];

  before(async () => {
    const captured = capturingLogger();
    records = captured.records;
    ({ runtime, dispose } = await startRuntime({
      logger: captured.logger,
      onServiceExit: (componentId, error) => serviceExits.push([componentId, error]),
    }));
  });
  after(() => dispose());

  it('gives every invocation a fresh instance by default', async () => {
    await runtime.scale({ componentId: 'fresh', imageRef: await fixture('counter'), count: 1 });
    for (let i = 0; i < 4; i++) assert.equal(await runtime.invoke('fresh', 'lattice:fixtures/probe', 'run', []), 1);
  });

  it('reuses an instance when annotated, and a trap poisons only that instance', async () => {
    await runtime.scale({
      componentId: 'reuse',
      imageRef: await fixture('counter'),
      count: 1,
      annotations: { 'lattice.dev/instance-reuse': 'true' },
    });
    // Each worker keeps its own instance; collect per-worker sequences by running one at a time.
    const seen: number[] = [];
    let trapped = 0;
    for (let i = 0; i < 8; i++) {
      try {
        seen.push((await runtime.invoke('reuse', 'lattice:fixtures/probe', 'run', [])) as number);
      } catch (error) {
        assert.ok(error instanceof GuestTrapError);
        trapped++;
      }
    }
    assert.ok(seen.includes(2), `an instance served a second call: ${seen.join(',')}`);
    assert.ok(trapped >= 1, 'the third call on an instance traps');
    // After the trap the instance was discarded: the next count starts again at 1.
    assert.ok(seen.filter((n) => n === 1).length >= 2);
    assert.ok(seen.every((n) => n === 1 || n === 2));
  });

  it('scale to 0 stops the component', async () => {
    await runtime.scale({ componentId: 'short-lived', imageRef: await fixture('http-hello'), count: 2 });
    assert.equal(await runtime.scale({ componentId: 'short-lived', imageRef: await fixture('http-hello'), count: 0 }), null);
    const error = await runtime.handleHttp('short-lived', { method: 'GET', pathWithQuery: '/' }).catch((e: unknown) => e);
    assert.ok(error instanceof ComponentNotFoundError);
    assert.equal(runtime.get('short-lived'), null);
  });

  it('changes max_instances in place', async () => {
    const first = await runtime.scale({ componentId: 'resize', imageRef: await fixture('http-hello'), count: 1 });
    const second = await runtime.scale({ componentId: 'resize', imageRef: await fixture('http-hello'), count: 8 });
    assert.equal(second?.max_instances, 8);
    assert.equal(second?.revision, (first?.revision ?? 0) + 1);
  });

  it('updates the image in place without dropping requests', async () => {
    await runtime.scale({ componentId: 'rolling', imageRef: await fixture('http-hello'), count: 4 });
    let stop = false;
    let served = 0;
    const load = (async () => {
      while (!stop) {
        const responses = await Promise.all(Array.from({ length: 8 }, () => runtime.handleHttp('rolling', { method: 'GET', pathWithQuery: '/u' })));
        for (const r of responses) assert.equal(text(r.body), 'hello from a wat component: /u\n');
        served += responses.length;
      }
    })();
    await waitFor('requests flowing', () => served > 16);
    const updated = await runtime.update('rolling', await fixture('http-hello-0.2.4'));
    assert.ok(updated.imports.includes('wasi:http/types@0.2.4'));
    const before = served;
    await waitFor('requests on the new image', () => served > before + 16);
    stop = true;
    await load;
    assert.equal(runtime.get('rolling')?.image_ref, await fixture('http-hello-0.2.4'));
  });

  it('update reloads a rebuilt file at the same path', async () => {
    await using dir = await tempDir('lattice-rt-rebuild-');
    const path = join(dir.path, 'app.wasm');
    await copyFile(join(await fixtures(), 'http-hello.wasm'), path);
    const ref = pathToFileURL(path).href;
    const first = await runtime.scale({ componentId: 'rebuilt', imageRef: ref, count: 1 });
    assert.ok(first?.imports.includes('wasi:http/types@0.2.0'));
    await copyFile(join(await fixtures(), 'http-hello-0.2.4.wasm'), path);
    const second = await runtime.update('rebuilt', ref);
    assert.ok(second.imports.includes('wasi:http/types@0.2.4'));
    assert.notEqual(second.digest, first?.digest);
    assert.equal(text((await runtime.handleHttp('rebuilt', { method: 'GET', pathWithQuery: '/r' })).body), 'hello from a wat component: /r\n');
  });

  it('scales and serves a new component while a worker is stuck in a long invocation', async () => {
    await runtime.scale({ componentId: 'stuck', imageRef: await fixture('loop'), count: 1, annotations: { 'lattice.dev/deadline-ms': '4000' } });
    let loopSettled = false;
    const looping = runtime.invoke('stuck', 'lattice:fixtures/probe', 'run', []).then(
      () => assert.fail('the loop returned'),
      (error: unknown) => {
        loopSettled = true;
        return error;
      },
    );
    await runtime.scale({ componentId: 'newcomer', imageRef: await fixture('echo'), count: 1 });
    assert.equal(await runtime.invoke('newcomer', 'lattice:fixtures/echo', 'echo', ['in time']), 'in time');
    assert.equal(loopSettled, false, 'the new component was served while the loop still ran');
    assert.ok((await looping) instanceof InvocationTimeoutError);
  });

  it('starts a wasi:cli/run service when scaled, logs its stdout tagged, stops it at 0', async () => {
    const info = await runtime.scale({ componentId: 'service', imageRef: await fixture('service'), count: 1 });
    assert.equal(info?.kind, 'service');
    assert.equal(info?.service_state, 'running');
    await waitFor('service stdout in the host log', () =>
      records.some((r) => r.component_id === 'service' && r.stream === 'stdout' && r.msg === 'service started'),
    );
    assert.equal(await runtime.scale({ componentId: 'service', imageRef: await fixture('service'), count: 0 }), null);
    assert.equal(runtime.get('service'), null);
  });

  it('reports a service that fails on its own', async () => {
    const info = await runtime.scale({ componentId: 'crashy', imageRef: await fixture('service-crash'), count: 1 });
    assert.equal(info?.kind, 'service');
    const [, error] = await waitFor('the service exit report', () => serviceExits.find(([id]) => id === 'crashy'));
    assert.match(error ?? '', /wasm trap: .*unreachable/);
    assert.equal(runtime.get('crashy')?.service_state, 'failed');
    assert.ok(records.some((r) => r.component_id === 'crashy' && r.msg === 'service failing'));
    await runtime.scale({ componentId: 'crashy', imageRef: await fixture('service-crash'), count: 0 });
  });
});
