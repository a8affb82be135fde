/** Public API of the component runtime. */
export { ComponentRuntime } from './runtime.js';
export type { InvokeOptions, RuntimeOptions } from './runtime.js';
export type { ComponentInfo, ComponentKind, ScaleRequest } from './components.js';
export type { StreamingHttpRequest } from './http.js';
export type { StreamingHttpResponse } from './http-streams.js';
export * from './errors.js';
export { failureError } from './failures.js';
export type { ImportHandler } from './host-calls.js';
export { FileImageLoader, resolveImage, defaultLoaders } from './image-loader.js';
export type { ImageLoader, ResolveOptions } from './image-loader.js';
export { defaultCanSatisfy, parseImportName, versionCompatible, unsatisfiedImports, BUILTIN_WASI, PLATFORM_INTERFACES } from './imports.js';
export type { CanSatisfy, InterfaceName } from './imports.js';
export { Annotation, DEFAULT_LIMITS, limitsFrom } from './settings.js';
export type { ComponentLimits } from './settings.js';
export { checkComponentBytes } from './binary-check.js';
export { defaultCacheDir } from './transpile-cache.js';
export type { HttpRequest, HttpResponse, ResourceRef } from './worker-messages.js';
export { isResourceRef } from './worker-messages.js';
