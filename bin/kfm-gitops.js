#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/cli (built by `npm run build`, which `npm ci` runs via `prepare`).
import { setFlagsFromString } from 'node:v8';

// V8 optimises a function once it has run through --interrupt-budget bytes of bytecode (66 KB by default). A run
// calls each of its hot functions a few thousand times, so at the default most of them are optimised, deoptimised
// and optimised again by TurboFan before the run ends: on the medium bench repo TurboFan's background threads took
// 0.9 s of the process's 3.4 s CPU (cold check; --no-concurrent-recompilation moved it onto the main thread). Four
// times the budget leaves only the truly hot code to TurboFan: 3.4 → 2.5 s CPU on medium, the same on the large
// repo, no change of findings (measured per thread, node 20). Eight times (issue 20, later): TurboFan still took
// ~0.4 s of medium's CPU; node CPU 1.80 → 1.70 s on medium and 9.65 → 9.30 s on large (render cache warm, 3-4 runs
// each, the main thread ~0.1 s slower), wall the same. Set before the CLI's code is loaded, so every function starts
// with it.
setFlagsFromString('--interrupt-budget=540000');
// The CLI as one script with V8's code cache (dist/cli/boot.js says why), or its modules without a bundle.
const { loadCli } = await import('../dist/cli/boot.js');
let cli;
try {
  cli = await loadCli(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`kfm-gitops: internal error: cannot load the CLI: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`);
  process.exit(2);
}
const { main } = cli;

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
    cli.finish();
  },
  (err) => {
    settled = true;
    process.stderr.write(
      `kfm-gitops: internal error: ${err instanceof Error ? err.message.split('\n')[0] : String(err).split('\n')[0]}\n`,
    );
    process.exitCode = 2;
  },
);
