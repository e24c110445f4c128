/**
 * Shared by the CI formatters (SARIF, GitHub annotations, JUnit): where a finding lives, said the way a CI
 * platform needs it. Report paths are relative to the checked root; platforms want them relative to the
 * repository root, so a prefix (the root's place inside the git work tree, e.g. `infra/gitops/`) is put in front.
 */
import { posix } from 'node:path';
import type { Finding, ResourceId } from '../types.js';

/** `infra/gitops` → `infra/gitops/`; `''`, `.`, `./` → `''`. Backslashes (a Windows-made prefix) become slashes. */
export function normalizePrefix(prefix: string | undefined): string {
  if (!prefix) return '';
  let p = prefix.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
  if (p === '.' || p === '') return '';
  if (!p.endsWith('/')) p += '/';
  return p;
}

export function isAbsolutePath(file: string): boolean {
  return file.startsWith('/') || /^[A-Za-z]:[\\/]/.test(file);
}

/**
 * The repository-relative POSIX path of a report path, or undefined when it cannot be one (absolute, e.g. a config
 * file outside the checked root, or climbing above the repository root).
 */
export function repoRelativePath(file: string, uriPrefix: string | undefined): string | undefined {
  if (file === '' || isAbsolutePath(file)) return undefined;
  const joined = posix.normalize(normalizePrefix(uriPrefix) + file.replace(/\\/g, '/'));
  if (joined === '..' || joined.startsWith('../') || joined === '.') return undefined;
  return joined.replace(/^\.\//, '');
}

/** `Deployment kfm-prod/kfm-api` */
export function resourceLabel(id: ResourceId): string {
  return `${id.kind} ${id.namespace ? `${id.namespace}/` : ''}${id.name}`;
}

/**
 * What the message alone does not say: the same base line is reported once per overlay, so annotations on one
 * line must tell the overlays (and resources) apart.
 */
export function findingContext(f: Finding): string {
  const parts: string[] = [];
  if (f.resource) parts.push(resourceLabel(f.resource));
  if (f.overlay) parts.push(`overlay ${f.overlay}`);
  if (f.path) parts.push(`at ${f.path}`);
  return parts.join(', ');
}
