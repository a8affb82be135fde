import { z } from 'zod';
import { Identifier } from './common.js';

const WitName = z
  .string()
  .min(1)
  .regex(/^[a-z][a-z0-9-]*$/, 'must be a lower-case WIT identifier (letters, digits, "-")');

/**
 * A link binds a source's imports of `namespace:package/{interfaces}` to a target, under a name.
 * Field names are wasmCloud 1.x's, so manifests and tooling carry over. A link is unique by
 * (source_id, wit_namespace, wit_package, name, target): putting the same identity again replaces
 * it. The target is part of the identity because a provider is the source of one link per
 * component it serves (one http-server in front of many components, each link named `default`);
 * a component resolving an import needs exactly one target per name, which the router checks.
 */
export const Link = z.strictObject({
  source_id: Identifier,
  target: Identifier,
  name: Identifier.default('default'),
  wit_namespace: WitName,
  wit_package: WitName,
  interfaces: z.array(WitName).min(1, 'must name at least one interface'),
  source_config: z.array(Identifier).default([]),
  target_config: z.array(Identifier).default([]),
  source_secrets: z.array(Identifier).default([]),
  target_secrets: z.array(Identifier).default([]),
});
export type Link = z.infer<typeof Link>;
export type LinkInput = z.input<typeof Link>;

/** Deletes the links of (source, namespace, package, name); only the one to `target` when given. */
export const LinkDelRequest = z.strictObject({
  source_id: Identifier,
  wit_namespace: WitName,
  wit_package: WitName,
  name: Identifier.default('default'),
  target: Identifier.optional(),
});
export type LinkDelRequest = z.infer<typeof LinkDelRequest>;
export type LinkDelInput = z.input<typeof LinkDelRequest>;

export const LinkGetResponse = z.array(Link);

export type LinkIdentity = Pick<Link, 'source_id' | 'wit_namespace' | 'wit_package' | 'name' | 'target'>;

/** KV key of a link: its identity, dot-separated (every part is a subject-safe token). */
export function linkKey(link: LinkIdentity): string {
  return `${link.source_id}.${link.wit_namespace}.${link.wit_package}.${link.name}.${link.target}`;
}

/** True when `link` is one of those a delete request names. */
export function linkMatches(link: Link, req: LinkDelRequest): boolean {
  return (
    link.source_id === req.source_id &&
    link.wit_namespace === req.wit_namespace &&
    link.wit_package === req.wit_package &&
    link.name === req.name &&
    (req.target === undefined || link.target === req.target)
  );
}
