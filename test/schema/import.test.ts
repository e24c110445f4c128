/** `schemas import` and `schema.extraDirs`: a CRD converted once validates its custom resources in later runs. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importCrds } from '../../src/checks/schema/import.js';
import { register } from '../../src/cli/commands/schemas.js';
import type { CliIO } from '../../src/cli/io.js';
import { check, fixturesDir, parse } from './helpers.js';

const crdFile = join(fixturesDir, 'crd-cross-overlay', 'overlays', 'platform', 'manifest.yaml');
const crFile = join(fixturesDir, 'crd-cross-overlay', 'overlays', 'app', 'manifest.yaml');

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'kfm-schema-import-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('importCrds', () => {
  it('writes <out>/<group>/<kind>_<version>.json per served version', async () => {
    const result = await importCrds({ inputs: [crdFile], outDir: join(tmp, 'schemas'), displayBase: tmp });
    expect(result).toEqual({ written: ['schemas/ops.example.org/backup_v1.json'], errors: [] });
    const schema = JSON.parse(
      readFileSync(join(tmp, 'schemas', 'ops.example.org', 'backup_v1.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema['x-kubernetes-group-version-kind']).toEqual([
      { group: 'ops.example.org', kind: 'Backup', version: 'v1' },
    ]);
  });

  it('the written folder, listed under schema.extraDirs, validates the custom resource without the CRD in the run', async () => {
    await importCrds({ inputs: [crdFile], outDir: join(tmp, 'schemas') });
    const found = await check(parse(readFileSync(crFile, 'utf8'), 'overlays/app', 'cr.yaml'), {
      root: tmp,
      config: { extraDirs: ['schemas'] },
    });
    expect(found.map((f) => [f.ruleId, f.path, f.line, f.message])).toEqual([
      ['KFM-SCHEMA-001', 'spec.retentionDays', 8, 'must be ≥ 1, got `0`'],
      ['KFM-SCHEMA-002', 'spec.target.prefx', 11, 'unknown field `prefx`; did you mean `prefix`?'],
    ]);
  });

  it('skips versions that are not served and reports what it cannot read', async () => {
    const multi = join(tmp, 'multi.yaml');
    writeFileSync(
      multi,
      `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.com}
spec:
  group: example.com
  scope: Cluster
  names: {kind: Gadget, plural: gadgets}
  versions:
    - {name: v1alpha1, served: false, storage: false, schema: {openAPIV3Schema: {type: object}}}
    - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: not-a-crd}
`,
    );
    const result = await importCrds({
      inputs: [multi, join(tmp, 'missing')],
      outDir: join(tmp, 'out'),
      displayBase: tmp,
    });
    expect(result.written).toEqual(['out/example.com/gadget_v1.json']);
    expect(result.errors).toEqual(['missing: no such file or folder']);
  });

  it('says so when the input holds no CRD', async () => {
    writeFileSync(join(tmp, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
    const result = await importCrds({ inputs: [join(tmp, 'cm.yaml')], outDir: join(tmp, 'out'), displayBase: tmp });
    expect(result).toEqual({ written: [], errors: ['no CustomResourceDefinition found in cm.yaml'] });
  });
});

describe('kfm-gitops schemas import', () => {
  const run = async (args: string[]): Promise<{ out: string; err: string; code?: number; error?: unknown }> => {
    let out = '';
    let err = '';
    let code: number | undefined;
    const io: CliIO = {
      stdout: (t) => void (out += t),
      stderr: (t) => void (err += t),
      stdin: async () => '',
      isTTY: false,
      env: {},
      cwd: tmp,
    };
    const program = new Command().exitOverride();
    register(program, io, (c) => (code = c));
    try {
      await program.parseAsync(['schemas', 'import', ...args], { from: 'user' });
    } catch (error) {
      return { out, err, code, error };
    }
    return { out, err, code };
  };

  it('prints what it wrote and how to use it, exit code 0', async () => {
    const r = await run([crdFile, '--out', 'local-schemas']);
    expect(r.out).toBe(
      'wrote local-schemas/ops.example.org/backup_v1.json\n1 schema(s) written; list `local-schemas` under `schema.extraDirs` in kfm-gitops.yaml\n',
    );
    expect(r.code).toBe(0);
  });

  it('fails when nothing could be written', async () => {
    const r = await run(['nowhere.yaml', '--out', 'x']);
    expect(r.err).toBe('kfm-gitops: nowhere.yaml: no such file or folder\n');
    expect(r.error).toMatchObject({ message: 'no schema written', exitCode: 1 });
  });
});
