/**
 * kustomize's build-metadata annotations (buildMetadata: [originAnnotations, transformerAnnotations]).
 * We ask kustomize for them to map findings back to source files, then strip them so checks see the
 * object exactly as it would be applied.
 */
import * as yaml from 'yaml';

export const ORIGIN_ANNOTATION = 'config.kubernetes.io/origin';
export const TRANSFORMATIONS_ANNOTATION = 'alpha.config.kubernetes.io/transformations';

export interface Transformation {
  configuredIn: string;
  kind: string;
}

interface MetadataLike {
  annotations?: Record<string, unknown>;
}

function annotationsOf(object: Record<string, unknown>): Record<string, unknown> | undefined {
  const meta = object.metadata as MetadataLike | undefined;
  return meta?.annotations && typeof meta.annotations === 'object' ? meta.annotations : undefined;
}

/** The `path:` of the origin annotation (relative to the kustomization that was built), if any. */
export function extractOrigin(object: Record<string, unknown>): string | undefined {
  const raw = annotationsOf(object)?.[ORIGIN_ANNOTATION];
  if (typeof raw !== 'string') return undefined;
  // Fast path for what kustomize writes for a local file (`path: <p>\n`, nothing else): a YAML parse per
  // resource was a measurable share of a warm run.
  const simple = /^path: ([^\s'"#{}[\],&*!|>%@`][^\n]*)\n?$/.exec(raw);
  if (simple) return simple[1].trimEnd();
  try {
    const parsed = yaml.parse(raw) as { path?: unknown; repo?: unknown } | null;
    // A remote origin (repo:) never maps to a local file.
    if (parsed && typeof parsed.path === 'string' && parsed.repo === undefined) return parsed.path;
  } catch {
    // Malformed annotation: treat as unknown origin rather than failing the resource.
  }
  return undefined;
}

const SIMPLE_TRANSFORMATION =
  /^- configuredIn: ([^\s'"#][^\n]*)\n {2}configuredBy:\n {4}apiVersion: [^\n]+\n {4}kind: ([A-Za-z0-9]+)\n?/;

export function extractTransformations(object: Record<string, unknown>): Transformation[] {
  const raw = annotationsOf(object)?.[TRANSFORMATIONS_ANNOTATION];
  if (typeof raw !== 'string') return [];
  // Fast path: kustomize's own fixed layout, entry after entry; anything else goes through the YAML parser.
  const fast: Transformation[] = [];
  let rest = raw;
  let m: RegExpExecArray | null;
  while ((m = SIMPLE_TRANSFORMATION.exec(rest)) !== null) {
    fast.push({ configuredIn: m[1].trimEnd(), kind: m[2] });
    rest = rest.slice(m[0].length);
  }
  if (rest.trim() === '') return fast;
  try {
    const parsed = yaml.parse(raw) as unknown;
    if (!Array.isArray(parsed)) return [];
    return parsed.flatMap((t: { configuredIn?: unknown; configuredBy?: { kind?: unknown } }) =>
      typeof t?.configuredIn === 'string'
        ? [{ configuredIn: t.configuredIn, kind: String(t.configuredBy?.kind ?? '') }]
        : [],
    );
  } catch {
    // Malformed annotation: no transformer is named, so a finding points at the resource's origin line instead of
    // the kustomization that transformed it (a location hint only: every check still ran on the resource).
    return [];
  }
}

export function stripBuildAnnotations(object: Record<string, unknown>): void {
  const meta = object.metadata as MetadataLike | undefined;
  const annotations = annotationsOf(object);
  if (!meta || !annotations) return;
  delete annotations[ORIGIN_ANNOTATION];
  delete annotations[TRANSFORMATIONS_ANNOTATION];
  if (Object.keys(annotations).length === 0) delete meta.annotations;
}
