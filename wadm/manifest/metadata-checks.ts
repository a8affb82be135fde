import { APP_NAME_PATTERN } from './ids.js';
import type { ProblemList } from './problems.js';
import { asMap, asString } from './raw-view.js';
import { parseUpgradeWave, PLACEMENT_ANNOTATION, PLACEMENT_MODES, UPGRADE_WAVE_ANNOTATION, VERSION_ANNOTATION } from './schema.js';

/** DNS subdomain: dot-separated parts, each starting with a letter and ending alphanumeric. */
function isDnsSubdomain(s: string): boolean {
  return s.length > 0 && s.length <= 253 && s.split('.').every((part) => /^[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(part));
}

function isLabelName(s: string): boolean {
  return s.length > 0 && s.length <= 63 && /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(s);
}

/** OAM label and annotation keys: `name` or `dns.prefix/name` (wadm's `valid_oam_label`). */
export function isValidOamKey(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash < 0) return isLabelName(key);
  return isDnsSubdomain(key.slice(0, slash)) && isLabelName(key.slice(slash + 1));
}

export function checkMetadata(raw: unknown, problems: ProblemList): void {
  const metadata = asMap(asMap(raw).metadata);
  const name = asString(metadata.name);
  if (name !== undefined && !APP_NAME_PATTERN.test(name)) {
    problems.error(['metadata', 'name'], `application name "${name}" may contain only letters, digits, "-" and "_"`);
  }
  for (const field of ['annotations', 'labels'] as const) {
    for (const key of Object.keys(asMap(metadata[field]))) {
      if (!isValidOamKey(key)) problems.error(['metadata', field, key], `"${key}" is not a valid OAM ${field.slice(0, -1)} key`);
    }
  }
  const placement = asMap(metadata.annotations)[PLACEMENT_ANNOTATION];
  if (placement !== undefined && !(PLACEMENT_MODES as readonly unknown[]).includes(placement)) {
    problems.error(
      ['metadata', 'annotations', PLACEMENT_ANNOTATION],
      `placement must be one of ${PLACEMENT_MODES.join(', ')}, not ${JSON.stringify(placement)}`,
    );
  }
  const wave = asMap(metadata.annotations)[UPGRADE_WAVE_ANNOTATION];
  if (wave !== undefined && parseUpgradeWave(wave) === null) {
    problems.error(
      ['metadata', 'annotations', UPGRADE_WAVE_ANNOTATION],
      `upgrade-wave must be a positive whole number of hosts or "all", not ${JSON.stringify(wave)}`,
    );
  }
  const version = asString(asMap(metadata.annotations)[VERSION_ANNOTATION]);
  if (version === 'latest') {
    problems.error(['metadata', 'annotations', VERSION_ANNOTATION], '"latest" is reserved and cannot be a version');
  } else if (version !== undefined && !/^[A-Za-z0-9._+-]+$/.test(version)) {
    // Versions are KV keys and CLI arguments: no spaces, slashes or wildcards.
    problems.error(['metadata', 'annotations', VERSION_ANNOTATION], `version "${version}" may contain only letters, digits, ".", "_", "+" and "-"`);
  }
}
