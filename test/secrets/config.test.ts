import { describe, expect, it } from 'vitest';
import { secretsSettings } from '../../src/checks/secrets/index.js';
import { parseConfig } from '../../src/config/load.js';

describe('the secrets: section of kfm-gitops.yaml', () => {
  it('accepts the documented keys and turns them into settings', async () => {
    const config = await parseConfig(
      'secrets:\n  exclude: ["docs/**"]\n  maxFileBytes: 1048576\n  baseline: ci/secrets-baseline.json\n  allowRules: ["KFM-SEC-03?", "KFM-SEC-070"]\n  stopWords: ["kfm-sample"]\n',
      'kfm-gitops.yaml',
    );
    expect(secretsSettings(config.secrets)).toEqual({
      exclude: ['docs/**'],
      maxFileBytes: 1048576,
      baseline: 'ci/secrets-baseline.json',
      allowRules: ['KFM-SEC-03?', 'KFM-SEC-070'],
      stopWords: ['kfm-sample'],
    });
  });

  it('has defaults: 5 MiB cap, baseline under .kfm-gitops, every credential rule allowed inline', () => {
    const s = secretsSettings(undefined);
    expect(s.maxFileBytes).toBe(5 * 1024 * 1024);
    expect(s.baseline).toBe('.kfm-gitops/secrets-baseline.json');
    expect(s.allowRules).toContain('KFM-SEC-03?');
    expect(s.allowRules).not.toContain('KFM-SEC-9??');
  });

  it('refuses a typo, naming the key and the line', async () => {
    await expect(parseConfig('secrets:\n  maxFileByte: 10\n', 'kfm-gitops.yaml')).rejects.toThrow(
      /kfm-gitops\.yaml:2: unknown key `maxFileByte` in secrets/,
    );
    await expect(parseConfig('secrets:\n  allowRules: ["KFM-DP-001"]\n', 'kfm-gitops.yaml')).rejects.toThrow(
      /kfm-gitops\.yaml:2/,
    );
  });
});
