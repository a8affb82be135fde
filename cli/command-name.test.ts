import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { commandFor, commandName, VALUE_OPTIONS } from './command-name.js';

describe('command name before parsing', () => {
  it('skips the value of every root option, --context included', () => {
    for (const flag of VALUE_OPTIONS) assert.equal(commandName(['node', 'lattice', flag, 'x', 'host', '--label', 'a=b']), 'host', flag);
    assert.equal(commandName(['node', 'lattice', '--verbose', 'get', 'hosts']), 'get');
    const program = new Command('lattice');
    program.command('link').command('put');
    assert.equal(commandFor(program, ['node', 'lattice', '--context', 'prod', 'link', 'put', 'a']).path, 'lattice link put');
  });

  it('knows every root option main.ts declares with a value', () => {
    // main.ts builds the program inside main() (nothing runs on import), so its source is read.
    const main = readFileSync(new URL('../../cli/main.ts', import.meta.url), 'utf8');
    const declared = [...main.matchAll(/\.(?:option|addOption)\((?:new Option\()?'((?:-\w, )?--[\w-]+) <[^>]+>'/g)].flatMap((m) => m[1]!.split(', '));
    assert.ok(declared.length >= 13, declared.join(' '));
    for (const flag of declared) assert.ok(VALUE_OPTIONS.has(flag), `${flag} takes a value but cli/command-name.ts does not skip it`);
  });
});
