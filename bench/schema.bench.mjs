#!/usr/bin/env node
// Schema validation throughput (resources per CPU-second; wall-clock alongside), cold and warm. Runs on the built
// code: `npm run build` first.
//   node bench/schema.bench.mjs [--count 5000] [--release 1.37] [--json]
import { runSchemaBench } from './out/build/bench/lib/schema.js';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const result = await runSchemaBench({ count: Number(opt('--count') ?? 5000), release: opt('--release') });
if (args.includes('--json')) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const n = (x) => x.toLocaleString('en-US');
  const line = (label, p) =>
    `${label}: ${p.resources} resources, ${p.cpuMs} ms CPU = ${n(p.perSecond)} resources/s ` +
    `(wall ${p.ms} ms = ${n(p.wallPerSecond)}/s; ${p.violations} violations)`;
  process.stdout.write(
    `schema validation, Kubernetes ${result.release}, ${result.kinds} kinds\n` +
      `${line('cold (nothing cached)      ', result.cold)}\n` +
      `${line('cold (disk cache, new run) ', result.coldDisk)}\n` +
      `${line('warm (compiled, in memory) ', result.warm)}\n`,
  );
}
