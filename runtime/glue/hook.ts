/**
 * The contract between the glue transform (which adds the hook to every instance's exports) and
 * the worker (which resets instances with it). Kept apart so that workers need no parser.
 */

/** The exports object of a transformed component instance holds its hook under `Symbol.for(GLUE_STATE)`. */
export const GLUE_STATE = 'lattice.glue-state';

/** The JavaScript half of an instance's state, as the hook exposes it. */
export interface GlueStateHook {
  /** Own or borrowed handles the guest holds now that it did not hold right after instantiation. */
  liveHandles(): number;
  /**
   * Puts every handle table, capture table and counter back to its post-instantiation value,
   * disposing host objects the guest still owned (as the guest's drop would have).
   */
  restore(): void;
}
