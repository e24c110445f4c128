/**
 * One scenario per folder under fixtures/schema/: the manifests (`manifest.yaml`, or `overlays/<name>/manifest.yaml`
 * for scenarios spanning overlays), the optional `config.json` (the `schema:` config section) and `expected.json`,
 * the findings a user sees: rule id, overlay, dotted path, rendered line and message.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Resource } from '../../src/types.js';
import { check, fixturesDir, parse } from './helpers.js';

const SCENARIOS = [
  'unknown-field',
  'wrong-type',
  'missing-required',
  'int-or-string',
  'quantity',
  'empty-list',
  'multi-document',
  'list-kind',
  'crd-cross-overlay',
  'no-schema',
  'allowed-unknown-kind',
  'removed-api',
  'duplicate-containers',
];

interface Expected {
  ruleId: string;
  overlay?: string;
  path?: string;
  line?: number;
  message: string;
}

function load(scenario: string): Resource[] {
  const dir = join(fixturesDir, scenario);
  const overlaysDir = join(dir, 'overlays');
  if (!existsSync(overlaysDir))
    return parse(readFileSync(join(dir, 'manifest.yaml'), 'utf8'), scenario, 'manifest.yaml');
  return readdirSync(overlaysDir)
    .sort()
    .flatMap((name) =>
      parse(
        readFileSync(join(overlaysDir, name, 'manifest.yaml'), 'utf8'),
        `overlays/${name}`,
        `overlays/${name}/manifest.yaml`,
      ),
    );
}

describe.each(SCENARIOS)('fixtures/schema/%s', (scenario) => {
  it('reports exactly the expected findings, with path and line', async () => {
    const dir = join(fixturesDir, scenario);
    const configFile = join(dir, 'config.json');
    const config = existsSync(configFile)
      ? (JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>)
      : undefined;
    const found = await check(load(scenario), { config, root: dir });
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected[];
    const seen = found.map((f) => {
      const out: Expected = { ruleId: f.ruleId, path: f.path, line: f.line, message: f.message };
      if (scenario === 'crd-cross-overlay') out.overlay = f.overlay;
      return out;
    });
    expect(seen).toEqual(expected);
  });
});
