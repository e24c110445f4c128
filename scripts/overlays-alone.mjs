#!/usr/bin/env node
/**
 * Acceptance check for issue 14 on an outside repository (e.g. redhat-cop/gitops-catalog): every `*\/overlays/*`
 * folder holding a kustomization must appear as its own overlay in a `kfm-gitops check -o json=<file>` report.
 * Prints the figures (folders, rendered, statuses, errors by rule) and exits 1 when a folder is missing.
 *
 *   node bin/kfm-gitops.js check <repo> -o json=/tmp/report.json; node scripts/overlays-alone.mjs <repo> /tmp/report.json
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const [root, reportFile] = process.argv.slice(2);
if (!root || !reportFile) {
  console.error('usage: overlays-alone.mjs <repo> <report.json>');
  process.exit(2);
}
const NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const wanted = [];
const walk = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name.startsWith('.') || e.name === 'node_modules') continue;
    const path = join(dir, e.name);
    const segments = relative(root, path).split('/');
    if (segments.at(-2) === 'overlays' && NAMES.some((n) => existsSync(join(path, n))))
      wanted.push(segments.join('/'));
    walk(path);
  }
};
walk(root);
const report = JSON.parse(readFileSync(reportFile, 'utf8'));
const byPath = new Map(report.overlays.map((o) => [o.path, o]));
const missing = wanted.filter((w) => !byPath.has(w));
const statuses = {};
for (const w of wanted) {
  const s = byPath.get(w)?.status ?? 'absent';
  statuses[s] = (statuses[s] ?? 0) + 1;
}
const errorsByRule = {};
for (const f of report.findings)
  if (f.severity === 'error') errorsByRule[f.ruleId] = (errorsByRule[f.ruleId] ?? 0) + 1;
console.log(
  JSON.stringify(
    { overlayFolders: wanted.length, reportOverlays: report.overlays.length, statuses, missing, errorsByRule },
    null,
    1,
  ),
);
process.exitCode = missing.length > 0 ? 1 : 0;
