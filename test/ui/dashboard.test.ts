import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createWadmClient } from '../../protocol/wadm-client.js';
import { CLI_MAIN, launchHostProcess, type HostProcess } from '../kit/hosts.js';
import { NatsServer } from '../kit/nats-server.js';
import { freePort } from '../kit/ports.js';
import { waitFor } from '../kit/wait.js';
import { fixture } from '../runtime/helpers.js';

/** Debian's chromium (`.ci/run` installs it); driven by playwright-core, never a downloaded browser. */
const CHROMIUM = process.env.LATTICE_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
/** Set to a directory (docs/images) to save screenshots of the main views while the test runs. */
const SHOTS = process.env.LATTICE_SCREENSHOTS ? resolve(process.env.LATTICE_SCREENSHOTS) : null;

describe('web dashboard in headless Chromium', { skip: existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM} (apt-get install chromium)` }, () => {
  let server: NatsServer;
  let nc: NatsConnection;
  const hosts: HostProcess[] = [];
  let ui: ChildProcess;
  let url = '';
  let browser: Browser;
  let page: Page;

  const spawnHost = (name: string, extra: string[] = []) =>
    launchHostProcess({
      command: process.execPath,
      args: [CLI_MAIN, '--nats-url', server.url, 'host', '--name', name, '--label', `zone=${name}`, ...extra],
      baseEnv: process.env,
      lattice: 'default',
    });

  const shot = async (name: string) => {
    if (!SHOTS) return;
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, `dashboard-${name}.png`) });
  };

  before(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
    hosts.push(...(await Promise.all([spawnHost('alpha', ['--wadm']), spawnHost('beta'), spawnHost('gamma')])));
    const port = await freePort();
    ui = spawn(process.execPath, [CLI_MAIN, '--nats-url', server.url, 'ui', '--address', `127.0.0.1:${port}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_TEST_CONTEXT: undefined, LATTICE_LOG: 'warn' },
    });
    url = await new Promise<string>((resolveUrl, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`lattice ui did not start: ${out}`)), 20_000);
      ui.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /at (http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolveUrl(m[1]!);
        }
      });
      ui.once('exit', (code) => reject(new Error(`lattice ui exited (${code}): ${out}`)));
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
    page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
  });

  after(async () => {
    await browser?.close();
    ui?.kill('SIGTERM');
    await Promise.all(hosts.map((h) => h.dispose()));
    await nc?.close();
    await server?.dispose();
  });

  it('shows three hosts, a deploy without reload, links and a killed host turning stale', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await waitFor('three host cards', async () => (await page.locator('[data-host]').count()) === 3, { timeoutMs: 20_000, intervalMs: 100 });
    for (const h of hosts) {
      const card = page.locator(`[data-host="${h.hostId}"]`);
      assert.equal(await card.getAttribute('data-stale'), 'false');
      assert.match(await card.innerText(), new RegExp(`${h.friendlyName}[\\s\\S]*zone=${h.friendlyName}`));
      assert.match(await card.locator('.heartbeat').innerText(), /just now|\d+ s ago/);
    }

    // A deploy through wadm appears on the open page: no reload.
    const port = await freePort();
    const wadm = createWadmClient(nc, 'default', { timeoutMs: 10_000 });
    const manifest = {
      apiVersion: 'core.oam.dev/v1beta1',
      kind: 'Application',
      metadata: { name: 'hello', annotations: { version: 'v1', description: 'hello from the dashboard test' } },
      spec: {
        components: [
          {
            name: 'hello',
            type: 'component',
            properties: { image: await fixture('http-hello') },
            traits: [{ type: 'spreadscaler', properties: { instances: 1, spread: [{ name: 'beta', requirements: { zone: 'beta' } }] } }],
          },
          {
            name: 'http',
            type: 'capability',
            properties: { image: 'wasmcloud+builtin://http-server' },
            traits: [
              { type: 'spreadscaler', properties: { instances: 1, spread: [{ name: 'alpha', requirements: { zone: 'alpha' } }] } },
              {
                type: 'link',
                properties: {
                  target: { name: 'hello' },
                  namespace: 'wasi',
                  package: 'http',
                  interfaces: ['incoming-handler'],
                  source: { config: [{ name: 'hello-http', properties: { address: `127.0.0.1:${port}` } }] },
                },
              },
            ],
          },
        ],
      },
    };
    const put = await waitFor('wadm to accept the manifest', () => wadm.put(manifest).catch(() => null), { timeoutMs: 20_000 });
    assert.ok(put.accepted, JSON.stringify(put.problems));
    assert.ok((await wadm.deploy('hello')).accepted);
    const beta = hosts.find((h) => h.friendlyName === 'beta')!;
    await page.locator(`[data-host="${beta.hostId}"] [data-component="hello-hello"]`).waitFor({ timeout: 30_000 });
    await shot('hosts');

    await page.click('[data-view="apps"]');
    await page.locator('[data-app="hello"][data-state="deployed"]').waitFor({ timeout: 30_000 });
    assert.match(await page.locator('[data-app="hello"]').innerText(), /v1[\s\S]*deployed/);
    await shot('apps');

    await page.click('[data-view="links"]');
    await page.locator('svg.graph [data-node="hello-hello"]').waitFor({ timeout: 10_000 });
    await page.locator('svg.graph [data-link="hello-http->hello-hello"]').waitFor({ timeout: 10_000 });
    await shot('links');

    await page.click('[data-view="events"]');
    await page.locator('[data-event="component_scaled"]').first().waitFor({ timeout: 10_000 });
    await shot('events');

    // The spy view shows calls as they happen.
    await page.click('[data-view="spy"]');
    await page.fill('input[name="target"]', 'hello-hello');
    await page.click('button[type="submit"]');
    await waitFor(
      'a spied call',
      async () => {
        await fetch(`http://127.0.0.1:${port}/spied`).catch(() => null);
        return (await page.locator('[data-call="handle"]').count()) > 0;
      },
      { timeoutMs: 20_000, intervalMs: 300 },
    );
    assert.match(await page.locator('[data-call="handle"]').first().innerText(), /hello-http → hello-hello[\s\S]*\/spied/);
    await shot('spy');

    // A host killed without a word (no host_stopped) turns stale on the page.
    await page.click('[data-view="hosts"]');
    const gamma = hosts.find((h) => h.friendlyName === 'gamma')!;
    gamma.kill('SIGKILL');
    await page.locator(`[data-host="${gamma.hostId}"][data-stale="true"]`).waitFor({ timeout: 15_000 });
    assert.match(await page.locator(`[data-host="${gamma.hostId}"] .badge`).innerText(), /stale/);
    assert.equal(await page.locator(`[data-host="${beta.hostId}"]`).getAttribute('data-stale'), 'false');
    assert.deepEqual(errors, []);
  });
});
