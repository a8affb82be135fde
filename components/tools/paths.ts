import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Locations inside the lattice installation. This module is compiled to
 * dist/components/tools/, so the repository (or installed package) root is three levels up.
 */
export const LATTICE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** The WIT packages the platform serves (components/wit/deps/<ns>-<pkg>-<version>/). */
export const PLATFORM_WIT_DEPS = join(LATTICE_ROOT, 'components', 'wit', 'deps');
/** Project templates for `lattice new`. */
export const TEMPLATES_DIR = join(LATTICE_ROOT, 'components', 'templates');
/** Ambient types for the StarlingMonkey globals a component may use (fetch events, Response...). */
export const GUEST_GLOBALS_DTS = join(TEMPLATES_DIR, '_shared', 'starlingmonkey.d.ts');
/** The example applications. */
export const EXAMPLES_DIR = join(LATTICE_ROOT, 'components', 'examples');
