#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/cli (built by `npm run build`, which `npm ci` runs via `prepare`).
import { main } from '../dist/cli/main.js';

// Fail closed: if the event loop ever drains while the run is still pending (a promise nothing will settle), Node
// would exit 0 — a silent pass. Exit 2 instead.
let settled = false;
process.on('exit', () => {
  if (settled) return;
  process.stderr.write('kfm-gitops: internal error: the run stopped before it finished\n');
  process.exitCode = 2;
});

main(process.argv.slice(2)).then(
  (code) => {
    settled = true;
    process.exitCode = code;
  },
  (err) => {
    settled = true;
    process.stderr.write(
      `kfm-gitops: internal error: ${err instanceof Error ? err.message.split('\n')[0] : String(err).split('\n')[0]}\n`,
    );
    process.exitCode = 2;
  },
);
