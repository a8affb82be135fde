/** Why a component build stopped; `stage` says which step failed. */
export type BuildStage = 'config' | 'wit' | 'types' | 'typecheck' | 'bundle' | 'componentize';

/**
 * A build failure the user must fix (bad config, WIT error, type error...). The message is
 * meant to be printed as is: for type errors it holds tsc's formatted diagnostics.
 */
export class ComponentBuildError extends Error {
  constructor(
    readonly stage: BuildStage,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ComponentBuildError';
  }
}

/** `lattice new` could not create the project (unknown template, directory not empty...). */
export class ScaffoldError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ScaffoldError';
  }
}

/** Text of an unknown thrown value, for wrapping third-party errors. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
