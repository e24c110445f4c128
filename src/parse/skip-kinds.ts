/**
 * `validate --skip-kinds`, kubeconform's `-skip`: a comma-separated list of kinds (`Secret`) or apiVersion/kind
 * pairs (`v1/Secret`, `apps/v1/Deployment`). Matching resources are not checked at all; parse problems and
 * duplicates are still reported, since a broken stream is broken whatever it holds.
 */
import type { ResourceId } from '../types.js';

export interface KindFilter {
  matches(id: ResourceId): boolean;
}

/** Parses the flag values (repeatable, each comma-separated); throws on an entry that cannot match anything. */
export function parseSkipKinds(values: readonly string[]): KindFilter {
  const kinds = new Set<string>();
  const gvks = new Set<string>();
  for (const value of values) {
    for (const raw of value.split(',')) {
      const entry = raw.trim();
      if (entry === '') continue;
      const parts = entry.split('/');
      if (parts.length > 3 || parts.some((p) => p === '' || /\s/.test(p)))
        throw new Error(`--skip-kinds takes Kind, version/Kind or group/version/Kind, not ${JSON.stringify(entry)}`);
      if (parts.length === 1) kinds.add(entry);
      else gvks.add(entry);
    }
  }
  return { matches: (id) => kinds.has(id.kind) || gvks.has(`${id.apiVersion}/${id.kind}`) };
}
