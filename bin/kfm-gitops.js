#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/cli (built by `npm run build`, which `npm ci` runs via `prepare`).
import { main } from '../dist/cli/main.js';

// Fail closed: if the event loop ever drains while the run is still pending (a promise nothing will settle), Node
// would exit 0 — a silent pass. Exit 2 instead.
let settled = false;
let interrupted = false;
process.on('exit', () => {
  if (settled || interrupted) return;
  process.stderr.write('kfm-gitops: internal error: the run stopped before it finished\n');
  process.exitCode = 2;
});

// SIGINT/SIGTERM end any run within a second with exit 130 (both: CI runners stop jobs with SIGTERM). Commands stop
// their children, workers and temp folders on the signal themselves and normally exit well before this deadline;
// the deadline covers whatever did not (a command without a handler, a stuck cleanup). The timer is unref'd, so
// it never keeps a finished process alive.
const onSignal = () => {
  if (interrupted) return;
  interrupted = true;
  setTimeout(() => {
    process.stderr.write('kfm-gitops: interrupted\n');
    process.exit(130);
  }, 900).unref();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

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
