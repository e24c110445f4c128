/**
 * Issue 20: the secret check walks each rendered overlay as it renders (observe), once the repository scan is done
 * (overlays rendered before wait for it), and run() reports those walks. The findings must be the ones run() alone
 * gives, in the same order and on the same resources: a value a repository file already reports is not reported
 * again per overlay, an inline-allowed value still is, the same value in several overlays is reported in each, the
 * baseline suppresses rendered findings, and a walk under another root or file list is not used.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildBaseline, createSecretsCheck } from '../../src/checks/secrets/index.js';
import { formatBaseline } from '../../src/checks/secrets/suppress.js';
import { parseResources } from '../../src/parse/index.js';
import { formatPath } from '../../src/parse/path.js';
import type { CheckContext, FindingInput, RenderedOverlay, Resource, StartContext } from '../../src/types.js';
import { makeRepo, removeDir } from './helpers.js';
import { Gen } from './vectors.js';
import { countObjectReads } from '../helpers.js';

const KEY = 'pre-pass-differential-key-0123456789abcdef';
const env = { KFM_SECRETS_FINGERPRINT_KEY: KEY };
const roots: string[] = [];
afterAll(async () => {
  for (const r of roots) await removeDir(r);
});

const g = new Gen(20);
const inRepo = `ghp_${g.alnum(36)}`; // in a repository file and rendered: reported on the file only
const allowed = `ghp_${g.alnum(36)}`; // inline-allowed in its file: the render still reports it
const shared = 'Rk7vQ2pLx9TmWc4Z'; // a Secret value two overlays render: each reports it
const baselined = 'Hq3ZmT8vLp2XrW6k'; // suppressed by the baseline in one overlay

const secret = (name: string, data: Record<string, string>): string =>
  `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\ntype: Opaque\nstringData:\n${Object.entries(data)
    .map(([k, v]) => `  ${k}: "${v}"\n`)
    .join('')}`;
const configMap = (name: string, data: Record<string, string>): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${Object.entries(data)
    .map(([k, v]) => `  ${k}: "${v}"\n`)
    .join('')}`;

const TEXTS: [string, string][] = [
  ['apps/a/overlays/dev', `${secret('a', { password: shared })}---\n${configMap('a', { token: inRepo })}`],
  ['apps/b/overlays/dev', `${configMap('b', { token: allowed, other: inRepo })}---\n${secret('b', { pw: shared })}`],
  ['apps/c/overlays/prod', `${secret('c', { key: baselined, password: shared })}`],
  ['apps/d/overlays/prod', `${configMap('d', { plain: 'nothing here' })}`],
];

function overlays(): RenderedOverlay[] {
  return TEXTS.map(([path, text]) => ({
    overlay: { path, absPath: `/x/${path}`, env: 'dev', layer: 'apps', kustomizationFile: 'kustomization.yaml' },
    status: 'ok',
    text: '',
    resources: parseResources(text, { overlay: path, file: path }).resources,
    durationMs: 0,
  }));
}

async function repo(withRepoValue = true): Promise<string> {
  const root = await makeRepo({
    ...(withRepoValue ? { 'apps/a/base/config.yaml': configMap('a', { token: inRepo }) } : {}),
    'docs/example.env': `TOKEN=${allowed} # kfm-gitops:allow KFM-SEC-030 revoked example of the docs\n`,
    'README.md': 'nothing\n',
  });
  roots.push(root);
  return root;
}

type Mode = 'alone' | 'after-scan' | 'before-scan';

/** The check's findings, as the pipeline would receive them (order and resource identity kept). */
async function run(
  root: string,
  mode: Mode,
  list = overlays(),
): Promise<{ found: string[]; resources: (Resource | undefined)[]; runReads: number }> {
  const check = createSecretsCheck({ env });
  const start: StartContext = { root, config: {}, kubernetesVersion: '1.33', mode: 'check' };
  const { reads, reset } = countObjectReads(list);
  check.start!(start);
  if (mode === 'after-scan') await new Promise((r) => setTimeout(r, 1_000)); // the repository scan is done
  if (mode !== 'alone') for (const r of [...list].reverse()) check.observe!(r, start); // renders finish in any order
  if (mode === 'before-scan') await new Promise((r) => setTimeout(r, 1_000)); // the waiting overlays are walked
  reset();
  const out: FindingInput[] = [];
  const ctx: CheckContext = {
    ...start,
    overlays: list,
    resources: list.flatMap((r) => r.resources),
    report: (f) => out.push(f),
  };
  await check.run(ctx);
  return {
    found: out.map((f) =>
      JSON.stringify([
        f.ruleId,
        f.message,
        f.severity,
        f.overlay,
        f.file,
        f.line,
        f.resource?.id.name,
        f.path ? formatPath(f.path) : undefined,
        f.fingerprintParts,
        f.suppressed,
      ]),
    ),
    resources: out.map((f) => f.resource),
    runReads: reads(),
  };
}

describe('secret walk of rendered overlays while they render', () => {
  it('reports what run() alone reports, in order, on the run’s resources, without reading their objects again', async () => {
    const root = await repo();
    const alone = await run(root, 'alone');
    const rendered = alone.found.filter((f) => f.includes('only in the rendered output'));
    // The planted shapes fire: the shared value in three overlays, the inline-allowed one, not the repository one.
    expect(rendered.filter((f) => f.includes('"apps/a/overlays/dev"')).length).toBeGreaterThan(0);
    expect(rendered.filter((f) => f.includes('"apps/c/overlays/prod"')).length).toBeGreaterThan(1);
    expect(alone.found.filter((f) => f.includes('"apps/b/overlays/dev"') && f.includes('KFM-SEC-030'))).toHaveLength(1);
    for (const mode of ['after-scan', 'before-scan'] as const) {
      const list = overlays();
      const early = await run(root, mode, list);
      expect(early.found, mode).toEqual(alone.found);
      // Findings point at the resources the run holds (the shells that replaced the parsed objects).
      const held = new Set(list.flatMap((r) => r.resources));
      for (const r of early.resources) if (r) expect(held.has(r), mode).toBe(true);
      expect(early.runReads, mode).toBe(0);
    }
  }, 30_000);

  it('the baseline suppresses rendered findings walked early as it does in run()', async () => {
    const root = await repo();
    const list = overlays();
    // A first run's findings of overlay c make the baseline (as `secrets baseline --render` writes it).
    const first = createSecretsCheck({ env });
    await first.run({
      root,
      config: {},
      kubernetesVersion: '1.33',
      mode: 'check',
      overlays: list,
      resources: list.flatMap((r) => r.resources),
      report: () => undefined,
    });
    const onC = first.lastFindings().filter((f) => f.overlay === 'apps/c/overlays/prod');
    expect(onC.length).toBeGreaterThan(0);
    mkdirSync(join(root, '.kfm-gitops'), { recursive: true });
    writeFileSync(
      join(root, '.kfm-gitops', 'secrets-baseline.json'),
      formatBaseline(buildBaseline(onC, undefined, KEY, 'rotated in the test vault')),
    );
    const alone = await run(root, 'alone');
    expect(alone.found.some((f) => f.includes('"by":"baseline"'))).toBe(true);
    expect((await run(root, 'after-scan')).found).toEqual(alone.found);
    expect((await run(root, 'before-scan')).found).toEqual(alone.found);
  }, 30_000);

  it('walks of another root or file list, and overlays never observed, are walked by run()', async () => {
    const root = await repo();
    const other = await repo(false); // its walks would report the value the checked root's file reports
    const alone = await run(root, 'alone');
    const check = createSecretsCheck({ env });
    const list = overlays();
    const start: StartContext = { root: other, config: {}, kubernetesVersion: '1.33', mode: 'check' };
    check.start!(start);
    await new Promise((r) => setTimeout(r, 1_000));
    for (const r of list.slice(0, 2)) check.observe!(r, start);
    const out: FindingInput[] = [];
    await check.run({
      ...start,
      root,
      overlays: list,
      resources: list.flatMap((r) => r.resources),
      report: (f) => out.push(f),
    });
    expect(out.map((f) => f.message)).toEqual(alone.found.map((f) => JSON.parse(f)[1] as string));
  }, 30_000);
});
