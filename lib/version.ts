import { readFileSync } from 'node:fs';

/** The package version, read once; hosts report it in heartbeats and `get hosts`. */
export const LATTICE_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
