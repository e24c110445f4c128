// Shared by the schema syncs: what the Kubernetes releases provide to the other sets, and comparing a fresh
// conversion (Map<relative path, content>) with the committed folder.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Groups served by any shipped Kubernetes release, and every definition name they carry. */
export function kubernetesInputs(kubernetesDir) {
  const k8sGroups = new Set();
  const k8sDefs = new Set();
  for (const name of readdirSync(kubernetesDir).filter((n) => /^\d+\.\d+\.json$/.test(n))) {
    const file = JSON.parse(readFileSync(join(kubernetesDir, name), 'utf8'));
    for (const apiVersion of Object.keys(file.kinds)) k8sGroups.add(apiVersion.includes('/') ? apiVersion.split('/')[0] : '');
    for (const def of Object.keys(file.$defs)) k8sDefs.add(def);
  }
  return { k8sGroups, k8sDefs };
}

function listFiles(dir, base = dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p, base));
    else out.push(relative(base, p).split('\\').join('/'));
  }
  return out;
}

/** Files whose committed content differs, and committed files a fresh conversion no longer makes. */
export function compareOutput(files, outDir) {
  const differing = [...files].filter(([f, content]) => {
    const p = join(outDir, f);
    return !existsSync(p) || readFileSync(p, 'utf8') !== content;
  }).map(([f]) => f);
  const stale = listFiles(outDir).filter((f) => !files.has(f));
  return { differing, stale };
}

/** `--check`: report and exit 1 on any difference; otherwise write the files and drop stale ones. */
export function compareOrWrite({ files, outDir, label, check, sourceName }) {
  const { differing, stale } = compareOutput(files, outDir);
  if (check) {
    for (const f of differing) process.stderr.write(`${label}/${f} differs from a fresh conversion\n`);
    for (const f of stale) process.stderr.write(`${label}/${f} is stale\n`);
    if (differing.length > 0 || stale.length > 0) {
      process.exitCode = 1;
      return;
    }
    process.stdout.write(`${label} matches ${sourceName}\n`);
    return;
  }
  for (const f of stale) unlinkSync(join(outDir, f));
  let total = 0;
  for (const [f, content] of files) {
    mkdirSync(join(outDir, f, '..'), { recursive: true });
    writeFileSync(join(outDir, f), content);
    total += Buffer.byteLength(content);
  }
  process.stdout.write(`wrote ${label}/: ${files.size} files, ${Math.round(total / 1024)} KiB\n`);
}
