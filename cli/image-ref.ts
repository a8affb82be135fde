import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { looksLikeOciRef } from '../lib/oci/reference.js';
import { ociRefArgument } from './registry-client.js';

/**
 * Makes a component reference mean the same on every host: a plain path or a relative `file://`
 * reference is resolved against the CLI's working directory into an absolute `file://` URL
 * (hosts resolve relative paths against their own directory, which is rarely what a user means).
 * Other schemes (`oci://`, `ghcr.io/...`, `nats://`) pass through unchanged.
 */
export function absoluteImageRef(ref: string, baseDir = process.cwd()): string {
  if (ref.startsWith('file://')) {
    const rest = decodeURIComponent(ref.slice('file://'.length));
    if (rest.startsWith('/')) return ref;
    return pathToFileURL(resolve(baseDir, rest)).href;
  }
  // A registry-qualified name is an image even when its repository ends in `.wasm`.
  if (looksLikeOciRef(ref)) return ref;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(ref) && (ref.endsWith('.wasm') || ref.startsWith('.') || isAbsolute(ref))) {
    return pathToFileURL(resolve(baseDir, ref)).href;
  }
  return ref;
}

/**
 * An image given on the command line (`scale`, `start provider`, `update`): a registry reference
 * is checked here, so a malformed one is a usage error before anything is sent to a host; then as
 * absoluteImageRef.
 */
export function imageArgument(ref: string, baseDir = process.cwd()): string {
  checkRegistryImage(ref);
  return absoluteImageRef(ref, baseDir);
}

/** A registry reference among the arguments must parse (a usage error otherwise); others pass. */
export function checkRegistryImage(ref: string): void {
  if (looksLikeOciRef(ref)) ociRefArgument(ref);
}
