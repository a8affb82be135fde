import { type Command, Option } from 'commander';
import { ScaffoldError } from '../../components/tools/errors.js';
import { TEMPLATE_NAMES, newComponentProject, type TemplateName } from '../../components/tools/scaffold.js';
import { CliError, UsageError, globalOptions } from '../context.js';
import { emit } from '../output.js';

export function register(program: Command): void {
  const create = program.command('new').description('Create a new project');
  create
    .command('component')
    .description('Create a TypeScript component project (WIT world, typed entry point, wadm.yaml)')
    .argument('<name>', 'project and component name (lower-case words separated by dashes)')
    .addOption(new Option('-t, --template <template>', 'what the component starts as').choices(TEMPLATE_NAMES).default('http-hello'))
    .option('-d, --dir <parent>', 'create the project folder inside this directory', '.')
    .action(async (name: string, flags: { template: TemplateName; dir: string }, command: Command) => {
      const opts = globalOptions(command);
      let result;
      try {
        result = await newComponentProject({ name, template: flags.template, parentDir: flags.dir });
      } catch (error) {
        // A bad name or template is the command line's fault; an existing folder is not.
        if (error instanceof ScaffoldError && /^(invalid component name|unknown template)/.test(error.message))
          throw new UsageError(error.message, { cause: error });
        if (error instanceof ScaffoldError) throw new CliError(error.message, { cause: error });
        throw error;
      }
      emit(opts, result, () =>
        [
          `created ${result.dir} from template ${flags.template}:`,
          ...result.files.map((f) => `  ${f}`),
          '',
          'next:',
          `  lattice build ${result.dir}`,
          `  lattice app deploy ${result.dir}/wadm.yaml`,
        ].join('\n'),
      );
    });
}
