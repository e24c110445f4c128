#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/ (built by `npm run build`, which `npm ci` runs via `prepare`).
//
// CommonJS (bin/package.json), not an ES module: node starts its ES module loader for an ES entry, and the boot's own
// modules were a second graph to resolve and link before the CLI's bundle was even read. As a script that requires
// dist/boot.cjs (the boot bundled, scripts/bundle.mjs), a warm check of infra/gitops took ~10 ms less (issue 20:
// 30 interleaved runs each, 203.5 → 194.6 ms median wall).
'use strict';
const { setFlagsFromString } = require('node:v8');

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

/** The boot (src/cli/boot.ts): bundled as a script, or its module when there is no bundle (a `tsc`-only build). */
async function bootModule() {
  let bundled;
  try {
    bundled = require.resolve('../dist/boot.cjs');
  } catch {
    return import('../dist/cli/boot.js');
  }
  return require(bundled);
}

async function launch() {
  // Fail closed: if the event loop ever drains while the run (its load included) is still pending, a promise nothing
  // will settle, Node would exit 0: a silent pass. Exit 2 instead.
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

  let cli;
  try {
    const { loadCli } = await bootModule();
    cli = await loadCli(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(
      `kfm-gitops: internal error: cannot load the CLI: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`,
    );
    process.exit(2);
  }
  const { main } = cli;

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
}

void launch();
