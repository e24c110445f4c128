// xlarge's time against the recorded large run (issue 20: time linear in size). Used by bench/run.mjs.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * xlarge's cold time against the cold time of the large run recorded in bench/results/large.json: the pairing is
 * written down (which run, how long before), since the two runs cannot share an hour's machine state exactly.
 */
export function pairWithLarge(xlargeColdMs, resultsDir, now = Date.now()) {
  const file = join(resultsDir, 'large.json');
  if (xlargeColdMs === null || !existsSync(file)) return null;
  let large;
  try {
    large = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  const largeColdMs = large?.mediansMs?.cold;
  if (typeof largeColdMs !== 'number' || largeColdMs <= 0) return null;
  const started = Date.parse(large.startedAt);
  return {
    value: Math.round((xlargeColdMs / largeColdMs) * 1000) / 1000,
    largeColdMs,
    largeStartedAt: large.startedAt ?? null,
    largeGitHead: large.git?.head ?? null,
    hoursBefore: Number.isFinite(started) ? Math.round(((now - started) / 3_600_000) * 10) / 10 : null,
  };
}
