/**
 * `kustomize.command` in kfm-gitops.yaml comes from the change under check. Naming a script committed next to it
 * (`./render.sh`), or an interpreter with a committed file (`sh render.sh`, `python3 x.py`), ran that file on the
 * CI host before anything was checked, and let it print whatever "render" it liked: the pull request chose the
 * renderer of its own review. From the config only `kustomize` or `kubectl kustomize` found on PATH is taken; any
 * other command must come from the user (--kustomize, KFM_KUSTOMIZE). Nothing the config names is run otherwise.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveHelm, resolveKustomize } from '../../src/render/resolve.js';
import { runCli } from '../helpers.js';
import { gitCopy, type Copy } from '../e2e/infra-copy.js';

describe('kustomize.command from the repository config', () => {
  let dir: string;
  let marker: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kfm-cfgcmd-'));
    marker = join(dir, 'ran');
    mkdirSync(join(dir, 'bin'));
    // A fake kustomize/kubectl on PATH that answers `version`, and a planted script that would leave a marker.
    for (const name of ['kustomize', 'kubectl']) {
      writeFileSync(join(dir, 'bin', name), '#!/bin/sh\necho v5.7.1\n');
      chmodSync(join(dir, 'bin', name), 0o755);
    }
    writeFileSync(join(dir, 'render.sh'), `#!/bin/sh\ntouch ${marker}\necho v5.7.1\n`);
    chmodSync(join(dir, 'render.sh'), 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([['./render.sh'], ['sh render.sh'], ['kustomize --enable-exec'], ['kubectl apply'], ['render.sh']])(
    'refuses %j without running it',
    async (command) => {
      const path = `${join(dir, 'bin')}:${dir}:/usr/bin:/bin`;
      const cwd = process.cwd();
      process.chdir(dir);
      try {
        await expect(resolveKustomize({ config: command, path })).rejects.toThrow(/kustomize\.command/);
      } finally {
        process.chdir(cwd);
      }
      expect(existsSync(marker)).toBe(false);
    },
  );

  it.each([['kustomize'], ['kubectl kustomize']])('takes %j from PATH', async (command) => {
    const got = await resolveKustomize({ config: command, path: join(dir, 'bin') });
    expect(got.source).toBe('config');
    expect(got.file).toBe(join(dir, 'bin', command.split(' ')[0]!));
  });

  it('refuses a kustomize the config picks from a PATH entry inside the repository, and never picks one itself', async () => {
    const path = join(dir, 'bin');
    await expect(resolveKustomize({ config: 'kustomize', path, repository: dir })).rejects.toThrow(
      /a file of the repository under check/,
    );
    const empty = join(dir, 'no-tools');
    mkdirSync(empty, { recursive: true });
    await expect(resolveKustomize({ path, repository: dir, toolsDir: empty, worker: false })).rejects.toThrow(
      /kustomize not found/,
    );
    const outside = await resolveKustomize({
      path,
      repository: join(dir, 'elsewhere'),
      toolsDir: empty,
      worker: false,
    });
    expect(outside.source).toBe('path');
    // helm likewise: one PATH finds in the repository is not taken.
    writeFileSync(join(dir, 'bin', 'helm'), '#!/bin/sh\necho v3\n');
    chmodSync(join(dir, 'bin', 'helm'), 0o755);
    expect(resolveHelm({ path, toolsDir: empty, repository: dir })).toBeUndefined();
    expect(resolveHelm({ path, toolsDir: empty, repository: join(dir, 'elsewhere') })).toBe(join(dir, 'bin', 'helm'));
  });

  it('still runs any command the user names (--kustomize, KFM_KUSTOMIZE)', async () => {
    const got = await resolveKustomize({ flag: join(dir, 'bin', 'kustomize'), config: './render.sh' });
    expect(got.source).toBe('flag');
  });
});

describe('check with a kfm-gitops.yaml naming a committed renderer', () => {
  let copy: Copy;
  beforeAll(() => {
    copy = gitCopy();
  });
  afterAll(() => copy.cleanup());

  it('stops the run (exit 2) before running the script, naming the key', async () => {
    const marker = join(copy.top, 'ran');
    // The "renderer" prints nothing for any overlay but would run whatever it likes first.
    writeFileSync(
      join(copy.root, 'render.sh'),
      `#!/bin/sh\ntouch ${marker}\n[ "$1" = version ] && echo v5.7.1\nexit 0\n`,
    );
    chmodSync(join(copy.root, 'render.sh'), 0o755);
    writeFileSync(join(copy.root, 'kfm-gitops.yaml'), 'kustomize:\n  command: ./render.sh\n');
    const r = await runCli(['check', '.', '--format', 'json', '--no-cache'], { cwd: copy.root });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/kustomize\.command/);
    expect(existsSync(marker)).toBe(false);
  });

  it('stops the run (exit 2) when `kustomize` on PATH is a file of the repository (node_modules/.bin under npx)', async () => {
    const marker = join(copy.top, 'ran-bin');
    const bin = join(copy.top, 'node_modules', '.bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'kustomize'), `#!/bin/sh\ntouch ${marker}\n[ "$1" = version ] && echo v5.7.1\nexit 0\n`);
    chmodSync(join(bin, 'kustomize'), 0o755);
    writeFileSync(join(copy.root, 'kfm-gitops.yaml'), 'kustomize:\n  command: kustomize\n');
    const r = await runCli(['check', '.', '--format', 'json', '--no-cache'], {
      cwd: copy.root,
      env: { PATH: `${bin}:${process.env.PATH ?? ''}` },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/a file of the repository under check/);
    expect(existsSync(marker)).toBe(false);
  });
});
