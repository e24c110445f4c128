/** Render errors at the file that broke: a malformed base file is reported on that file and line, in every format. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstYamlError, placeRenderError } from '../../src/render/errors.js';
import { kustomizeBin, repoRoot, runCli, tempCopy } from '../helpers.js';
import { existsSync } from 'node:fs';

const KUSTOMIZE_MSG =
  "accumulating resources: accumulating resources from 'deployment.yaml': MalformedYAMLError: yaml: line 9: did not find expected ',' or ']' in File: deployment.yaml";

/** infra/gitops with `replicas: [1 1` on line 10 of apps/kfm-ui/base/deployment.yaml (the broken base). */
function brokenBaseCopy(): { dir: string; cleanup: () => void } {
  const copy = tempCopy(join(repoRoot, 'infra', 'gitops'));
  const file = join(copy.dir, 'apps/kfm-ui/base/deployment.yaml');
  const lines = readFileSync(file, 'utf8').split('\n');
  lines[9] = '  replicas: [1 1';
  writeFileSync(file, lines.join('\n'));
  return copy;
}

describe('firstYamlError', () => {
  it("points an unclosed flow sequence at the line that opens it (10), not where the parser noticed (11) nor go-yaml's 9", () => {
    const keys = Array.from({ length: 8 }, (_, i) => `  k${i}: 1\n`).join('');
    const err = firstYamlError(`spec:\n${keys}  replicas: [1 1\n  revisionHistoryLimit: 5\n`);
    expect(err).toMatchObject({ line: 10, column: 13 });
    expect(err!.message).toMatch(/^Flow sequence .* end with a \]$/);
  });

  it('gives the parser line for other errors, and nothing for valid YAML', () => {
    expect(firstYamlError('a: 1\nb:\n  c: 1\n d: 2\n')?.line).toBe(4);
    expect(firstYamlError('a: 1\nb: 2\na: 3\n')).toMatchObject({ line: 3 });
    expect(firstYamlError('a: 1\n---\nb: [1, 2]\n')).toBeUndefined();
  });
});

describe('placeRenderError', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => ({ dir, cleanup } = brokenBaseCopy()));
  afterAll(() => cleanup());
  const inputs = [
    'apps/kfm-ui/base/deployment.yaml',
    'apps/kfm-ui/base/kustomization.yaml',
    'apps/kfm-ui/overlays/dev/deployment.yaml',
    'apps/kfm-ui/overlays/dev/kustomization.yaml',
  ];

  it('finds the broken file among the inputs with the same name, keeping kustomize text as detail', async () => {
    // The overlay's own deployment.yaml does not exist here (unreadable candidates are passed over).
    const placed = await placeRenderError(dir, inputs, KUSTOMIZE_MSG);
    expect(placed).toMatchObject({ file: 'apps/kfm-ui/base/deployment.yaml', line: 10, column: 13 });
    expect(placed!.message.split('\n')).toEqual([
      'invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
      `kustomize: ${KUSTOMIZE_MSG}`,
    ]);
  });

  it('leaves errors that are not about YAML syntax alone', async () => {
    expect(await placeRenderError(dir, inputs, "accumulating resources: 'x.yaml': no such file")).toBeUndefined();
  });

  it('reads nothing that is not an input of the overlay', async () => {
    expect(await placeRenderError(dir, ['apps/kfm-api/base/kustomization.yaml'], KUSTOMIZE_MSG)).toBeUndefined();
  });
});

describe.skipIf(!existsSync(kustomizeBin))('a broken base with the CLI (real kustomize)', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => ({ dir, cleanup } = brokenBaseCopy()));
  afterAll(() => cleanup());

  it('points at apps/kfm-ui/base/deployment.yaml:10 in text, GitHub, SARIF, JSON and JUnit', async () => {
    const run = (format: string): Promise<{ code: number; stdout: string }> =>
      runCli(['check', dir, '--format', format, '--no-cache', '--overlay', 'apps/kfm-ui/**']);
    const [text, github, sarif, json, junit] = await Promise.all(['text', 'github', 'sarif', 'json', 'junit'].map(run));
    for (const r of [text, github, sarif, json, junit]) expect(r.code).toBe(1);
    expect(text.stdout).toMatch(
      /^error {3}KFM-RENDER-001 {2}apps\/kfm-ui\/base\/deployment\.yaml:10:13 {2}invalid YAML/m,
    );
    expect(text.stdout.match(/KFM-RENDER-001 {2}apps/g)).toHaveLength(1);
    expect(text.stdout).toContain('↳ 3 overlays (dev, prod, stage)');
    expect(text.stdout).not.toMatch(/kustomization\.yaml/);
    expect(github.stdout).toMatch(
      /^::error file=apps\/kfm-ui\/base\/deployment\.yaml,line=10,col=13,title=KFM-RENDER-001::/m,
    );
    const result = JSON.parse(sarif.stdout).runs[0].results.find(
      (r: { ruleId: string }) => r.ruleId === 'KFM-RENDER-001',
    );
    expect(result.locations[0].physicalLocation).toMatchObject({
      artifactLocation: { uri: 'apps/kfm-ui/base/deployment.yaml' },
      region: { startLine: 10 },
    });
    const findings = JSON.parse(json.stdout).findings as { file: string; line: number; overlay: string }[];
    expect(findings.map((f) => `${f.overlay} ${f.file}:${f.line}`)).toEqual([
      'apps/kfm-ui/overlays/dev apps/kfm-ui/base/deployment.yaml:10',
      'apps/kfm-ui/overlays/prod apps/kfm-ui/base/deployment.yaml:10',
      'apps/kfm-ui/overlays/stage apps/kfm-ui/base/deployment.yaml:10',
    ]);
    expect(junit.stdout).toContain('apps/kfm-ui/base/deployment.yaml:10:13');
  }, 120_000);
});
