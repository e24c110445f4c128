/** Helpers for the policy tests: opa/kustomize availability, in-memory overlays, a check context that records. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseResources } from '../../src/parse/index.js';
import { runCheck } from '../../src/pipeline.js';
import type { Check, CheckContext, FindingInput, Overlay, RenderedOverlay, Report } from '../../src/types.js';
import type { Config } from '../../src/config/types.js';
import { kustomizeBin, repoRoot } from '../helpers.js';

export const policiesDir = join(repoRoot, 'policies');
export const opaBin = process.env.KFM_OPA || join(repoRoot, '.tools', 'bin', 'opa');
export const hasOpa = existsSync(opaBin);
export const hasKustomize = existsSync(kustomizeBin);
export const NO_OPA = `skipped: the pinned opa is not at ${opaBin} (run \`npm run tools\`)`;
export const NO_KUSTOMIZE = `skipped: the pinned kustomize is not at ${kustomizeBin} (run \`npm run tools\`)`;

/** One overlay made of YAML text, parsed exactly as the pipeline parses a render. */
export function overlayFromYaml(yaml: string, overlay: Partial<Overlay> = {}): RenderedOverlay {
  const o: Overlay = {
    path: 'apps/demo/overlays/dev',
    absPath: '/nonexistent',
    env: 'dev',
    layer: 'apps',
    app: 'demo',
    kustomizationFile: 'kustomization.yaml',
    ...overlay,
  };
  const parsed = parseResources(yaml, { overlay: o.path, file: o.path });
  if (parsed.findings.length > 0) throw new Error(`bad test YAML: ${parsed.findings.map((f) => f.message).join('; ')}`);
  return { overlay: o, status: 'ok', text: yaml, resources: parsed.resources, durationMs: 0 };
}

/** Runs one check over in-memory overlays and returns what it reported. */
export async function runOn(
  check: Check,
  overlays: RenderedOverlay[],
  options: { root?: string; config?: Config; mode?: 'check' | 'validate' } = {},
): Promise<FindingInput[]> {
  const found: FindingInput[] = [];
  const ctx: CheckContext = {
    root: options.root ?? '/nonexistent',
    config: options.config ?? {},
    overlays,
    resources: overlays.flatMap((o) => o.resources),
    kubernetesVersion: '1.33',
    mode: options.mode ?? 'check',
    report: (f) => found.push(f),
  };
  await check.run(ctx);
  return found;
}

import { pinnedRenderer as renderer } from '../helpers.js';
export { renderer };

/** The full pipeline (discover → render with the real kustomize → parse → checks → exceptions) over a repo. */
export function checkRepo(
  root: string,
  checks: Check[],
  config: Config = {},
  now = new Date('2026-06-01T00:00:00Z'),
): Promise<Report> {
  return runCheck({
    root,
    // The fixtures keep their expected findings beside the manifests; that file is no manifest.
    config: { ...config, coverage: { exclude: [{ path: 'expected.json', reason: 'test oracle, never applied' }] } },
    checks,
    kubernetesVersion: '1.33',
    toolVersion: 'test',
    renderer: renderer(),
    concurrency: 2,
    timeoutMs: 60_000,
    origin: true,
    now,
    // Every overlay packed (run/pack.ts), as past the first 5,000 resources of a real run: the fixtures exercise it.
    unpackedResources: 0,
  });
}

/** Compact form of a finding for comparisons: what a user reads in the report. */
export function brief(f: {
  ruleId: string;
  severity?: string;
  overlay?: string;
  resource?: { kind: string; name: string };
  path?: string;
  file?: string;
  line?: number;
}) {
  return {
    ruleId: f.ruleId,
    severity: f.severity,
    overlay: f.overlay,
    resource: f.resource ? `${f.resource.kind}/${f.resource.name}` : null,
    path: f.path,
    file: f.file,
    line: f.line,
  };
}
