import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WitError, type HttpRequest } from '../../runtime/mod.js';
import { fixture, startRuntime } from './helpers.js';

describe('wasi:http/outgoing-handler', { timeout: 60_000 }, () => {
  it('hands the guest request to the import handler as data and returns its response', async () => {
    const seen: Array<{ iface: string; fn: string; request: HttpRequest & { url: string } }> = [];
    let refuse = false;
    const { runtime, dispose } = await startRuntime({
      importHandler: async (_id, iface, fn, args) => {
        seen.push({ iface, fn, request: args[0] as HttpRequest & { url: string } });
        if (refuse) throw new WitError({ tag: 'connection-refused' });
        return { status: 418, headers: [['content-type', 'text/plain']], body: new TextEncoder().encode('teapot') };
      },
    });
    try {
      await runtime.scale({ componentId: 'client', imageRef: await fixture('http-client'), count: 1 });
      assert.equal(await runtime.invoke('client', 'lattice:fixtures/probe', 'run', []), 418);
      assert.equal(seen[0]?.iface, 'wasi:http/outgoing-handler@0.2.0');
      assert.equal(seen[0]?.fn, 'handle');
      assert.equal(seen[0]?.request.url, 'http://example.test/weather?city=Oslo');
      assert.equal(seen[0]?.request.method, 'GET');
      // A WIT error-code from the handler reaches the guest as err(error-code):
      // 1100 + 6, the index of connection-refused.
      refuse = true;
      assert.equal(await runtime.invoke('client', 'lattice:fixtures/probe', 'run', []), 1106);
    } finally {
      await dispose();
    }
  });
});
