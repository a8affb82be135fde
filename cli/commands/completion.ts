import { Argument, type Command } from 'commander';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

/**
 * `lattice completion bash|zsh|fish`: prints a completion script generated from this program's
 * command tree (every command is registered for it), so it always matches the installed version.
 */
export function register(program: Command): void {
  program
    .command('completion')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .description('print a shell completion script (bash: source <(lattice completion bash))')
    .action(async (shell: Shell) => {
      const { completionModel } = await import('../completion/model.js');
      const model = completionModel(program);
      const script =
        shell === 'bash'
          ? (await import('../completion/bash.js')).bashScript(model)
          : shell === 'zsh'
            ? (await import('../completion/zsh.js')).zshScript(model)
            : (await import('../completion/fish.js')).fishScript(model);
      process.stdout.write(script);
    });
}
