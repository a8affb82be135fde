import { linkKey, type Link } from '../../protocol/mod.js';
import { secretName } from '../manifest/ids.js';
import type { AppLink, AppManifest } from '../manifest/model.js';
import { scalerId } from './annotations.js';
import { configNames } from './config-scaler.js';
import type { Command, ScalerStatus } from './types.js';

/** The links a manifest declares, in the lattice's form (ids resolved, config names scoped). */
export function desiredLinks(manifest: AppManifest): Array<{ component: string; link: Link }> {
  const ids = new Map(manifest.components.map((c) => [c.name, c.id]));
  const out: Array<{ component: string; link: Link }> = [];
  for (const c of manifest.components) {
    for (const l of c.links) {
      const target = ids.get(l.target);
      // Validation guarantees the target exists; a stored manifest from an older validator might not.
      if (target === undefined) continue;
      out.push({ component: c.name, link: toLink(manifest.name, c.id, target, l) });
    }
  }
  return out;
}

function toLink(app: string, sourceId: string, targetId: string, l: AppLink): Link {
  return {
    source_id: sourceId,
    target: targetId,
    name: l.name,
    wit_namespace: l.namespace,
    wit_package: l.package,
    interfaces: [...l.interfaces],
    source_config: configNames(app, l.source_config.config),
    target_config: configNames(app, l.target_config.config),
    source_secrets: l.source_config.secrets.map((s) => secretName(app, s.name)),
    target_secrets: l.target_config.secrets.map((s) => secretName(app, s.name)),
  };
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v, i) => v === b[i]);
const sameSet = (a: readonly string[], b: readonly string[]) => sameList([...a].sort(), [...b].sort());

export function sameLink(a: Link, b: Link): boolean {
  return (
    a.target === b.target &&
    sameSet(a.interfaces, b.interfaces) &&
    sameList(a.source_config, b.source_config) &&
    sameList(a.target_config, b.target_config) &&
    sameList(a.source_secrets, b.source_secrets) &&
    sameList(a.target_secrets, b.target_secrets)
  );
}

function deleteCommand(link: Link): Command {
  return {
    type: 'delete_link',
    source_id: link.source_id,
    wit_namespace: link.wit_namespace,
    wit_package: link.wit_package,
    name: link.name,
    target: link.target,
  };
}

/**
 * Puts every declared link that is missing or differs, and deletes links the previous version
 * declared that this one does not (by identity: source, namespace, package, name). Links the app
 * never declared are never touched, even between the app's own components.
 */
export function linkScaler(manifest: AppManifest, previous: AppManifest | null, observed: readonly Link[]): { commands: Command[]; statuses: ScalerStatus[] } {
  const byKey = new Map(observed.map((l) => [linkKey(l), l]));
  const commands: Command[] = [];
  const statuses: ScalerStatus[] = [];
  const wanted = desiredLinks(manifest);
  const wantedKeys = new Set(wanted.map(({ link }) => linkKey(link)));
  for (const { component, link } of wanted) {
    const have = byKey.get(linkKey(link));
    const ok = have !== undefined && sameLink(have, link);
    if (!ok) commands.push({ type: 'put_link', link });
    statuses.push({
      id: scalerId('link', `${component}/${link.wit_namespace}:${link.wit_package}/${link.name}`),
      kind: 'link',
      component,
      state: ok ? 'deployed' : 'reconciling',
      message: `${link.source_id} -(${link.wit_namespace}:${link.wit_package}/${link.interfaces.join(',')})-> ${link.target}`,
    });
  }
  if (previous) {
    for (const { link } of desiredLinks(previous)) {
      const key = linkKey(link);
      if (!wantedKeys.has(key) && byKey.has(key)) commands.push(deleteCommand(link));
    }
  }
  return { commands, statuses };
}

/** Deletes every link the app declared that is still in the lattice (undeploy). */
export function removeLinks(previous: AppManifest, observed: readonly Link[]): Command[] {
  const present = new Set(observed.map(linkKey));
  return desiredLinks(previous)
    .filter(({ link }) => present.has(linkKey(link)))
    .map(({ link }) => deleteCommand(link));
}
