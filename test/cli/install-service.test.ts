/**
 * `lattice host install-service`: the unit it prints and writes, the environment file's mode, and
 * systemd's own verdict on the unit (`systemd-analyze verify`, where systemd is installed).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAccount } from '@nats-io/nkeys';
import { DEFAULT_STOP_TIMEOUT_MS } from '../../host/options.js';
import { CLI_MAIN } from '../kit/hosts.js';
import { runCli } from './run-cli.js';

const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
const noSystemd = analyze.status === 0 ? false : 'systemd-analyze is not installed (apt-get install systemd)';

/** `systemd-analyze verify` exits 0 even when it ignores a line it cannot parse: its stderr is the verdict. */
function verify(unitPath: string): { status: number | null; stderr: string } {
  const r = spawnSync('systemd-analyze', ['verify', unitPath], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: r.stderr.trim() };
}

function directive(unit: string, key: string): string[] {
  return unit
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));
}

describe('lattice host install-service', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lattice-service-'));
    env = { HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), NATS_URL: undefined, LATTICE: undefined };
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('--dry-run prints a system unit: restart on failure, env file, memory accounting, stop timeout after the drain', async () => {
    const r = await runCli(['host', 'install-service', '--dry-run', '--label', 'zone=edge', '--label', 'site=the kitchen', '--max-memory', '256'], env);
    assert.equal(r.code, 0, r.stderr);
    const unit = r.stdout;
    assert.deepEqual(directive(unit, 'Restart'), ['on-failure']);
    assert.deepEqual(directive(unit, 'EnvironmentFile'), ['/etc/lattice/host.env']);
    assert.deepEqual(directive(unit, 'MemoryAccounting'), ['yes']);
    assert.deepEqual(directive(unit, 'MemoryHigh'), ['256M']);
    assert.deepEqual(directive(unit, 'DynamicUser'), ['yes']);
    assert.deepEqual(directive(unit, 'WantedBy'), ['multi-user.target']);
    // The host drains for --stop-timeout (default DEFAULT_STOP_TIMEOUT_MS) before systemd may kill it.
    assert.ok(Number(directive(unit, 'TimeoutStopSec')[0]) > DEFAULT_STOP_TIMEOUT_MS / 1000);
    assert.deepEqual(directive(unit, 'ExecStart'), [`${process.execPath} ${CLI_MAIN} host --label zone=edge --label "site=the kitchen" --max-memory 256`]);
    assert.match(r.stderr, /dry run: would write \/etc\/systemd\/system\/lattice-host\.service/);

    const longer = await runCli(['host', 'install-service', '--dry-run', '--stop-timeout', '45000'], env);
    assert.equal(Number(directive(longer.stdout, 'TimeoutStopSec')[0]), 55);
    assert.match(directive(longer.stdout, 'ExecStart')[0]!, / host --stop-timeout 45000$/);
  });

  it("forwards the host's trust, policy and registry flags into the unit; provider credentials only into the environment file", async () => {
    const issuer = createAccount().getPublicKey();
    const r = await runCli(
      [
        'host',
        'install-service',
        '--dry-run',
        '--trusted-issuers',
        issuer,
        '--policy-subject',
        'wasmbus.policy.edge',
        '--policy-timeout',
        '500',
        '--allow-insecure-registry',
        '127.0.0.1:5000',
        '--oci-cache-dir',
        'oci-cache',
        '--provider-creds',
        'provider.creds',
      ],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(directive(r.stdout, 'ExecStart'), [
      `${process.execPath} ${CLI_MAIN} host --trusted-issuers ${issuer} --policy-subject wasmbus.policy.edge --policy-timeout 500 ` +
        `--allow-insecure-registry 127.0.0.1:5000 --oci-cache-dir ${join(process.cwd(), 'oci-cache')}`,
    ]);
    assert.doesNotMatch(r.stdout, /provider\.creds/);
    assert.match(r.stderr, /with .*LATTICE_PROVIDER_CREDS/);
  });

  it('--user writes the unit and a 0600 environment file with the NATS settings, and prints the enable commands', async () => {
    const r = await runCli(['--nats-url', 'nats://10.1.2.3:4222', '--lattice', 'site1', 'host', 'install-service', '--user', '--label', 'zone=edge'], {
      ...env,
      LATTICE_JS_DOMAIN: 'hub',
    });
    assert.equal(r.code, 0, r.stderr);
    const unitPath = join(dir, 'config', 'systemd', 'user', 'lattice-host.service');
    const envPath = join(dir, 'config', 'lattice', 'host.env');
    const unit = await readFile(unitPath, 'utf8');
    assert.deepEqual(directive(unit, 'WantedBy'), ['default.target']);
    assert.deepEqual(directive(unit, 'EnvironmentFile'), [envPath]);
    assert.equal(directive(unit, 'DynamicUser').length, 0);
    assert.equal((await stat(envPath)).mode & 0o777, 0o600);
    const envText = await readFile(envPath, 'utf8');
    assert.match(envText, /^NATS_URL="nats:\/\/10\.1\.2\.3:4222"$/m);
    assert.match(envText, /^LATTICE="site1"$/m);
    assert.match(envText, /^LATTICE_JS_DOMAIN="hub"$/m);
    assert.match(r.stdout, /systemctl --user daemon-reload/);
    assert.match(r.stdout, /systemctl --user enable --now lattice-host/);

    // An existing environment file is kept, but not if others can read it.
    await chmod(envPath, 0o644);
    const open = await runCli(['host', 'install-service', '--user'], env);
    assert.equal(open.code, 1);
    assert.equal(open.stderr.trim().split('\n').length, 1, open.stderr);
    assert.match(open.stderr, /readable by others .*chmod 600/);
    await chmod(envPath, 0o600);
    const kept = await runCli(['host', 'install-service', '--user'], env);
    assert.equal(kept.code, 0, kept.stderr);
    assert.match(kept.stdout, /kept /);
    assert.equal(await readFile(envPath, 'utf8'), envText);
  });

  it('systemd-analyze verify accepts the system and the user unit without a warning', { skip: noSystemd }, async () => {
    const envFile = join(dir, 'verify.env');
    await writeFile(envFile, 'NATS_URL="nats://127.0.0.1:4222"\n', { mode: 0o600 });
    const system = await runCli(['host', 'install-service', '--dry-run', '--env-file', envFile, '--label', 'zone=edge', '--max-memory', '128', '--wadm'], env);
    assert.equal(system.code, 0, system.stderr);
    const systemPath = join(dir, 'lattice-host.service');
    await writeFile(systemPath, system.stdout);
    assert.deepEqual(verify(systemPath), { status: 0, stderr: '' });

    const userPath = join(dir, 'config', 'systemd', 'user', 'lattice-host.service');
    await runCli(['host', 'install-service', '--user'], env);
    assert.deepEqual(verify(userPath), { status: 0, stderr: '' });
  });

  it('refuses what systemd could not run, in one line with exit 2', async () => {
    for (const [args, pattern] of [
      [['--unit-name', 'bad name'], /--unit-name "bad name" is not a systemd unit name/],
      [['--user', '--run-as', 'lattice'], /--run-as is for system units/],
      [['--max-memory', 'lots'], /--max-memory must be a positive integer, got "lots"/],
      [['--label', 'zone'], /label "zone" is not of the form key=value/],
      [['--trusted-issuers', 'ABC'], /--trusted-issuers: "ABC" is not an account public key/],
      [['--policy-subject', 'wasmbus.policy.>'], /--policy-subject: policy subject token ">" is not a valid NATS subject token/],
    ] as Array<[string[], RegExp]>) {
      const r = await runCli(['host', 'install-service', '--dry-run', ...args], env);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, pattern);
    }
  });
});
