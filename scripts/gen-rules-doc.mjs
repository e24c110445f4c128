#!/usr/bin/env node
// Writes docs/rules.md from the built rule catalogue (run `npm run build` first; `npm run docs:rules` does both).
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allRules } from '../dist/rules/index.js';
import { formatRulesDoc } from '../dist/report/rules-doc.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
mkdirSync(join(root, 'docs'), { recursive: true });
writeFileSync(join(root, 'docs', 'rules.md'), formatRulesDoc(allRules()));
console.log(`docs/rules.md: ${allRules().length} rules`);
