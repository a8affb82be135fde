import { join } from 'node:path';
import { latticeHome } from '../../lib/home.js';

/** Where `lattice up` keeps NATS data, pid files and logs: `--data-dir`, LATTICE_DATA_DIR or ~/.lattice. */
export function dataDir(flag?: string): string {
  return flag ?? latticeHome();
}

export const layout = (root: string) => ({
  root,
  nats: join(root, 'nats'),
  logs: join(root, 'logs'),
  pids: join(root, 'pids'),
  cache: join(root, 'cache'),
  pidFile: (name: string) => join(root, 'pids', `${name}.pid`),
  logFile: (name: string) => join(root, 'logs', `${name}.log`),
});
export type Layout = ReturnType<typeof layout>;
