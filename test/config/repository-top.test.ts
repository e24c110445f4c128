import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repositoryTop } from '../../src/config/containment.js';

const made: string[] = [];
const temp = (): string => {
  const d = realpathSync(mkdtempSync(join(tmpdir(), 'kfm-top-')));
  made.push(d);
  return d;
};
afterEach(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** What the containment rules measure against: the answer git gives, read from the file system. */
describe('repositoryTop', () => {
  it('is the work tree top git names, also from a folder reached through a link from outside', () => {
    const top = temp();
    execFileSync('git', ['init', '-q'], { cwd: top });
    mkdirSync(join(top, 'infra', 'gitops'), { recursive: true });
    const elsewhere = temp();
    symlinkSync(join(top, 'infra'), join(elsewhere, 'link'));
    const git = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: join(top, 'infra', 'gitops') })
      .toString()
      .trim();
    expect(repositoryTop(join(top, 'infra', 'gitops'))).toBe(git);
    expect(repositoryTop(join(elsewhere, 'link', 'gitops'))).toBe(git);
  });

  it('a .git planted inside the repository only narrows it: the top never moves above the real one', () => {
    const top = temp();
    execFileSync('git', ['init', '-q'], { cwd: top });
    mkdirSync(join(top, 'infra', 'gitops', 'apps'), { recursive: true });
    writeFileSync(join(top, 'infra', '.git'), 'gitdir: /nonexistent\n');
    expect(repositoryTop(join(top, 'infra', 'gitops', 'apps'))).toBe(join(top, 'infra'));
    expect(repositoryTop(top)).toBe(top);
  });

  it('is the folder itself outside a work tree, and for a folder that does not exist', () => {
    const plain = temp();
    mkdirSync(join(plain, 'a'));
    expect(repositoryTop(join(plain, 'a'))).toBe(join(plain, 'a'));
    expect(repositoryTop(join(plain, 'missing'))).toBe(join(plain, 'missing'));
  });
});
