import type { Command, Option } from 'commander';

/** One option as completion scripts need it. */
export interface OptionSpec {
  long?: string;
  short?: string;
  description: string;
  /** Takes a value (`--nats-url <url>`). */
  takesValue: boolean;
  /** The value is one of these (`-o table|json|yaml`). */
  choices: string[];
  /** The value is a path: complete file names. */
  path: boolean;
}

/** One command of the tree, by its path of names (`['link', 'put']`; `[]` is the program). */
export interface CommandSpec {
  path: string[];
  description: string;
  subcommands: Array<{ name: string; aliases: string[]; description: string }>;
  options: OptionSpec[];
  /** Its arguments are files (`app deploy <file-or-name>`, `inspect <file-or-image>`, `build [dir]`). */
  pathArguments: boolean;
}

export interface CompletionModel {
  program: string;
  commands: CommandSpec[];
  /** Options that apply everywhere (the program's own). */
  globalOptions: OptionSpec[];
}

const PATH_VALUE = /file|dir|parent|creds|cert|key|ca\b/i;

function optionSpec(o: Option): OptionSpec {
  const value = /<([^>]+)>|\[([^\]]+)\]/.exec(o.flags);
  const name = value?.[1] ?? value?.[2] ?? '';
  return {
    long: o.long ?? undefined,
    short: o.short ?? undefined,
    description: o.description,
    takesValue: o.required || o.optional,
    choices: o.argChoices ?? [],
    path: (o.required || o.optional) && PATH_VALUE.test(name),
  };
}

/**
 * The command tree of the commander program, read at run time: completion scripts are generated
 * from it, so they list exactly the commands and options this version has.
 */
export function completionModel(program: Command): CompletionModel {
  const commands: CommandSpec[] = [];
  const visit = (cmd: Command, path: string[]): void => {
    const visible = cmd.commands.filter((c) => c.name() !== 'help');
    commands.push({
      path,
      description: cmd.description(),
      subcommands: visible.map((c) => ({ name: c.name(), aliases: c.aliases(), description: c.description().split('\n')[0]! })),
      options: path.length === 0 ? [] : cmd.options.filter((o) => !o.hidden).map(optionSpec),
      pathArguments: cmd.registeredArguments.some((a) => /file|dir|image/i.test(a.name())),
    });
    for (const sub of visible) visit(sub, [...path, sub.name()]);
  };
  visit(program, []);
  return {
    program: program.name(),
    commands,
    globalOptions: [
      ...program.options.filter((o) => !o.hidden).map(optionSpec),
      { long: '--help', short: '-h', description: 'display help for command', takesValue: false, choices: [], path: false },
    ],
  };
}

/** Every option word that consumes the next word as its value (so a walk over the words skips it). */
export function valueOptionWords(model: CompletionModel): string[] {
  const words = new Set<string>();
  for (const o of [...model.globalOptions, ...model.commands.flatMap((c) => c.options)]) {
    if (!o.takesValue) continue;
    if (o.long) words.add(o.long);
    if (o.short) words.add(o.short);
  }
  return [...words].sort();
}

/** Subcommand names and aliases that lead to each path, for walking typed words: `link del` and `link delete`. */
export function pathWords(spec: CommandSpec): string[] {
  return spec.subcommands.flatMap((s) => [s.name, ...s.aliases]);
}

export function optionWords(options: OptionSpec[]): string[] {
  return options.flatMap((o) => [o.long, o.short].filter((w): w is string => w !== undefined));
}

/** Single-quoted for sh, bash, zsh and fish alike (a `'` closes, is escaped, and reopens). */
export function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
