/**
 * Builds the policy input for one overlay and maps violations back to findings: the resource they name (the
 * pipeline resolves its line) or, for the overlay's kustomization, the line of the path in that file.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { locateInDocument } from '../../parse/index.js';
import type { FindingInput, RenderedOverlay, Resource, Severity, Span } from '../../types.js';
import type { PolicyInput, Violation } from './engine.js';

/** The overlay's own kustomization file, parsed with positions (null when unreadable: the render reports that). */
export interface KustomizationSource {
  file: string;
  object: Record<string, unknown> | null;
  locate: (path: ReadonlyArray<string | number>) => Span | undefined;
}

export async function readKustomization(
  root: string,
  overlay: RenderedOverlay['overlay'],
): Promise<KustomizationSource | null> {
  if (!overlay.kustomizationFile) return null;
  const file =
    overlay.path === '.' || overlay.path === ''
      ? overlay.kustomizationFile
      : `${overlay.path}/${overlay.kustomizationFile}`;
  let text: string;
  try {
    text = await readFile(join(root, file), 'utf8');
  } catch {
    return null;
  }
  const lc = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false });
  } catch {
    return null;
  }
  let js: unknown = null;
  try {
    if (doc.errors.length === 0) js = doc.toJS({ maxAliasCount: 100 });
  } catch {
    js = null;
  }
  const object = js !== null && typeof js === 'object' && !Array.isArray(js) ? (js as Record<string, unknown>) : null;
  return { file, object, locate: (path) => locateInDocument(doc, lc, path, file) };
}

export function isAppProject(r: Resource): boolean {
  return r.id.kind === 'AppProject' && r.id.apiVersion.startsWith('argoproj.io/');
}

export function buildInput(
  rendered: RenderedOverlay,
  kustomization: KustomizationSource | null,
  appProjects: Record<string, unknown>[],
  params: Record<string, unknown>,
): PolicyInput {
  const o = rendered.overlay;
  return {
    overlay: {
      path: o.path,
      env: o.env,
      layer: o.layer,
      ...(o.app !== undefined ? { app: o.app } : {}),
      kustomization: kustomization?.object ?? null,
      kustomizationFile: kustomization?.file ?? null,
    },
    resources: rendered.resources.map((r) => r.object),
    run: { appProjects },
    params,
  };
}

export function toFinding(
  v: Violation,
  rendered: RenderedOverlay,
  kustomization: KustomizationSource | null,
  severityOf: (id: string) => Severity | undefined,
): FindingInput {
  const finding: FindingInput = { ruleId: v.id, message: v.msg, overlay: rendered.overlay.path, path: v.path };
  const severity = severityOf(v.id);
  if (severity) finding.severity = severity;
  if (v.resource !== undefined) {
    finding.resource = rendered.resources[v.resource];
  } else if (v.file !== undefined) {
    finding.file = v.file;
    const span = kustomization && kustomization.file === v.file ? kustomization.locate(v.path) : undefined;
    if (span) {
      finding.line = span.line;
      finding.column = span.column;
    }
  }
  return finding;
}
