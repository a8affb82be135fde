import type { Command } from 'commander';
import { commandName } from '../command-name.js';

/**
 * Each command module exports `register(program)`. Adding a command is adding a file in this
 * folder and one line here.
 */
type Registrar = (program: Command) => void;
type Loader = () => Promise<{ register: Registrar }>;

const COMMANDS: Record<string, Loader> = {
  up: () => import('./up.js'),
  down: () => import('./down.js'),
  get: () => import('./get.js'),
  config: () => import('./config.js'),
  link: () => import('./link.js'),
  label: () => import('./label.js'),
  host: () => import('./host.js'),
  scale: () => import('./scale.js'),
  start: () => import('./start.js'),
  stop: () => import('./stop.js'),
  update: () => import('./update.js'),
  app: () => import('./app.js'),
  wadm: () => import('./wadm.js'),
  build: () => import('./build.js'),
  new: () => import('./new.js'),
  push: () => import('./push.js'),
  secret: () => import('./secret.js'),
  claims: () => import('./claims.js'),
  keys: () => import('./keys.js'),
  registry: () => import('./registry.js'),
  ctx: () => import('./ctx.js'),
  secure: () => import('./secure.js'),
  inspect: () => import('./inspect.js'),
  completion: () => import('./completion.js'),
  spy: () => import('./spy.js'),
  call: () => import('./call.js'),
  dev: () => import('./dev.js'),
  ui: () => import('./ui.js'),
};

/**
 * Registers the commands. When `argv` names one, only that module is loaded: a long-running
 * `lattice host` would otherwise keep wadm's manifest code, yaml and the other commands in its
 * heap for its whole life (a few MB of an edge host's budget, docs/edge.md). Help, unknown words
 * and no command load them all so commander can list and suggest.
 */
export async function registerCommands(program: Command, argv: readonly string[] = []): Promise<void> {
  const name = commandName(argv);
  // `completion` describes every command, so it needs them all.
  const only = name !== undefined && name !== 'completion' && Object.hasOwn(COMMANDS, name) ? [COMMANDS[name]!] : Object.values(COMMANDS);
  for (const mod of await Promise.all(only.map((load) => load()))) mod.register(program);
}
