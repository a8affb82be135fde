/**
 * pipeline-shout: exports `lattice:pipeline/transform`, upper-casing its input. Called only
 * through a link from another component; it imports nothing.
 */
import type { Outcome } from 'lattice:pipeline/transform@0.1.0';

export function shout(input: string): string {
  return input.toUpperCase();
}

export const transform = {
  apply(input: string): Outcome {
    // Throwing a string is the interface's err(string).
    if (input.trim() === '') throw 'empty input: nothing to transform';
    return { text: shout(input), by: 'pipeline-shout' };
  },
};
