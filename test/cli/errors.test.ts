/**
 * Every command with its typical mistakes, run as a user runs them: the answer is exactly one line
 * on stderr that names the problem (and the fix), exit 2 when the command line is wrong and 1 when
 * a well-formed command failed. Against a real lattice (nats-server, a host without runtime, wadm).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createAccount, createUser } from '@nats-io/nkeys';
import { createModuleKey } from '../../lib/module-keys.js';
import { signComponent } from '../../lib/wascap.js';
import { withCustomSection } from '../kit/custom-section.js';
import { fixture } from '../runtime/helpers.js';
import type { Host } from '../../host/mod.js';
import { startWadm, type Wadm } from '../../wadm/mod.js';
import { CORE_ONLY, startTestHost, stopHosts } from '../kit/hosts.js';
import { NatsServer } from '../kit/nats-server.js';
import { freePort } from '../kit/ports.js';
import { TEST_SECRETS_KEY_ENV } from '../kit/secrets.js';
import { runCli } from './run-cli.js';

const USAGE = 2;
const FAILURE = 1;

/**
 * [arguments (after --nats-url), exit code, what the one line must say]. Filled in: `{host}` (a
 * core-only host), `{runner}` (a host that runs components), `{dir}`, `{closed}` (a free port
 * nothing listens on), `{component}` (an unsigned component), `{account}` and `{user}` (nkey seeds).
 */
type Row = [args: string[], code: number, line: RegExp];

const ROWS: Row[] = [
  // The program itself
  [[], USAGE, /`lattice` needs a command \(up, down, get, .*\); see `lattice --help`/],
  [['bogus'], USAGE, /unknown command 'bogus'; see `lattice --help`/],
  [['get', 'hosts', '--bogus'], USAGE, /unknown option '--bogus'; see `lattice get hosts --help`/],
  [['get', 'hosts', '-o', 'xml'], USAGE, /'xml' is invalid\. Allowed choices are table, json, yaml/],
  [['--timeout', 'soon', 'get', 'hosts'], USAGE, /--timeout must be a positive number of milliseconds, got "soon"/],
  [
    ['--nats-url', 'nats://127.0.0.1:{closed}', 'get', 'hosts'],
    FAILURE,
    /cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+: .*start one with `lattice up`, or point --nats-url/,
  ],
  // up / down
  [
    ['--nats-url', 'nats://127.0.0.1:{closed}', 'up', '--detach', '--data-dir', '{dir}/up'],
    FAILURE,
    /nats-server is not installed: `sudo apt-get install -y nats-server`/,
  ],
  [['down', '--force'], USAGE, /unknown option '--force'/],
  // get
  [['get'], USAGE, /`lattice get` needs a command \(hosts, inventory, links\)/],
  [
    ['get', 'inventory', 'NAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    FAILURE,
    /no responders on .*`lattice get hosts` lists the hosts that answer/,
  ],
  // config
  [['config', 'put', 'db', 'novalue'], USAGE, /argument "novalue" is not of the form key=value/],
  [['config', 'put'], USAGE, /missing required argument 'name'; see `lattice config put --help`/],
  [['config', 'put', 'bad name', 'a=b'], USAGE, /config name "bad name" is not a valid NATS subject token: leave out spaces/],
  [['config', 'get', 'nope'], FAILURE, /config nope does not exist \(`lattice config put nope KEY=VALUE` creates it\)/],
  // link
  [
    ['link', 'put', 'app', 'kv', 'wasi', 'keyvalue', '--interface', 'Store'],
    USAGE,
    /interfaces\[0\]: "Store" must be a lower-case WIT identifier .*; fix --interface; several: --interface a,b or repeat --interface/,
  ],
  [['link', 'put', 'app', 'kv', 'wasi', 'keyvalue', '--interface', 'store,At'], USAGE, /interfaces\[1\]: "At" must be a lower-case WIT identifier/],
  [['link', 'put', 'app', 'kv', 'wasi', 'keyvalue'], USAGE, /required option '--interface <name>' not specified/],
  [
    ['link', 'put', 'my app', 'kv', 'wasi', 'keyvalue', '--interface', 'store'],
    USAGE,
    /source_id: "my app" may contain only letters, digits, "-" and "_"; fix <source>/,
  ],
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
  [
    ['scale', 'component', 'hello', 'hello.wasm', '--count', '1', '--constraint', 'zone=nowhere'],
    FAILURE,
    /no host matching zone=nowhere bid to run component hello/,
  ],
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
  [['secret', 'put', 'token', '--from-file', '{dir}/nope.txt'], FAILURE, /cannot read .*nope\.txt: no such file/],
  [['secret', 'check', 'nope'], FAILURE, /secret nope does not exist/],
  [['inspect'], USAGE, /missing required argument 'file-or-image'/],
  [['inspect', '{dir}/nope.wasm'], FAILURE, /cannot read .*nope\.wasm: no such file/],
  [['inspect', 'ftp://example.org/x.wasm'], USAGE, /lattice inspect reads files, file:\/\/, nats:\/\/ and registry images/],
  [
    ['inspect', '127.0.0.1:{closed}/acme/hello:1.0'],
    FAILURE,
    /pull of 127\.0\.0\.1:\d+\/acme\/hello:1\.0 failed: registry 127\.0\.0\.1:\d+ cannot be reached at https:\/\/127\.0\.0\.1:\d+: ECONNREFUSED \(HTTPS; a plain-HTTP registry must be allowed as insecure: LATTICE_INSECURE_REGISTRIES=127\.0\.0\.1:\d+/,
  ],
  [
    ['inspect', '127.0.0.1:{closed}/acme/hello:1.0', '--insecure'],
    FAILURE,
    /cannot be reached at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED \(is the registry running, and is this its address\?\)/,
  ],
  [
    ['inspect', 'ghcr.io/Acme/hello:1.0'],
    USAGE,
    /invalid OCI reference "ghcr\.io\/Acme\/hello:1\.0": repository .* \(the form is \[oci:\/\/\]REGISTRY\/REPO:TAG/,
  ],
  [['completion', 'powershell'], USAGE, /'powershell' is invalid for argument 'shell'/],
  // Registry images: push oci://, scale / start / update with a registry reference
  [['push', 'oci://127.0.0.1:{closed}/acme/hello:1'], USAGE, /give the component after the target: lattice push oci:\/\/127\.0\.0\.1:\d+\/acme\/hello:1 FILE/],
  [['push', 'oci://ghcr.io/Acme/hello:1', '{component}'], USAGE, /invalid OCI reference "oci:\/\/ghcr\.io\/Acme\/hello:1": .*\(the form is/],
  [['push', '{dir}/a.wasm', '{dir}/b.wasm'], USAGE, /two arguments push to a registry, and its target starts with oci:\/\//],
  [['push', 'oci://127.0.0.1:{closed}/acme/hello:1', '{component}', '--annotation', 'x'], USAGE, /annotation "x" is not of the form key=value/],
  [['push', 'oci://127.0.0.1:{closed}/acme/hello:1', '{dir}/nope.wasm'], FAILURE, /cannot read .*nope\.wasm: no such file/],
  [
    ['push', 'oci://127.0.0.1:{closed}/acme/hello:1', '{component}'],
    FAILURE,
    /push to 127\.0\.0\.1:\d+\/acme\/hello:1 failed: registry .* ECONNREFUSED \(HTTPS; a plain-HTTP registry must be allowed as insecure: .*--insecure on push/,
  ],
  [['scale', 'component', 'hello', 'ghcr.io/Acme/hello:1', '--count', '1'], USAGE, /invalid OCI reference "ghcr\.io\/Acme\/hello:1"/],
  [['scale', 'component', 'hello', 'ghcr.io/acme/hello@sha256:abc', '--count', '1'], USAGE, /a pinned digest must be sha256:<64 lowercase hex digits>/],
  [
    ['scale', 'component', 'hello', '127.0.0.1:{closed}/acme/hello:1', '--count', '1', '--host', '{runner}'],
    FAILURE,
    /scale of hello failed: cannot load image 127\.0\.0\.1:\d+\/acme\/hello:1: registry .* ECONNREFUSED \(HTTPS; .*--allow-insecure-registry 127\.0\.0\.1:\d+ on the host/,
  ],
  [['start', 'provider', 'p', 'ghcr.io/Acme/p:1'], USAGE, /invalid OCI reference "ghcr\.io\/Acme\/p:1"/],
  [['update', 'component', 'hello', 'oci://ghcr.io/acme/hello:-bad'], USAGE, /tag "-bad" must be letters, digits/],
  // Signed components
  [['claims'], USAGE, /`lattice claims` needs a command \(sign, inspect\)/],
  [['claims', 'sign', '{component}'], USAGE, /required option '--issuer <seed-or-file>' not specified; see `lattice claims sign --help`/],
  [
    ['claims', 'sign', '{component}', '--issuer', '{user}'],
    USAGE,
    /--issuer must be a seed starting with SA \(got SU\.\.\.\); `lattice keys gen account` makes one/,
  ],
  [['claims', 'sign', '{component}', '--issuer', 'SAbogus'], USAGE, /--issuer is not a valid nkey seed: .*`lattice keys gen KIND` makes one/],
  [['claims', 'sign', '{component}', '--issuer', '{dir}/no-seed.nk'], FAILURE, /--issuer: .*no-seed\.nk is neither a seed nor a readable file/],
  [['claims', 'sign', '{component}', '--issuer', '{account}', '--rev', 'two'], USAGE, /--rev must be an integer, got "two"/],
  [
    ['claims', 'sign', '{component}', '--issuer', '{account}', '--expires-in-days', 'soon'],
    USAGE,
    /--expires-in-days must be a non-negative number of days, got "soon"/,
  ],
  [['claims', 'sign', '{component}', '--issuer', '{account}', '--subject', 'MBOGUS'], USAGE, /--subject: .*\(give a module key, M\.\.\. or SM\.\.\./],
  [['claims', 'sign', '{dir}/nope.wasm', '--issuer', '{account}'], FAILURE, /cannot read .*nope\.wasm: no such file/],
  [
    ['claims', 'sign', '{dir}/bad.yaml', '--issuer', '{account}'],
    FAILURE,
    /cannot sign .*bad\.yaml: not a WebAssembly binary .*\(give a component or core module \.wasm\)/,
  ],
  [['claims', 'inspect'], USAGE, /missing required argument 'file'/],
  [['claims', 'inspect', '{component}'], FAILURE, /carries no claims \(not signed; sign it with lattice claims sign\)/],
  [
    ['claims', 'inspect', '{dir}/altered.wasm'],
    FAILURE,
    /altered\.wasm: the bytes were changed after signing \(module hash [0-9A-F]{64}, signed [0-9A-F]{64}\)/,
  ],
  [['keys', 'gen'], USAGE, /missing required argument 'kind'/],
  [['keys', 'gen', 'admin'], USAGE, /'admin' is invalid for argument 'kind'\. Allowed choices are account, user, server, operator, module/],
  // Registry logins, contexts, secured lattices
  [['registry'], USAGE, /`lattice registry` needs a command \(login, logout, list\)/],
  [['registry', 'login', 'ghcr.io'], USAGE, /required option '-u, --username <user>' not specified/],
  [['registry', 'login', 'ghcr.io/acme', '-u', 'me', '-p', 'x'], USAGE, /"ghcr\.io\/acme" is not a registry host\[:port\] \(give the registry alone/],
  [['registry', 'login', 'ghcr.io', '-u', 'me'], USAGE, /give the password with --password-stdin \(or --password\)/],
  [['registry', 'logout', 'ghcr.io'], FAILURE, /no stored credentials for ghcr\.io \(stored: none; `lattice registry list`\)/],
  [['ctx'], USAGE, /`lattice ctx` needs a command \(add, use, list, del\)/],
  [['ctx', 'add', 'prod env'], USAGE, /context name "prod env" may contain only letters, digits/],
  [['ctx', 'use', 'prod'], FAILURE, /no context named "prod" \(known: none; `lattice ctx add prod` saves the current flags as one\)/],
  [['ctx', 'del', 'prod'], FAILURE, /no context named "prod" \(known: none;/],
  [['--context', 'prod', 'get', 'hosts'], FAILURE, /no context named "prod" \(from --context; known: none; `lattice ctx list` shows them\)/],
  [['--context', 'prod', 'get', 'hosts', '--bogus'], USAGE, /unknown option '--bogus'; see `lattice get hosts --help`/],
  [['secure'], USAGE, /`lattice secure` needs a command \(add-host, remove-host, hosts\)/],
  [['secure', 'add-host', 'edge 1'], USAGE, /host name "edge 1" may contain only letters, digits, '-' and '_'/],
  [['secure', 'add-host', 'edge1'], FAILURE, /no secured lattice in .* \(run lattice up --secure first\)/],
  [['secure', 'remove-host', 'edge1', '--data-dir', '{dir}/elsewhere'], FAILURE, /no secured lattice in .*elsewhere \(run lattice up --secure first\)/],
  [
    ['--nats-url', 'nats://10.0.0.1:4222', 'up', '--secure', '--data-dir', '{dir}/up-secure'],
    FAILURE,
    /--secure starts a local NATS server; nats:\/\/10\.0\.0\.1:4222 is not local \(leave out --nats-url/,
  ],
  [
    ['up', '--secure', '--data-dir', '{dir}/up-secure'],
    FAILURE,
    /something already listens at nats:\/\/127\.0\.0\.1:\d+; --secure starts its own NATS server \(stop that one, or give another --nats-url\)/,
  ],
  [
    ['--nats-url', 'nats://127.0.0.1:{closed}', 'up', '--secure', '--detach', '--data-dir', '{dir}/up-secure'],
    FAILURE,
    /nats-server is not installed: `sudo apt-get install -y nats-server`/,
  ],
  // Trust and policy flags of a host
  [['host', '--trusted-issuers', 'ABC'], USAGE, /--trusted-issuers: "ABC" is not an account public key \(A\.\.\., 56 characters; comma-separated/],
  [
    ['host', '--policy-subject', 'wasmbus.policy.*'],
    USAGE,
    /--policy-subject: policy subject token "\*" is not a valid NATS subject token \(a NATS subject without wildcards/,
  ],
  [['host', '--policy-timeout', 'soon'], USAGE, /--policy-timeout must be a positive integer, got "soon"/],
];

describe('every CLI error is one line naming the fix, exit 1 for failures and 2 for usage', () => {
  let server: NatsServer;
  let host: Host;
  let runner: Host;
  let component: string;
  const account = new TextDecoder().decode(createAccount().getSeed());
  const user = new TextDecoder().decode(createUser().getSeed());
  let wadm: Wadm;
  let dir: string;
  let closed: number;

  before(async () => {
    server = await NatsServer.start();
    dir = await mkdtemp(join(tmpdir(), 'lattice-errors-'));
    host = await startTestHost(server.url, CORE_ONLY);
    // Its pulls go to a cache of this test, with no credentials of the machine's user.
    runner = await startTestHost(server.url, { providers: false, oci: { cacheDir: join(dir, 'oci-cache'), credentials: async () => null } });
    wadm = await startWadm({ nc: host.nc, lattice: host.lattice });
    closed = await freePort();
    await mkdir(join(dir, 'app'));
    await mkdir(join(dir, 'not-a-project'));
    await writeFile(join(dir, 'app', 'wadm.yaml'), 'apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: { name: x }\nspec: { components: [] }\n');
    component = fileURLToPath(await fixture('http-hello'));
    // Signed, then changed: a section added after signing is outside the signed hash.
    const signed = signComponent(new Uint8Array(await readFile(component)), { issuer: createAccount(), subject: createModuleKey().publicKey });
    await writeFile(join(dir, 'altered.wasm'), withCustomSection(signed.bytes, 'note', new TextEncoder().encode('later')));
    await writeFile(join(dir, 'bad.yaml'), 'apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: { name: x, colour: red }\nspec: [\n');
  });

  after(async () => {
    await wadm?.stop();
    await stopHosts([host, runner].filter(Boolean));
    await server?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  const fill = (args: string[]) =>
    args.map((a) =>
      a
        .replace('{host}', host.id)
        .replace('{runner}', runner.id)
        .replace('{dir}', dir)
        .replace('{closed}', String(closed))
        .replace('{component}', component)
        .replace('{account}', account)
        .replace('{user}', user),
    );

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

  it('answers each typical mistake of each command', { timeout: 360_000 }, async () => {
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
    assert.ok(
      lines.some((l) => /at .*link\.js/.test(l)),
      'the stack is part of the detail',
    );
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
