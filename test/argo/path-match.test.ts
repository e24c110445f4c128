/** Git generator path patterns: Go's path.Match and doublestar semantics, and no catastrophic backtracking. */
import { describe, expect, it } from 'vitest';
import { argoGlobMatch, doublestarMatch, gitPathspecMatch, goPathMatch } from '../../src/argo/path-match.js';

describe('goPathMatch (git directories)', () => {
  it.each([
    ['apps/*', 'apps/a', true],
    ['apps/*', 'apps/a/b', false],
    ['apps/**', 'apps/a/b', false], // Go has no `**`: it is `*`
    ['apps/?', 'apps/a', true],
    ['apps/[ab]', 'apps/b', true],
    ['apps/[^ab]', 'apps/b', false],
    ['apps/[a-c]x', 'apps/bx', true],
    ['apps/\\*', 'apps/*', true],
    ['apps/\\*', 'apps/a', false],
    ['apps/[', 'apps/[', false], // malformed: matches nothing, as in Argo CD
    ['*/overlays/*', 'kfm-api/overlays/prod', true],
  ])('%s ~ %s → %s', (pattern, path, want) => {
    expect(goPathMatch(pattern, path)).toBe(want);
  });
});

describe('argoGlobMatch (a directory source include/exclude: gobwas/glob without separators)', () => {
  it.each([
    ['*.yaml', 'sub/deep/route.yaml', true], // `*` crosses folders in Argo CD
    ['*kustomization.yaml', 'base/kustomization.yaml', true],
    ['sub/*', 'sub/a/b.yaml', true],
    ['?.yaml', 'a.yaml', true],
    ['{*.yaml,*.json}', 'x/y.json', true],
    ['{*.yaml,*.json}', 'x/y.yml', false],
    ['[ab].yaml', 'b.yaml', true],
    ['[!ab].yaml', 'b.yaml', false],
    ['prod/*.yaml', 'dev/a.yaml', false],
  ])('%s ~ %s → %s', (pattern, path, want) => {
    expect(argoGlobMatch(pattern, path)).toBe(want);
  });
});

describe("gitPathspecMatch (git ls-files pathspec: Argo CD's default git files listing)", () => {
  it.each([
    ['cfg/*.json', 'cfg/deep/x.json', true],
    ['cfg/?/x.json', 'cfg/a/x.json', true],
    ['cfg', 'cfg/a/x.json', true], // a folder named without wildcards: everything under it
    ['cfg/x.json', 'cfg/x.json', true],
    ['cfg/{a,b}.json', 'cfg/a.json', false], // no braces in git pathspecs
    ['cfg/*.json', 'other/x.json', false],
  ])('%s ~ %s → %s', (pattern, path, want) => {
    expect(gitPathspecMatch(pattern, path)).toBe(want);
  });
});

describe('doublestarMatch (git files)', () => {
  it.each([
    ['clusters/**/config.json', 'clusters/config.json', true],
    ['clusters/**/config.json', 'clusters/eu/prod/config.json', true],
    ['clusters/*/config.json', 'clusters/eu/prod/config.json', false],
    ['clusters/**', 'clusters/eu/x.yaml', true],
    ['clusters/{eu,us}/*.json', 'clusters/us/a.json', true],
    ['clusters/{eu,us}/*.json', 'clusters/ap/a.json', false],
  ])('%s ~ %s → %s', (pattern, path, want) => {
    expect(doublestarMatch(pattern, path)).toBe(want);
  });

  it('answers hostile patterns against hostile names at once (no backtracking blow-up, no brace bomb)', () => {
    const name = `${'a'.repeat(250)}/${'a'.repeat(250)}`;
    const started = performance.now();
    expect(goPathMatch(`${'*a'.repeat(40)}*b/*`, name)).toBe(false);
    expect(doublestarMatch(`${'**/a*'.repeat(20)}b`, name)).toBe(false);
    expect(doublestarMatch('{a,b}'.repeat(30), 'ab')).toBe(false);
    expect(argoGlobMatch(`${'*a'.repeat(40)}*b`, name)).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
