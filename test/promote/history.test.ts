import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { digestHistory, versionsFromLogPatch } from '../../src/promote/history.js';
import { gitIn } from './helpers.js';

const d = (c: string): string => `sha256:${c.repeat(64)}`;
const k = (digest: string, name = 'web'): string => `images:\n  - name: ${name}\n    digest: ${digest}\n`;

describe('digest history', () => {
  it('reads every version of a file from full-context patches', () => {
    const log = [
      '\u0000commit 2',
      '',
      'diff --git a/k.yaml b/k.yaml',
      '--- a/k.yaml',
      '+++ b/k.yaml',
      '@@ -1,2 +1,2 @@',
      ' a: 1',
      '-b: old',
      '\\ No newline at end of file',
      '+b: new',
      '\u0000commit 1',
      '',
      'diff --git a/k.yaml b/k.yaml',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/k.yaml',
      '@@ -0,0 +1,2 @@',
      '+a: 1',
      '+b: old',
    ].join('\n');
    expect(versionsFromLogPatch(log)).toEqual(['a: 1\nb: old\n', 'a: 1\nb: new\n', 'a: 1\nb: old\n']);
  });

  it('follows the file through renames and keeps digests per image', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfm-history-'));
    try {
      const git = (...args: string[]): string => gitIn(dir, ['-c', 'commit.gpgsign=false', ...args]);
      git('init', '-q', '-b', 'main');
      mkdirSync(join(dir, 'old'));
      writeFileSync(join(dir, 'old', 'kustomization.yaml'), k(d('a')) + '  - name: side\n    digest: ' + d('f') + '\n');
      git('add', '-A');
      git('commit', '-q', '-m', 'one');
      mkdirSync(join(dir, 'new'));
      renameSync(join(dir, 'old', 'kustomization.yaml'), join(dir, 'new', 'kustomization.yaml'));
      git('add', '-A');
      git('commit', '-q', '-m', 'move');
      writeFileSync(join(dir, 'new', 'kustomization.yaml'), k(d('b')));
      git('commit', '-q', '-am', 'two');
      writeFileSync(join(dir, 'new', 'kustomization.yaml'), k(d('c')));
      git('commit', '-q', '-am', 'three');
      const h = await digestHistory(join(dir, 'new', 'kustomization.yaml'), dir);
      expect(h.available).toBe(true);
      expect([...(h.digests.get('web') ?? [])].sort()).toEqual([d('a'), d('b'), d('c')]);
      expect([...(h.digests.get('side') ?? [])]).toEqual([d('f')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is unavailable outside a git repository', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfm-history-'));
    try {
      writeFileSync(join(dir, 'k.yaml'), k(d('a')));
      expect(await digestHistory(join(dir, 'k.yaml'), dir)).toEqual({ available: false, digests: new Map() });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
