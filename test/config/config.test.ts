import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/load.js';

describe('config', () => {
  it('accepts a full valid config and remembers exception lines', async () => {
    const text = [
      'root: infra/gitops',
      'concurrency: 4',
      'failOn: warning',
      'kustomize:',
      '  timeoutSeconds: 30',
      'rules:',
      '  KFM-RENDER-014: warning',
      'exceptions:',
      '  - rule: KFM-DP-001',
      '    resource: {kind: Deployment, name: legacy}',
      '    reason: vendor image not yet mirrored by digest',
      '    owner: platform-team',
      '    expires: 2027-01-31',
    ].join('\n');
    const config = await parseConfig(text, 'kfm-gitops.yaml');
    expect(config.concurrency).toBe(4);
    expect(config.exceptions?.[0].line).toBe(9);
  });

  it('refuses an alias bomb as a config error (exit 2 with a reason), not an internal error', async () => {
    const text = [
      'a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ].join('\n');
    const err = await parseConfig(text, 'kfm-gitops.yaml').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/^kfm-gitops\.yaml: .*alias/i);
  });

  it('names an unknown key, its line and the closest known key', async () => {
    const err = await parseConfig('kustomize:\n  timeoutSecond: 5\n', 'kfm-gitops.yaml').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(
      'kfm-gitops.yaml:2: unknown key `timeoutSecond` in kustomize (did you mean `timeoutSeconds`?)',
    );
  });

  it('suggests the closest key at every depth, also inside the check sections and list items', async () => {
    const cases: [string, string][] = [
      ['schema:\n  extraDir: [x]\n', 'c.yaml:2: unknown key `extraDir` in schema (did you mean `extraDirs`?)'],
      ['secrets:\n  baselin: b.json\n', 'c.yaml:2: unknown key `baselin` in secrets (did you mean `baseline`?)'],
      ['policy:\n  customDr: p\n', 'c.yaml:2: unknown key `customDr` in policy (did you mean `customDir`?)'],
      ['cache:\n  enable: false\n', 'c.yaml:2: unknown key `enable` in cache (did you mean `enabled`?)'],
      [
        'exceptions:\n  - ruleId: KFM-DP-001\n    reason: r\n    owner: o\n    expires: 2099-01-01\n',
        'c.yaml:2: unknown key `ruleId` in exceptions.0 (did you mean `rule`?)',
      ],
      [
        'exceptions:\n  - rule: KFM-DP-001\n    resource: {knd: Deployment}\n    reason: r\n    owner: o\n    expires: 2099-01-01\n',
        'c.yaml:3: unknown key `knd` in exceptions.0.resource (did you mean `kind`?)',
      ],
    ];
    for (const [text, message] of cases) {
      const err = await parseConfig(text, 'c.yaml').catch((e: unknown) => e);
      expect((err as ConfigError).message).toBe(message);
    }
    // Nothing close: the known keys instead of a guess.
    const far = await parseConfig('kustomize:\n  zzzzzzzz: 1\n', 'c.yaml').catch((e: unknown) => e);
    expect((far as ConfigError).message).toMatch(/unknown key `zzzzzzzz` in kustomize \(known keys: `command`, /);
  });

  it('rejects wrong types, bad enums and exceptions without owner', async () => {
    await expect(parseConfig('concurrency: many\n', 'c.yaml')).rejects.toThrow(
      /c.yaml:1: `concurrency` must be integer/,
    );
    await expect(parseConfig('failOn: never\n', 'c.yaml')).rejects.toThrow(/must be one of "error", "warning"/);
    await expect(
      parseConfig(
        'exceptions:\n  - rule: KFM-DP-001\n    reason: long enough reason\n    expires: 2027-01-01\n',
        'c.yaml',
      ),
    ).rejects.toThrow(/missing required key `owner`/);
    await expect(parseConfig('a: [1\n', 'c.yaml')).rejects.toThrow(/invalid YAML/);
    await expect(parseConfig('- 1\n', 'c.yaml')).rejects.toThrow(/must be a YAML mapping/);
  });

  it('refuses an exception that never expires, or whose reason or owner is blank', async () => {
    const entry = (fields: string): string =>
      `exceptions:\n  - rule: KFM-DP-001\n    resource: {kind: Deployment, name: legacy}\n${fields}`;
    const ok = '    reason: vendor image not yet mirrored\n    owner: platform-team\n    expires: 2027-01-31\n';
    await expect(parseConfig(entry(ok), 'c.yaml')).resolves.toBeDefined();
    // `9999-99-99` matched the pattern and, compared as text with today, was never expired: a permanent pass.
    for (const day of ['9999-99-99', '2027-02-30', '2027-13-01', '2027-00-10']) {
      await expect(parseConfig(entry(ok.replace('2027-01-31', day)), 'c.yaml')).rejects.toThrow(
        `c.yaml:6: exception 1 (KFM-DP-001): \`expires\` "${day}" is not a day of the calendar (YYYY-MM-DD)`,
      );
    }
    await expect(
      parseConfig(entry(ok.replace('vendor image not yet mirrored', '"          ."')), 'c.yaml'),
    ).rejects.toThrow(/^c\.yaml:4: exception 1 \(KFM-DP-001\): `reason` must say why/);
    await expect(parseConfig(entry(ok.replace('platform-team', '"   "')), 'c.yaml')).rejects.toThrow(
      'c.yaml:5: exception 1 (KFM-DP-001): `owner` is blank',
    );
    // A leap day is a day.
    await expect(parseConfig(entry(ok.replace('2027-01-31', '2028-02-29')), 'c.yaml')).resolves.toBeDefined();
  });

  it('refuses an oversized config before parsing it, in bounded time', async () => {
    // Flow lists: the YAML parser needed 17.6 s and 944 MB for 3 MB of them.
    const junk = Array.from({ length: 40_000 }, (_, i) => `  - k${i}: [${Array(20).fill('aa').join(',')}]`).join('\n');
    const started = Date.now();
    const err = await parseConfig(`concurrency: 2\nexceptions:\n${junk}\n`, 'kfm-gitops.yaml').catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^kfm-gitops\.yaml: \d+ characters, over the 256 KiB limit/);
  });

  it('treats an empty file as an empty config', async () => {
    expect(await parseConfig('', 'c.yaml')).toEqual({});
  });
});
