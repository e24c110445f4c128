import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseResources } from '../../src/parse/index.js';
import { formatPath } from '../../src/parse/path.js';
import { createSchemaCheck } from '../../src/checks/schema/index.js';
import type { CheckContext, FindingInput, Resource } from '../../src/types.js';

export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixturesDir = join(projectRoot, 'fixtures', 'schema');
export const sharedDir = join(projectRoot, '..', 'shared');

export interface SeenFinding {
  ruleId: string;
  message: string;
  path?: string;
  line?: number;
  kind?: string;
  name?: string;
  overlay?: string;
  severity?: string;
}

export function parse(text: string, overlay = 'test', file = 'test.yaml'): Resource[] {
  const { resources, findings } = parseResources(text, { overlay, file });
  if (findings.length > 0) throw new Error(`fixture does not parse: ${findings.map((f) => f.message).join('; ')}`);
  return resources;
}

export function readFixture(scenario: string, file = 'manifest.yaml'): string {
  return readFileSync(join(fixturesDir, scenario, file), 'utf8');
}

/** Runs the schema check the way the pipeline does and resolves each finding's line through the resource locator. */
export async function check(
  resources: Resource[],
  opts: { kubernetesVersion?: string; config?: Record<string, unknown>; root?: string } = {},
): Promise<SeenFinding[]> {
  const found: FindingInput[] = [];
  const ctx: CheckContext = {
    root: opts.root ?? projectRoot,
    config: { schema: opts.config },
    overlays: [],
    resources,
    kubernetesVersion: opts.kubernetesVersion ?? '1.37',
    mode: 'validate',
    report: (f) => found.push(f),
  };
  await createSchemaCheck().run(ctx);
  return found.map((f) => ({
    ruleId: f.ruleId,
    message: f.message,
    path: f.path ? formatPath(f.path) : undefined,
    line: f.line ?? (f.path && f.resource ? f.resource.locate(f.path)?.line : undefined),
    kind: f.resource?.id.kind,
    name: f.resource?.id.name,
    overlay: f.overlay,
    severity: f.severity,
  }));
}

export async function checkText(text: string, opts: Parameters<typeof check>[1] = {}): Promise<SeenFinding[]> {
  return check(parse(text), opts);
}
