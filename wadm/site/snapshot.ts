import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic } from '../../lib/home.js';
import type { AppManifest } from '../manifest/model.js';
import { canonical } from '../store/manifest-store.js';
import type { ObservedHost } from '../scalers/types.js';
import { isOwnedBy } from '../scalers/annotations.js';

/** The hosts of one site: those carrying the label `key=value` (e.g. `site=kitchen`). */
export interface SiteSelector {
  key: string;
  value: string;
}

/** `kitchen` means `site=kitchen`; `zone=kitchen` names the label. */
export function parseSiteSelector(text: string): SiteSelector | null {
  const [key, value, ...rest] = text.includes('=') ? text.split('=') : ['site', text];
  if (rest.length > 0 || !key || !value) return null;
  return { key, value };
}

export function inSite(host: Pick<ObservedHost, 'labels'>, site: SiteSelector): boolean {
  return host.labels[site.key] === site.value;
}

/**
 * What a site keeps of the hub's state to go on scheduling while cut off: each deployed
 * application's manifest (as the user wrote it) and the site's share of it when last synced:
 * component instances (max_instances summed over the site's hosts) and provider hosts per id.
 * Written to a file so that a keeper restarted during an outage still has it.
 */
export const SiteSnapshot = z.object({
  v: z.literal(1),
  site: z.object({ key: z.string(), value: z.string() }),
  synced_at: z.string(),
  apps: z.array(
    z.object({
      name: z.string(),
      version: z.string(),
      manifest: z.unknown(),
      components: z.record(z.string(), z.number().int().nonnegative()),
      providers: z.record(z.string(), z.number().int().nonnegative()),
    }),
  ),
});
export type SiteSnapshot = z.infer<typeof SiteSnapshot>;
export type SiteApp = SiteSnapshot['apps'][number];

/** The site's share of one app, from the site's hosts as observed now. */
export function siteShare(app: string, siteHosts: readonly ObservedHost[]): Pick<SiteApp, 'components' | 'providers'> {
  const components: Record<string, number> = {};
  const providers: Record<string, number> = {};
  for (const host of siteHosts) {
    for (const c of host.components) if (isOwnedBy(c.annotations, app)) components[c.id] = (components[c.id] ?? 0) + c.max_instances;
    for (const p of host.providers) if (isOwnedBy(p.annotations, app)) providers[p.id] = (providers[p.id] ?? 0) + 1;
  }
  return { components, providers };
}

/** The manifest of a snapshot entry, in the form the planner takes (it was valid when put). */
export function snapshotManifest(app: SiteApp): AppManifest {
  return canonical({ version: app.version, created_at: '', manifest: app.manifest });
}

export async function saveSnapshot(path: string, snapshot: SiteSnapshot): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(snapshot)}\n`, 0o600);
}

/** The snapshot at `path`, or null when there is none or it is not one (a damaged file is not acted on). */
export async function loadSnapshot(path: string): Promise<SiteSnapshot | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null;
  }
  try {
    return SiteSnapshot.parse(JSON.parse(text));
  } catch {
    return null;
  }
}
