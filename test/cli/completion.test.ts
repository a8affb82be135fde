/**
 * `lattice completion bash|zsh|fish`: each script is run by its shell (skipped with the reason
 * when that shell is not installed) and asked what it completes after typical words. zsh's
 * completion builtins only exist inside its completion system, so the zsh harness stands in for
 * _describe/compadd/_files and prints what they were given; compsys would filter by prefix.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { registerCommands } from '../../cli/commands/index.js';
import { runCli } from './run-cli.js';

function missing(shell: string): string | false {
  return spawnSync(shell, ['-c', 'exit 0']).status === 0 ? false : `${shell} is not installed (apt-get install ${shell})`;
}

function run(shell: string, script: string): string {
  const r = spawnSync(shell, ['-c', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, `${shell}: ${r.stderr}`);
  return r.stdout;
}

/** What a shell completes for each line of words (the last word is the one being completed). */
type Cases = Array<[words: string[], expected: string[], notExpected?: string[]]>;

const CASES: Cases = [
  [
    ['lattice', ''],
    ['up', 'host', 'app', 'inspect', 'completion', 'secret'],
  ],
  [['lattice', 'link', ''], ['put', 'del', 'get'], ['up']],
  [['lattice', '--nats-url', 'nats://h:4222', 'link', 'delete', '--'], ['--name', '--target', '--nats-url'], ['--interface']],
  [
    ['lattice', 'link', 'put', 'a', 'b', 'wasi', 'keyvalue', '--'],
    ['--interface', '--source-config', '--output'],
  ],
  [
    ['lattice', 'get', 'hosts', '-o', ''],
    ['table', 'json', 'yaml'],
  ],
  [
    ['lattice', 'new', 'component', 'x', '--template', ''],
    ['http-hello', 'kv-counter'],
  ],
  [['lattice', 'host', ''], ['install-service']],
  [
    ['lattice', 'host', 'install-service', '--'],
    ['--user', '--env-file', '--dry-run'],
  ],
  [['lattice', 'completion', ''], []],
  // Issue 13's commands and flags
  [
    ['lattice', ''],
    ['claims', 'keys', 'registry', 'ctx', 'secure', 'push'],
  ],
  [['lattice', 'claims', ''], ['sign', 'inspect'], ['up']],
  [
    ['lattice', 'claims', 'sign', 'x.wasm', '--'],
    ['--issuer', '--subject', '--destination', '--context'],
  ],
  [
    ['lattice', 'ctx', ''],
    ['add', 'use', 'list', 'del'],
  ],
  [
    ['lattice', 'registry', ''],
    ['login', 'logout', 'list'],
  ],
  [
    ['lattice', 'secure', ''],
    ['add-host', 'remove-host', 'hosts'],
  ],
  [
    ['lattice', 'host', '--'],
    ['--trusted-issuers', '--policy-subject', '--allow-insecure-registry'],
  ],
  [
    ['lattice', 'up', '--'],
    ['--secure', '--detach'],
  ],
  [
    ['lattice', 'push', 'oci://r/x:1', 'x.wasm', '--'],
    ['--insecure', '--annotation'],
  ],
  [
    ['lattice', 'inspect', 'ghcr.io/a/b:1', '--'],
    ['--insecure', '--wit'],
  ],
  [
    ['lattice', '--context', 'prod', 'claims', ''],
    ['sign', 'inspect'],
  ],
];

describe('lattice completion', () => {
  let dir: string;
  const scripts: Record<string, string> = {};

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lattice-completion-'));
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = await runCli(['completion', shell]);
      assert.equal(r.code, 0, r.stderr);
      scripts[shell] = join(dir, `lattice.${shell}`);
      await writeFile(scripts[shell]!, r.stdout);
    }
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('covers every command of the program, aliases included', async () => {
    const program = new Command('lattice');
    await registerCommands(program);
    const bash = (await runCli(['completion', 'bash'])).stdout;
    const walk = (cmd: Command, path: string[]): void => {
      for (const sub of cmd.commands) {
        for (const word of [sub.name(), ...sub.aliases()]) assert.ok(bash.includes(`"${path.join(' ')}/${word}"`), `${[...path, word].join(' ')} missing`);
        walk(sub, [...path, sub.name()]);
      }
    };
    walk(program, []);
    const wrong = await runCli(['completion', 'powershell']);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /'powershell' is invalid for argument 'shell'\. Allowed choices are bash, zsh, fish/);
  });

  it('bash: completes commands, options, choices and files', { skip: missing('bash') }, () => {
    for (const [words, expected, absent = []] of CASES) {
      const out = run(
        'bash',
        `source ${scripts.bash}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _lattice; printf '%s\\n' "\${COMPREPLY[@]}"`,
      );
      const got = out.split('\n').filter(Boolean);
      for (const e of expected) assert.ok(got.includes(e), `bash [${words.join(' ')}] should offer ${e}: ${got.join(' ')}`);
      for (const a of absent) assert.ok(!got.includes(a), `bash [${words.join(' ')}] should not offer ${a}`);
    }
    const files = run(
      'bash',
      `cd ${dir}; source ${scripts.bash}; COMP_WORDS=(lattice inspect lattice.ba); COMP_CWORD=2; _lattice; printf '%s\\n' "\${COMPREPLY[@]}"`,
    );
    assert.deepEqual(files.split('\n').filter(Boolean), ['lattice.bash']);
  });

  it('zsh: the script parses and offers the same words', { skip: missing('zsh') }, () => {
    run('zsh', `zsh -n ${scripts.zsh}`);
    const harness = [
      'compdef() { :; }',
      `source ${scripts.zsh}`,
      '_describe() { local n; for n in "${@[4,-1]}"; do [[ $n == -- ]] && continue; print -l -- "${(@)${(@P)n}%%:*}"; done }',
      'compadd() { [[ $1 == -- ]] && shift; print -l -- "$@" }',
      "_files() { print -- '<files>' }",
      "_message() { print -- '<value>' }",
    ].join('\n');
    for (const [words, expected, absent = []] of CASES) {
      const got = run('zsh', `${harness}\nwords=(${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length}; PREFIX='${words.at(-1)}'; _lattice`)
        .split('\n')
        .filter(Boolean);
      for (const e of expected) assert.ok(got.includes(e), `zsh [${words.join(' ')}] should offer ${e}: ${got.join(' ')}`);
      for (const a of absent) assert.ok(!got.includes(a), `zsh [${words.join(' ')}] should not offer ${a}`);
    }
    const deploy = run('zsh', `${harness}\nwords=(lattice app deploy ''); CURRENT=4; PREFIX=''; _lattice`);
    assert.equal(deploy.trim(), '<files>');
  });

  it('fish: complete -C offers the same words', { skip: missing('fish') }, () => {
    for (const [words, expected, absent = []] of CASES) {
      const line = words.map((w) => w.replace(/'/g, '')).join(' ');
      const got = run('fish', `source ${scripts.fish}; complete -C '${line}'`)
        .split('\n')
        .map((l) => l.split('\t')[0]!)
        .filter(Boolean);
      const offered = (e: string) => got.includes(e) || (e.startsWith('--') && got.includes(e));
      for (const e of expected) assert.ok(offered(e), `fish [${line}] should offer ${e}: ${got.join(' ')}`);
      for (const a of absent) assert.ok(!got.includes(a), `fish [${line}] should not offer ${a}`);
    }
  });
});
