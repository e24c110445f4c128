/**
 * The desired-state root a `check <folder>` argument belongs to (discover/root.ts): a folder that is nothing, or a
 * link loop, named like a layer is no layer folder; the search goes on upward to the real layout.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { desiredStateFor } from '../../src/discover/root.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('desiredStateFor', () => {
  it('looks past a link loop or a dangling link named like a layer folder', () => {
    dir = mkdtempSync(join(tmpdir(), 'kfm-root-'));
    mkdirSync(join(dir, '.git'));
    mkdirSync(join(dir, 'apps', 'web', 'base'), { recursive: true });
    symlinkSync('core', join(dir, 'apps', 'web', 'core')); // a loop: core -> core
    symlinkSync('missing', join(dir, 'apps', 'web', 'bootstrap'));
    const found = desiredStateFor(join(dir, 'apps', 'web'), { cwd: dir });
    expect(found).toEqual({ root: dir, scope: 'apps/web' });
  });
});
