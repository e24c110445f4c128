// Preloaded into the measured `kfm-gitops` process by bench/run.mjs (`node --import ./bench/rss-probe.mjs …`):
// on exit it writes the process's own peak resident set size (getrusage RUSAGE_SELF, exact, children excluded —
// kustomize processes are not ours) to $KFM_BENCH_RSS_FILE. Costs nothing while the tool runs.
import { writeFileSync } from 'node:fs';

const file = process.env.KFM_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    try {
      writeFileSync(file, JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS }));
    } catch {
      // The measurement is optional; never change the tool's exit status.
    }
  });
}
