/**
 * Every command with its typical mistakes, run as a user runs them: the answer is exactly one line
 * on stderr that names the problem (and the fix), exit 2 when the command line is wrong and 1 when
 * a well-formed command failed. Against a real lattice (nats-server, a host without runtime, wadm).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Host } from '../../host/mod.js';
import { startWadm, type Wadm } from '../../wadm/mod.js';
import { CORE_ONLY, startTestHost, stopHosts } from '../kit/hosts.js';
import { NatsServer } from '../kit/nats-server.js';
import { freePort } from '../kit/ports.js';
import { TEST_SECRETS_KEY_ENV } from '../kit/secrets.js';
import { runCli } from './run-cli.js';

const USAGE = 2;
const FAILURE = 1;

/** [arguments (after --nats-url), exit code, what the one line must say]. `{host}`, `{dir}`, `{closed}` are filled in. */
type Row = [args: string[], code: number, line: RegExp];

const ROWS: Row[] = [
  // The program itself
  [[], USAGE, /`lattice` needs a command \(up, down, get, .*\); see `lattice --help`/],
  [['bogus'], USAGE, /unknown command 'bogus'; see `lattice --help`/],
  [['get', 'hosts', '--bogus'], USAGE, /unknown option '--bogus'; see `lattice get hosts --help`/],
  [['get', 'hosts', '-o', 'xml'], USAGE, /'xml' is invalid\. Allowed choices are table, json, yaml/],
  [['--timeout', 'soon', 'get', 'hosts'], USAGE, /--timeout must be a positive number of milliseconds, got "soon"/],
  [['--nats-url', 'nats://127.0.0.1:{closed}', 'get', 'hosts'], FAILURE, /cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+: .*start one with `lattice up`, or point --nats-url/],
  // up / down
  [['--nats-url', 'nats://127.0.0.1:{closed}', 'up', '--detach', '--data-dir', '{dir}/up'], FAILURE, /nats-server is not installed: `sudo apt-get install -y nats-server`/],
  [['down', '--force'], USAGE, /unknown option '--force'/],
  // get
  [['get'], USAGE, /`lattice get` needs a command \(hosts, inventory, links\)/],
  [['get', 'inventory', 'NAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'], FAILURE, /no responders on .*`lattice get hosts` lists the hosts that answer/],
  // config
  [['config', 'put', 'db', 'novalue'], USAGE, /argument "novalue" is not of the form key=value/],
  [['config', 'put'], USAGE, /missing required argument 'name'; see `lattice config put --help`/],
  [['config', 'put', 'bad name', 'a=b'], USAGE, /config name "bad name" is not a valid NATS subject token: leave out spaces/],
  [['config', 'get', 'nope'], FAILURE, /config nope does not exist \(`lattice config put nope KEY=VALUE` creates it\)/],
  // link
  [['link', 'put', 'app', 'kv', 'wasi', 'keyvalue', '--interface', 'Store'], USAGE, /interfaces\[0\]: "Store" must be a lower-case WIT identifier .*; fix --interface; several: --interface a,b or repeat --interface/],
  [['link', 'put', 'app', 'kv', 'wasi', 'keyvalue', '--interface', 'store,At'], USAGE, /interfaces\[1\]: "At" must be a lower-case WIT identifier/],
  [['link', 'put', 'app', 'kv', 'wasi', 'keyvalue'], USAGE, /required option '--interface <name>' not specified/],
  [['link', 'put', 'my app', 'kv', 'wasi', 'keyvalue', '--interface', 'store'], USAGE, /source_id: "my app" may contain only letters, digits, "-" and "_"; fix <source>/],
  [['link', 'put', 'app', 'kv', 'wasi', 'keyvalue', '--interface', 'store', '--target-config', 'nope'], FAILURE, /nope/],
  [['link', 'del', 'app', 'wasi'], USAGE, /missing required argument 'package'/],
  // label
  [['label', 'put', '{host}', 'tier'], USAGE, /label "tier" is not of the form key=value/],
  [['label', 'put', '{host}', 'hostcore.os=plan9'], FAILURE, /hostcore/],
  // host
  [['host', '--label', 'edge'], USAGE, /label "edge" is not of the form key=value/],
  [['host', '--heartbeat-interval', '0'], USAGE, /--heartbeat-interval must be a positive integer, got "0"/],
  [['--nats-url', 'nats://127.0.0.1:{closed}', 'host'], FAILURE, /cannot start the host \(NATS at nats:\/\/127\.0\.0\.1:\d+\): .*`lattice up`/],
  [['host', 'install-service', '--dry-run', '--unit-name', 'a b'], USAGE, /--unit-name "a b" is not a systemd unit name/],
  // scale / start / stop / update
  [['scale', 'component', 'hello'], USAGE, /required option '-c, --count <n>' not specified; see `lattice scale component --help`/],
  [['scale', 'component', 'hello', '--count', '1'], USAGE, /missing required argument 'image'/],
  [['scale', 'component', 'hello', 'hello.wasm', '--count=many'], USAGE, /--count must be a non-negative integer \(0 stops the component\), got "many"/],
  [['scale', 'component', 'hello', 'hello.wasm', '--count', '1', '--annotation', 'x'], USAGE, /annotation "x" is not of the form key=value/],
  [['scale', 'component', 'hello', 'hello.wasm', '--count', '1'], FAILURE, /no host bid to run component hello/],
  [['start', 'provider', 'http', 'wasmcloud+builtin://http-server', '--mode', 'thread'], USAGE, /'thread' is invalid\. Allowed choices are builtin, process/],
  [['stop', 'component', 'nope'], FAILURE, /component nope is not running on any host/],
  [['stop', 'host', '{host}', '--drain-timeout', 'soon'], USAGE, /--drain-timeout must be a positive number of milliseconds, got "soon"/],
  [['update', 'component', 'nope', 'hello.wasm'], FAILURE, /component nope is not running on any host/],
  // app (wadm)
  [['app'], USAGE, /`lattice app` needs a command \(validate, put, deploy/],
  [['app', 'deploy', '/missing.yaml'], FAILURE, /no such file: \/missing\.yaml \(looked for a manifest file because of the path/],
  [['app', 'deploy', 'nope'], FAILURE, /no stored application "nope" and no file nope here \(`lattice app list`/],
  [['app', 'deploy', '{dir}/app'], USAGE, /app is a directory: deploy its manifest, `lattice app deploy .*app\/wadm\.yaml`/],
  [['app', 'deploy', '{dir}/bad.yaml'], FAILURE, /bad\.yaml is not a manifest: /],
  [['app', 'deploy', '{dir}/app/wadm.yaml', '--wait-timeout', 'forever'], USAGE, /--wait-timeout must be a positive number of seconds, got "forever"/],
  [['app', 'validate', '{dir}/missing.yaml'], FAILURE, /cannot read .*missing\.yaml: no such file/],
  [['app', 'status', 'nope'], FAILURE, /application "nope" not found/],
  [['app', 'put', '{dir}/bad.yaml'], FAILURE, /bad\.yaml is not a manifest: /],
  // wadm / build / new / push / secret / inspect / completion
  [['wadm', '--kv-replicas', 'two'], USAGE, /--kv-replicas must be a positive integer, got "two"/],
  [['build', '{dir}/not-a-project'], FAILURE, /build failed at config: .*lattice\.json: cannot read the project file/],
  [['new', 'component', 'My_App', '--dir', '{dir}'], USAGE, /invalid component name "My_App": use lower-case words separated by dashes/],
  [['new', 'component', 'x', '--template', 'rust'], USAGE, /'rust' is invalid\. Allowed choices are http-hello, kv-counter, blobstore, messaging/],
  [['push', '{dir}/nope.wasm'], FAILURE, /cannot read .*nope\.wasm: no such file/],
  [['push', '{dir}/bad.yaml'], FAILURE, /bad\.yaml is not a component: /],
  [['secret', 'put', 'token'], USAGE, /give the value one way: VALUE, --from-file FILE, --from-env VAR or --stdin/],
  [['secret', 'put', 'bad name', 'v'], USAGE, /invalid secret name "bad name"/],
  [['secret', 'check', 'nope'], FAILURE, /secret nope does not exist/],
  [['inspect'], USAGE, /missing required argument 'file-or-image'/],
  [['inspect', '{dir}/nope.wasm'], FAILURE, /cannot read .*nope\.wasm: no such file/],
  [['inspect', 'ghcr.io/acme/hello:1.0'], FAILURE, /no such file \(registry images are not fetched; pull it to a file first\)/],
  [['completion', 'powershell'], USAGE, /'powershell' is invalid for argument 'shell'/],
];

describe('every CLI error is one line naming the fix, exit 1 for failures and 2 for usage', () => {
  let server: NatsServer;
  let host: Host;
  let wadm: Wadm;
  let dir: string;
  let closed: number;

  before(async () => {
    server = await NatsServer.start();
    host = await startTestHost(server.url, CORE_ONLY);
    wadm = await startWadm({ nc: host.nc, lattice: host.lattice });
    dir = await mkdtemp(join(tmpdir(), 'lattice-errors-'));
    closed = await freePort();
    await mkdir(join(dir, 'app'));
    await mkdir(join(dir, 'not-a-project'));
    await writeFile(join(dir, 'app', 'wadm.yaml'), 'apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: { name: x }\nspec: { components: [] }\n');
    await writeFile(join(dir, 'bad.yaml'), 'apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: { name: x, colour: red }\nspec: [\n');
  });

  after(async () => {
    await wadm?.stop();
    await stopHosts([host]);
    await server?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  const fill = (args: string[]) => args.map((a) => a.replace('{host}', host.id).replace('{dir}', dir).replace('{closed}', String(closed)));

  async function check([args, code, line]: Row): Promise<void> {
    const argv = fill(args);
    const full = argv.includes('--nats-url') ? argv : ['--nats-url', server.url, ...argv];
    const r = await runCli(full, { ...TEST_SECRETS_KEY_ENV, NATS_SERVER_BIN: 'nats-server-not-installed-here', LATTICE_DATA_DIR: dir }, 30_000);
    const shown = `lattice ${argv.join(' ')}\n${r.stderr}`;
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `one line expected:\n${shown}`);
    assert.match(lines[0]!, /^error: /, shown);
    assert.match(lines[0]!, line, shown);
    assert.equal(r.code, code, `exit code:\n${shown}`);
  }

  it('answers each typical mistake of each command', { timeout: 240_000 }, async () => {
    // A few at a time: each is a node process on a 2-core machine.
    const queue = [...ROWS];
    const failures: string[] = [];
    await Promise.all(
      Array.from({ length: 3 }, async () => {
        for (let row = queue.shift(); row; row = queue.shift()) {
          await check(row).catch((error: Error) => failures.push(error.message));
        }
      }),
    );
    assert.deepEqual(failures, []);
  });

  it('--verbose keeps the line first and adds the detail after it', async () => {
    const args = ['--nats-url', server.url, '--verbose', 'link', 'put', 'app', 'kv', 'wasi', 'keyvalue', '--interface', 'Store'];
    const r = await runCli(args);
    assert.equal(r.code, USAGE);
    const lines = r.stderr.trimEnd().split('\n');
    assert.match(lines[0]!, /^error: interfaces\[0\]: "Store" must be a lower-case WIT identifier/);
    assert.ok(lines.length > 1, r.stderr);
    assert.ok(lines.some((l) => /at .*link\.js/.test(l)), 'the stack is part of the detail');
  });

  it('accepts what wash users type: --interface a,b and -o yaml', async () => {
    const put = await runCli(['--nats-url', server.url, 'link', 'put', 'app', 'kv', 'wasi', 'keyvalue', '--interface', 'store,atomics', '-o', 'yaml']);
    assert.equal(put.code, 0, put.stderr);
    assert.match(put.stdout, /^interfaces:\n {2}- store\n {2}- atomics$/m);
    const links = await runCli(['--nats-url', server.url, 'get', 'links', '-o', 'yaml']);
    assert.match(links.stdout, /source_id: app/);
    assert.equal((await runCli(['--nats-url', server.url, 'link', 'del', 'app', 'wasi', 'keyvalue'])).code, 0);
  });
});
