/** Public API of the manifest module: schema, validation, canonical model and derived names. */
export * from './schema.js';
export * from './problems.js';
export * from './model.js';
export * from './ids.js';
export { validateManifest, validateManifestText, parseManifestText, type ValidationResult } from './validate.js';
export { manifestJsonSchema } from './json-schema.js';
