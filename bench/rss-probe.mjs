// Preloaded into the measured `kfm-gitops` process by bench/run.mjs (`node --import ./bench/rss-probe.mjs …`):
// on exit it writes the process's own peak resident set size and CPU time (getrusage RUSAGE_SELF: exact, children
// excluded — the kustomize processes are not counted) to $KFM_BENCH_RSS_FILE. It does nothing else while the check
// runs: the render workers' memory is sampled by the bench itself, from outside (bench/workers-rss.mjs). Sampling
// /proc from in here cost the measured process ~2% of its CPU (issue 20: ~140 ms of a medium cold run's ~5 s).
import { writeFileSync } from 'node:fs';

const file = process.env.KFM_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    try {
      const u = process.resourceUsage();
      writeFileSync(file, JSON.stringify({ maxRssKb: u.maxRSS, userCpuMs: Math.round(u.userCPUTime / 1000), systemCpuMs: Math.round(u.systemCPUTime / 1000) }));
    } catch {
      // The measurement is optional; never change the tool's exit status.
    }
  });
}
