import { build, type Message, type Plugin } from 'esbuild';
import { ComponentBuildError } from './errors.js';

/**
 * WIT imports look like `namespace:package/interface@version`; they are resolved by the
 * component model, not by the bundler. (This also matches `node:` specifiers, which then fail
 * at componentize time: StarlingMonkey has no Node built-ins.)
 */
const WIT_IMPORT = /^[a-z][a-z0-9-]*:[a-z][a-z0-9-]*(\/|$)/;

const witImportsExternal: Plugin = {
  name: 'lattice-wit-imports',
  setup(b) {
    b.onResolve({ filter: WIT_IMPORT }, (args) => ({ path: args.path, external: true }));
  },
};

function formatMessages(messages: Message[]): string {
  return messages.map((m) => (m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ${m.text}` : m.text)).join('\n');
}

/** Bundles ENTRY and everything it imports into one ES module at OUTFILE (esbuild). */
export async function bundle(entry: string, outfile: string, projectDir: string): Promise<void> {
  try {
    const result = await build({
      entryPoints: [entry],
      outfile,
      absWorkingDir: projectDir,
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      logLevel: 'silent',
      plugins: [witImportsExternal],
    });
    if (result.errors.length > 0) throw new ComponentBuildError('bundle', formatMessages(result.errors));
  } catch (cause) {
    if (cause instanceof ComponentBuildError) throw cause;
    const errors = (cause as { errors?: Message[] }).errors;
    const text = errors ? formatMessages(errors) : String(cause);
    throw new ComponentBuildError('bundle', `bundling ${entry} failed:\n${text}`, { cause });
  }
}
