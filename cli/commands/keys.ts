import { Argument, type Command } from 'commander';
import { createAccount, createOperator, createServer, createUser, type KeyPair } from '@nats-io/nkeys';
import { createModuleKey } from '../../lib/module-keys.js';
import { globalOptions } from '../context.js';
import { emit } from '../output.js';

const KINDS: Record<string, () => { publicKey: string; seed: string }> = {
  account: () => pair(createAccount()),
  user: () => pair(createUser()),
  server: () => pair(createServer()),
  operator: () => pair(createOperator()),
  module: () => createModuleKey(),
};

function pair(kp: KeyPair): { publicKey: string; seed: string } {
  return { publicKey: kp.getPublicKey(), seed: new TextDecoder().decode(kp.getSeed()) };
}

/** `lattice keys gen KIND`: nkeys for signing (account, module) and for NATS users and hosts. */
export function register(program: Command): void {
  const keys = program.command('keys').description('generate nkeys');
  keys
    .command('gen')
    .addArgument(new Argument('<kind>', 'what the key is for').choices(Object.keys(KINDS)))
    .description('print a new key pair: its public key and its seed (keep the seed secret)')
    .action((kind: string, _flags: unknown, command: Command) => {
      const key = KINDS[kind]!();
      emit(globalOptions(command), { public_key: key.publicKey, seed: key.seed }, () => `public key: ${key.publicKey}\nseed:       ${key.seed}`);
    });
}
