import type { Command } from 'commander';

/**
 * Each command module exports `register(program)`. Adding a command is adding a file in this
 * folder and one line here.
 */
type Registrar = (program: Command) => void;

export async function registerCommands(program: Command): Promise<void> {
  const modules: Array<Promise<{ register: Registrar }>> = [
    import('./up.js'),
    import('./down.js'),
    import('./get.js'),
    import('./config.js'),
    import('./link.js'),
    import('./label.js'),
    import('./host.js'),
    import('./scale.js'),
    import('./start.js'),
    import('./stop.js'),
    import('./update.js'),
    import('./app.js'),
    import('./wadm.js'),
    import('./build.js'),
    import('./new.js'),
    import('./push.js'),
    import('./secret.js'),
  ];
  for (const mod of await Promise.all(modules)) mod.register(program);
}
