// Preloaded into the measured `kfm-gitops` process by bench/run.mjs (`node --import ./bench/rss-probe.mjs …`):
// on exit it writes the process's own peak resident set size and CPU time (getrusage RUSAGE_SELF: exact, children
// excluded — the kustomize processes are not counted) to $KFM_BENCH_RSS_FILE. It also samples, twice a second, the
// peak RSS (VmHWM) of its kfm-render worker children from /proc, so the workers' memory is reported too.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const file = process.env.KFM_BENCH_RSS_FILE;
if (file) {
  let workerPeakKb = 0;
  const sample = () => {
    try {
      for (const pid of readdirSync('/proc')) {
        if (!/^\d+$/.test(pid)) continue;
        let status;
        try {
          status = readFileSync(`/proc/${pid}/status`, 'utf8');
        } catch {
          continue;
        }
        if (!/^Name:\s+kfm-render$/m.test(status) || !new RegExp(`^PPid:\\s+${process.pid}$`, 'm').test(status)) continue;
        const hwm = Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? 0);
        if (hwm > workerPeakKb) workerPeakKb = hwm;
      }
    } catch {
      // no /proc: no worker figure
    }
  };
  const timer = setInterval(sample, 500);
  timer.unref();
  process.on('exit', () => {
    try {
      const u = process.resourceUsage();
      writeFileSync(file, JSON.stringify({ maxRssKb: u.maxRSS, workerMaxRssKb: workerPeakKb || null, userCpuMs: Math.round(u.userCPUTime / 1000), systemCpuMs: Math.round(u.systemCPUTime / 1000) }));
    } catch {
      // The measurement is optional; never change the tool's exit status.
    }
  });
}
