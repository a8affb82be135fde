/**
 * The CLI's side of OCI registries (`lattice push oci://`, `lattice inspect REGISTRY/REPO:TAG`):
 * one client with the machine's credentials (lib/oci/credentials.ts) and its insecure list, and
 * one way to turn reference and registry failures into the CLI's one-line errors.
 */
import { defaultCredentials, insecureRegistriesFromEnv, OciError, OciRefError, parseOciRef, RegistryClient, type OciRef } from '../lib/oci/mod.js';
import { CliError, UsageError } from './errors.js';

/** A registry client for this CLI run; `insecure` adds the registry `--insecure` named. */
export function cliRegistryClient(insecure?: string): RegistryClient {
  return new RegistryClient({ credentials: defaultCredentials(), insecure: [...insecureRegistriesFromEnv(), ...(insecure ? [insecure] : [])] });
}

export const OCI_REF_FORM = 'the form is [oci://]REGISTRY/REPO:TAG or REGISTRY/REPO@sha256:DIGEST';

/** An image reference from the command line: a malformed one is a usage error naming the form. */
export function ociRefArgument(ref: string): OciRef {
  try {
    return parseOciRef(ref);
  } catch (error) {
    if (error instanceof OciRefError) throw new UsageError(`${error.message} (${OCI_REF_FORM})`, { cause: error });
    throw error;
  }
}

/** A registry failure as one line: what was done, and the registry's reason (which names the fix). */
export function registryFailure(what: string, error: unknown): never {
  if (error instanceof OciError) throw new CliError(`${what} failed: ${error.message}`, { cause: error });
  throw error;
}
