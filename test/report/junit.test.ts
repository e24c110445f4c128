/** JUnit XML: well-formed whatever the messages hold; one suite per overlay, one case per overlay × check. */
import { describe, expect, it } from 'vitest';
import { FORMATTERS } from '../../src/report/index.js';
import { formatJunit, REPOSITORY_SUITE, xmlAttr, xmlText } from '../../src/report/junit.js';
import { parseXml, type XmlElement } from './xml.js';
import { sampleReport } from './sample.js';

const xml = formatJunit(sampleReport(), { uriPrefix: 'infra/gitops' });
const root = parseXml(xml);
const suite = (name: string): XmlElement => {
  const s = root.children.find((c) => c.name === 'testsuite' && c.attrs.name === name);
  if (!s) throw new Error(`no suite ${name}`);
  return s;
};
const testcase = (suiteName: string, name: string): XmlElement => {
  const c = suite(suiteName).children.find((x) => x.name === 'testcase' && x.attrs.name === name);
  if (!c) throw new Error(`no case ${suiteName} × ${name}`);
  return c;
};
const child = (el: XmlElement, name: string): XmlElement | undefined => el.children.find((c) => c.name === name);

describe('JUnit XML', () => {
  it('is well-formed XML with a declaration and a <testsuites> root', () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    expect(root.name).toBe('testsuites');
    expect(root.attrs.name).toBe('kfm-gitops');
    expect(root.attrs.time).toBe('1.234');
  });

  it('has one suite per overlay (checked and skipped) and a repository suite', () => {
    expect(root.children.map((s) => s.attrs.name)).toEqual([
      'apps/kfm-api/overlays/dev',
      'apps/kfm-api/overlays/prod',
      'apps/kfm-api/overlays/stage',
      'apps/kfm-ui/overlays/dev',
      REPOSITORY_SUITE,
    ]);
    expect(
      suite('apps/kfm-api/overlays/dev')
        .children.filter((c) => c.name === 'testcase')
        .map((c) => c.attrs.name),
    ).toEqual(['render', 'schema', 'policy', 'secret']);
    const props = child(suite('apps/kfm-api/overlays/prod'), 'properties')!.children.map((p) => [
      p.attrs.name,
      p.attrs.value,
    ]);
    expect(props).toEqual([
      ['env', 'prod'],
      ['layer', 'apps'],
      ['status', 'ok'],
      ['resources', '4'],
      ['cached', 'true'],
    ]);
  });

  it('fails the overlay × check case that holds an error, listing file:line, resource and message', () => {
    const failure = child(testcase('apps/kfm-api/overlays/dev', 'schema'), 'failure')!;
    expect(failure.attrs.message).toBe('1 error: KFM-SCHEMA-001');
    expect(failure.attrs.type).toBe('KFM-SCHEMA-001');
    expect(failure.text).toContain(
      'error KFM-SCHEMA-001 infra/gitops/apps/kfm-api/base/deployment.yaml:9:13 Deployment kfm-dev/kfm-api, at spec.replicas',
    );
    expect(failure.text).toContain('spec.replicas must be integer');
    expect(child(testcase('apps/kfm-api/overlays/dev', 'render'), 'failure')).toBeUndefined();
  });

  it('keeps warnings out of failures (default --fail-on error) but lists them; fails them at --fail-on warning', () => {
    const policy = testcase('apps/kfm-api/overlays/prod', 'policy');
    expect(child(policy, 'failure')).toBeUndefined();
    expect(child(policy, 'system-out')!.text).toContain('warning KFM-DP-001');
    const strict = parseXml(formatJunit(sampleReport(), { failOn: 'warning' }));
    const strictPolicy = strict.children
      .find((s) => s.attrs.name === 'apps/kfm-api/overlays/prod')!
      .children.find((c) => c.attrs.name === 'policy')!;
    expect(child(strictPolicy, 'failure')!.attrs.message).toBe('1 warning: KFM-DP-001');
  });

  it('fails render and skips the other checks of an overlay that did not render', () => {
    expect(child(testcase('apps/kfm-api/overlays/stage', 'render'), 'failure')!.text).toContain(
      'missing.yaml: no such file',
    );
    expect(child(testcase('apps/kfm-api/overlays/stage', 'schema'), 'skipped')!.attrs.message).toBe(
      'not checked: the overlay did not render',
    );
  });

  it('marks every case of an overlay left out of the run as skipped, with the reason', () => {
    for (const c of suite('apps/kfm-ui/overlays/dev').children)
      expect(child(c, 'skipped')!.attrs.message).toBe('not changed since origin/main');
  });

  it('puts findings without an overlay into the repository suite, suppressed ones into system-out', () => {
    expect(child(testcase(REPOSITORY_SUITE, 'config'), 'failure')!.text).toContain('/home/ci/repo/kfm-gitops.yaml:7');
    expect(child(testcase(REPOSITORY_SUITE, 'policy'), 'failure')!.text).toContain('wasm trap');
    const secret = testcase(REPOSITORY_SUITE, 'secret');
    expect(child(secret, 'failure')).toBeUndefined();
    expect(child(secret, 'system-out')!.text).toContain('suppressed (inline): documented example');
  });

  it('counts tests, failures and skips on every suite and in total', () => {
    const dev = suite('apps/kfm-api/overlays/dev');
    expect(dev.attrs).toMatchObject({ tests: '4', failures: '1', skipped: '0', errors: '0' });
    expect(suite('apps/kfm-api/overlays/stage').attrs).toMatchObject({ tests: '4', failures: '1', skipped: '3' });
    const sum = (k: string): number => root.children.reduce((n, s) => n + Number(s.attrs[k]), 0);
    expect(Number(root.attrs.tests)).toBe(sum('tests'));
    expect(Number(root.attrs.failures)).toBe(sum('failures'));
    expect(Number(root.attrs.skipped)).toBe(sum('skipped'));
    // dev × schema, prod × schema, stage × render, repository × config and × policy (the check that failed).
    expect(root.attrs.failures).toBe('5');
  });

  it('escapes XML specials and drops characters XML cannot carry, keeping the rest of a hostile message', () => {
    const report = sampleReport();
    report.findings[2]!.severity = 'error';
    const hostile = parseXml(formatJunit(report, {}));
    const failure = hostile.children
      .find((s) => s.attrs.name === 'apps/kfm-api/overlays/prod')!
      .children.find((c) => c.attrs.name === 'policy')!.children[0]!;
    expect(failure.text).toContain('bad: 100%, a,b\r\n    ::set-output name=x::y <script>&amp; "q" \'s\' [31m ✓');
    expect(failure.text.includes('\u0000') || failure.text.includes('\u001b')).toBe(false);
    expect(xmlText('a\u0000b\u001bc\ud800d\ufffee<&>\r')).toBe('abcde&lt;&amp;&gt;&#13;');
    expect(xmlAttr('"\'\n\t')).toBe('&quot;&apos;&#10;&#9;');
    expect(parseXml(`<a b="${xmlAttr('x\ny "z" <w> & \'v\'')}"/>`).attrs.b).toBe('x\ny "z" <w> & \'v\'');
  });

  it('the well-formedness check is strict enough to catch raw specials', () => {
    expect(() => parseXml('<a>x & y</a>')).toThrow();
    expect(() => parseXml('<a b="<"/>')).toThrow();
    expect(() => parseXml('<a>\u0001</a>')).toThrow();
    expect(() => parseXml('<a><b></a></b>')).toThrow();
  });

  it('is registered as --format junit and honours failOn from the format options', () => {
    const out = parseXml(FORMATTERS.junit(sampleReport(), { color: false, failOn: 'warning' }));
    expect(out.attrs.failures).toBe('6');
  });
});
