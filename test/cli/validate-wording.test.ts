/** `validate` speaks of files and documents: no "overlays", no `none · none`. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'kfm-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('validate wording', () => {
  it('counts files and documents, and names each broken file once', async () => {
    writeFileSync(
      join(dir, 'two.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: 1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n',
    );
    writeFileSync(join(dir, 'broken.yaml'), 'a: [1\n');
    const r = await runCli(['validate', 'two.yaml', 'broken.yaml', '--no-color'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✖ 2 errors, 0 warnings in 2 files \(2 documents\), Kubernetes /m);
    expect(r.stdout).toContain('  files: 1 parsed, 1 unreadable or not valid YAML; 2 files with errors');
    expect(r.stdout).not.toMatch(/overlay|none · none/);
    expect(r.stdout).toMatch(/^error {3}KFM-SCHEMA-001 {2}two\.yaml:6:3 /m);
  });
});
