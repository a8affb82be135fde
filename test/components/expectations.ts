import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLES_DIR } from '../../components/tools/paths.js';

/** What each example's world says it imports (beyond WASI basics) and exports. */
export interface ExpectedComponent {
  project: string;
  name: string;
  imports: string[];
  exports: string[];
  /** Interfaces the component must not import (e.g. no wasi:http for a messaging handler). */
  absent: string[];
}

export const EXPECTED: ExpectedComponent[] = [
  {
    project: 'http-hello',
    name: 'http-hello',
    imports: ['wasi:logging/logging@0.1.0-draft'],
    exports: ['wasi:http/incoming-handler@0.2.10'],
    absent: ['wasi:keyvalue/store@0.2.0-draft'],
  },
  {
    project: 'kv-counter',
    name: 'kv-counter',
    imports: ['wasi:keyvalue/store@0.2.0-draft', 'wasi:keyvalue/atomics@0.2.0-draft', 'wasi:logging/logging@0.1.0-draft'],
    exports: ['wasi:http/incoming-handler@0.2.10'],
    absent: [],
  },
  {
    project: 'blobby',
    name: 'blobby',
    imports: ['wasi:blobstore/blobstore@0.2.0-draft', 'wasi:blobstore/container@0.2.0-draft', 'wasi:blobstore/types@0.2.0-draft'],
    exports: ['wasi:http/incoming-handler@0.2.10'],
    absent: [],
  },
  {
    project: 'echo-messaging',
    name: 'echo-messaging',
    imports: ['wasmcloud:messaging/consumer@0.2.0', 'wasmcloud:messaging/types@0.2.0'],
    exports: ['wasmcloud:messaging/handler@0.2.0'],
    absent: ['wasi:http/types@0.2.10', 'wasi:http/outgoing-handler@0.2.10'],
  },
  {
    project: 'pipeline',
    name: 'pipeline-front',
    imports: ['lattice:pipeline/transform@0.1.0'],
    exports: ['wasi:http/incoming-handler@0.2.10'],
    absent: [],
  },
  {
    project: 'pipeline',
    name: 'pipeline-shout',
    imports: [],
    exports: ['lattice:pipeline/transform@0.1.0'],
    absent: ['wasi:http/types@0.2.10', 'lattice:pipeline/transform@0.1.0#import'],
  },
  {
    project: 'service',
    name: 'service',
    imports: ['wasi:config/store@0.2.0-rc.1', 'wasmcloud:messaging/consumer@0.2.0', 'wasi:logging/logging@0.1.0-draft'],
    exports: ['wasi:cli/run@0.2.10'],
    absent: ['wasi:http/types@0.2.10'],
  },
];

/** A private copy of an example project (without its build output) to modify in a test. */
export async function copyExample(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `lattice-${name}-`));
  await cp(join(EXAMPLES_DIR, name), dir, {
    recursive: true,
    filter: (src) => !/[/\\](build|\.lattice)([/\\]|$)/.test(src.slice(join(EXAMPLES_DIR, name).length)),
  });
  return dir;
}
