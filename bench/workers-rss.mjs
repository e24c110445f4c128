// The peak resident set size (VmHWM) of the kfm-render workers under a measured process, sampled twice a second from
// /proc by the bench process (not by the measured one: its CPU is a figure of the run). Workers are found by walking
// the process tree down from the spawned child (`time` → node → kfm-render) through /proc/<pid>/task/<tid>/children,
// which reads a few small files instead of every process's status. Linux only; elsewhere the figure is null.
import { readdirSync, readFileSync } from 'node:fs';

const WORKER = 'kfm-render';
/** time → node → worker, with room for a wrapper. */
const DEPTH = 4;

function childrenOf(pid) {
  const out = [];
  let tasks;
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) if (c.trim()) out.push(c.trim());
    } catch {
      // the task ended
    }
  }
  return out;
}

function workerHwmKb(pid) {
  try {
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== WORKER) return 0;
    return Number(/^VmHWM:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Starts sampling under `rootPid`; `stop()` ends it and gives the largest worker's peak in KiB (null: none seen). */
export function watchWorkers(rootPid, intervalMs = 500) {
  let peakKb = 0;
  const sample = () => {
    let level = [String(rootPid)];
    for (let d = 0; d < DEPTH && level.length > 0; d++) {
      const next = [];
      for (const pid of level) {
        for (const c of childrenOf(pid)) {
          const hwm = workerHwmKb(c);
          if (hwm > peakKb) peakKb = hwm;
          next.push(c);
        }
      }
      level = next;
    }
  };
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      return peakKb || null;
    },
  };
}
