/**
 * Acceptance: every overlay of infra/gitops, rendered by the real kustomize, passes the schema check clean —
 * including its Argo CD, OLM, Route, SealedSecret and External Secrets resources.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverOverlays } from '../../src/discover/index.js';
import type { Resource } from '../../src/types.js';
import { check, parse, projectRoot } from './helpers.js';

const infraRoot = join(projectRoot, 'infra', 'gitops');
const kustomize = join(projectRoot, '.tools', 'bin', 'kustomize');
const ready = existsSync(infraRoot) && existsSync(kustomize);

describe.skipIf(!ready)(
  'infra/gitops renders clean (skipped without infra/gitops or .tools/bin/kustomize: run `npm run tools`)',
  () => {
    it('every overlay validates with no schema finding', async () => {
      const { overlays } = await discoverOverlays(infraRoot, {});
      expect(overlays.length).toBeGreaterThan(5);
      const resources: Resource[] = [];
      for (const overlay of overlays) {
        const text = execFileSync(kustomize, ['build', overlay.absPath], {
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        });
        resources.push(...parse(text, overlay.path, overlay.path));
      }
      const kinds = new Set(resources.map((r) => r.id.kind));
      for (const kind of [
        'Application',
        'AppProject',
        'ApplicationSet',
        'ArgoCD',
        'Subscription',
        'OperatorGroup',
        'Route',
      ]) {
        expect(kinds, `infra/gitops renders no ${kind}`).toContain(kind);
      }
      const found = await check(resources, { root: infraRoot });
      expect(found.map((f) => `${f.overlay}: ${f.kind} ${f.name}: ${f.path} (line ${f.line}): ${f.message}`)).toEqual(
        [],
      );
    });
  },
);
