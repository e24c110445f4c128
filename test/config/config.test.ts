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

  it('names an unknown key, its line and the closest known key', async () => {
    const err = await parseConfig('kustomize:\n  timeoutSecond: 5\n', 'kfm-gitops.yaml').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(
      'kfm-gitops.yaml:2: unknown key `timeoutSecond` in kustomize (did you mean `timeoutSeconds`?)',
    );
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

  it('treats an empty file as an empty config', async () => {
    expect(await parseConfig('', 'c.yaml')).toEqual({});
  });
});
