/**
 * Builds the policy input for one overlay and maps violations back to findings: the resource they name (the
 * pipeline resolves its line) or, for the overlay's kustomization, the line of the path in that file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { readKustomization as parseKustomizationFile } from '../../discover/kustomization.js';
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
  const abs = join(root, file);
  // The object from the walk's memoised parse (discovery already read every kustomization); positions only when a
  // violation asks for a line, from a parse of the file with positions.
  const parsed = await parseKustomizationFile(abs);
  if (parsed.error) return null;
  let positions: { doc: Document.Parsed; lc: LineCounter } | null | undefined;
  const locate = (path: ReadonlyArray<string | number>): Span | undefined => {
    if (positions === undefined) {
      try {
        const lc = new LineCounter();
        positions = { doc: parseDocument(readFileSync(abs, 'utf8'), { lineCounter: lc, uniqueKeys: false }), lc };
      } catch {
        positions = null;
      }
    }
    return positions ? locateInDocument(positions.doc, positions.lc, path, file) : undefined;
  };
  return { file, object: parsed.object, locate };
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
