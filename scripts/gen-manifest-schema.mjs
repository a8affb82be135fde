#!/usr/bin/env node
// Writes docs/manifest.schema.json from the zod manifest schemas (run after `npm run build`;
// `npm run gen:schema` does both). A test fails when the committed file is stale.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const { manifestJsonSchema } = await import(join(root, 'dist/wadm/manifest/json-schema.js'));
mkdirSync(join(root, 'docs'), { recursive: true });
writeFileSync(join(root, 'docs/manifest.schema.json'), `${JSON.stringify(manifestJsonSchema(), null, 2)}\n`);
console.log('wrote docs/manifest.schema.json');
