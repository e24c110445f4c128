#!/usr/bin/env node
// Secret-scanner benchmark (issue 5): throughput on a generated ~50 MB desired-state tree, and the time on a
// pathological 5 MB single-line file. Runs the built code: `npm run build && node bench/secrets.bench.mjs`.
// Options: --mb <size of the tree, default 50>, --keep (leave the generated tree in place and print its path),
// --tree-only (skip the crafted 5 MB cases), --dist <folder> (the build to measure, default ../dist: compares
// another checkout's build on the same generated tree, interleaved runs for a before/after figure).
// Prints readable lines, then one JSON line (the last) for bench/run.mjs: {tree: {mbPerSecond, …}, pathological}.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const targetMb = Number(option('--mb')) || 50;
const keep = args.includes('--keep');
const treeOnly = args.includes('--tree-only');
const dist = option('--dist');
const { Detector, scanForSecrets, secretsSettings } = await import(
  dist ? pathToFileURL(resolve(dist, 'checks/secrets/index.js')).href : '../dist/checks/secrets/index.js'
);

// Deterministic content: the same tree on every run and every machine.
let seed = 12345;
const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const pick = (list) => list[Math.floor(rand() * list.length)];
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const str = (n, alphabet = ALNUM) =>
  Array.from({ length: n }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
const words = ['api', 'ui', 'worker', 'indexer', 'pipeline', 'gateway', 'search', 'tiles', 'ingest', 'catalog'];

function deployment(i) {
  const name = `${pick(words)}-${i}`;
  const env = Array.from({ length: 6 + Math.floor(rand() * 10) }, (_, k) =>
    k % 3 === 0
      ? `            - name: DB_PASSWORD_${k}\n              valueFrom:\n                secretKeyRef: {name: ${name}-db, key: password}\n`
      : `            - name: SETTING_${k}\n              value: "${pick(words)}-${str(6).toLowerCase()}"\n`,
  ).join('');
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: {app.kubernetes.io/name: ${name}, app.kubernetes.io/part-of: kfm}
  annotations:
    kfm.io/owner: team-${pick(words)}
spec:
  replicas: 2
  selector:
    matchLabels: {app.kubernetes.io/name: ${name}}
  template:
    metadata:
      labels: {app.kubernetes.io/name: ${name}}
    spec:
      serviceAccountName: ${name}
      automountServiceAccountToken: false
      containers:
        - name: app
          image: ghcr.io/kfm/${name}@sha256:${str(64, '0123456789abcdef')}
          ports: [{containerPort: 8080, name: http}]
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 256Mi}
          env:
${env}          volumeMounts:
            - {name: tls, mountPath: /etc/tls, readOnly: true}
      volumes:
        - name: tls
          secret: {secretName: ${name}-tls}
---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  selector: {app.kubernetes.io/name: ${name}}
  ports: [{port: 80, targetPort: http}]
`;
}

function configMap(i) {
  const lines = Array.from(
    { length: 20 + Math.floor(rand() * 40) },
    (_, k) => `  KEY_${k}: "${str(12 + Math.floor(rand() * 30))}"`,
  ).join('\n');
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n${lines}\n  TOKEN_TTL: 24h\n  SECRET_NAME: cm-${i}-secret\n`;
}

function sealed(i) {
  return `apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: sealed-${i}\nspec:\n  encryptedData:\n    password: AgB${str(600, `${ALNUM}+/`)}\n    token: AgA${str(400, `${ALNUM}+/`)}\n`;
}

function values(i) {
  return `# Helm values ${i}\nimage:\n  repository: ghcr.io/kfm/app\n  tag: "1.${i}.0"\npostgresql:\n  auth:\n    existingSecret: db-${i}\n    password: ""\nredis:\n  url: redis://cache:6379/0\n${Array.from({ length: 30 }, (_, k) => `opt${k}: ${str(10)}`).join('\n')}\n`;
}

function markdown(i) {
  return `# Runbook ${i}\n\n${Array.from({ length: 40 }, () => Array.from({ length: 12 }, () => pick(['the', 'token', 'service', 'secret', 'rotate', 'password', 'cluster', 'deploy', 'overlay', 'image', 'digest', 'promote'])).join(' ')).join('.\n')}\n`;
}

/** About one file in a hundred carries a real-looking credential, so the capture pass runs too. */
function planted(i) {
  const kinds = [
    () => `github_token: ghp_${str(36)}\n`,
    () => `db_password: ${str(20)}9!\n`,
    () => `url: postgresql://app:${str(16)}@db:5432/app\n`,
    () => `apiVersion: v1\nkind: Secret\nmetadata: {name: s-${i}}\nstringData:\n  seed: ${str(30)}\n`,
  ];
  return pick(kinds)();
}

async function generateTree(dir, bytesWanted) {
  let bytes = 0;
  let files = 0;
  const made = new Set();
  const makers = [
    ['apps', 'yaml', deployment],
    ['apps', 'yaml', configMap],
    ['apps', 'yaml', sealed],
    ['charts', 'yaml', values],
    ['docs', 'md', markdown],
  ];
  for (let i = 0; bytes < bytesWanted; i++) {
    const [top, ext, make] = makers[i % makers.length];
    let text = make(i);
    if (i % 100 === 7) text += ext === 'yaml' ? `---\n${planted(i)}` : planted(i);
    const folder = join(dir, top, `group-${Math.floor(i / 50)}`);
    if (!made.has(folder)) {
      await mkdir(folder, { recursive: true });
      made.add(folder);
    }
    await writeFile(join(folder, `f-${i}.${ext}`), text);
    bytes += Buffer.byteLength(text);
    files++;
  }
  return { bytes, files };
}

const fmt = (n, d = 1) => n.toFixed(d);

const root = await mkdtemp(join(tmpdir(), 'kfm-secrets-bench-'));
try {
  const tree = join(root, 'tree');
  await mkdir(tree);
  const gen = await generateTree(tree, targetMb * 1024 * 1024);
  const settings = secretsSettings({});
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const result = await scanForSecrets({ root: tree, settings, mode: 'check', overlays: [], env: {} });
  const cpu = process.cpuUsage(cpu0);
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const mb = result.stats.bytesScanned / (1024 * 1024);
  console.log(
    `tree: ${gen.files} files, ${fmt(mb)} MB scanned in ${fmt(seconds, 2)} s wall → ${fmt(mb / seconds)} MB/s; ${fmt(cpuSeconds, 2)} s CPU → ${fmt(mb / cpuSeconds)} MB/s per core (${result.findings.length} findings; listing via ${result.stats.via})`,
  );
  const summary = {
    tree: {
      mbPerSecond: Number(fmt(mb / seconds, 2)),
      mbPerCpuSecond: Number(fmt(mb / cpuSeconds, 2)),
      files: gen.files,
      megabytes: Number(fmt(mb, 2)),
      wallSeconds: Number(fmt(seconds, 3)),
      cpuSeconds: Number(fmt(cpuSeconds, 3)),
      findings: result.findings.length,
    },
    pathological: [],
  };
  const d = result.stats.detector;
  console.log(
    `  detector work: keyword pass ${fmt(d.keywordChars / 1048576)} MB, DFA ${fmt(d.testChars / 1048576)} MB in ${d.testCalls} calls, capture ${fmt(d.matcherChars / 1048576, 2)} MB in ${d.matcherCalls} calls`,
  );

  if (treeOnly) {
    console.log(JSON.stringify(summary));
    if (keep) console.log(`kept ${root}`);
    else await rm(root, { recursive: true, force: true });
    process.exit(0);
  }
  // Pathological single-line files: each fills 5 MB with one crafted pattern.
  const fill = (unit, n) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
  const five = 5 * 1024 * 1024;
  const shapes = {
    'no keyword (aaaa…)': fill('a', five),
    'dense keyword, no match (ghp_ghp_…)': fill('ghp_', five),
    'matches all rejected (password=Ab1!Ab1!Ab1! …)': fill('password=Ab1!Ab1!Ab1! ', five),
    'every rule keyword, repeated': fill(`${new Detector().rules.flatMap((r) => r.keywords).join(' ')} `, five),
  };
  for (const [name, text] of Object.entries(shapes)) {
    const dir = join(root, `p-${Object.keys(shapes).indexOf(name)}`);
    await mkdir(dir);
    await writeFile(join(dir, 'crafted.yaml'), `x: ${text.slice(0, five - 4)}\n`);
    const t = performance.now();
    const c0 = process.cpuUsage();
    const r = await scanForSecrets({ root: dir, settings, mode: 'check', overlays: [], env: {} });
    const c = process.cpuUsage(c0);
    const s = (performance.now() - t) / 1000;
    const rules = [...new Set(r.findings.map((f) => f.ruleId))].join(', ') || 'none';
    console.log(
      `pathological 5 MB single line, ${name}: ${fmt(s, 2)} s wall, ${fmt((c.user + c.system) / 1e6, 2)} s CPU (findings: ${rules})`,
    );
    summary.pathological.push({
      shape: name,
      wallSeconds: Number(fmt(s, 3)),
      cpuSeconds: Number(fmt((c.user + c.system) / 1e6, 3)),
      findings: rules,
    });
  }
  // Adversarial multi-line files for the structural pass (issue 16): runs of `=`, quotes, `: `, indentation; the
  // last one is a Secret, so the YAML parse and the walk run over all 5 MB.
  const structural = {
    'runs of "=: " and quotes': fill(`= : "' `, five),
    'name: lines, ": " runs, growing indentation': (() => {
      let t = '';
      for (let d = 0; t.length < five; d = (d + 1) % 2000) t += `${' '.repeat(d)}- name: ${': '.repeat(20)}\n`;
      return t.slice(0, five);
    })(),
    'a Secret with a 5 MB quoted value': `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  x: '${fill('=: "', five - 100)}'\n`,
  };
  summary.structural = [];
  for (const [name, text] of Object.entries(structural)) {
    const dir = join(root, `s-${Object.keys(structural).indexOf(name)}`);
    await mkdir(dir);
    await writeFile(join(dir, 'crafted.yaml'), text);
    const t = performance.now();
    const c0 = process.cpuUsage();
    const r = await scanForSecrets({ root: dir, settings, mode: 'check', overlays: [], env: {} });
    const c = process.cpuUsage(c0);
    const s = (performance.now() - t) / 1000;
    const cpuS = (c.user + c.system) / 1e6;
    const mbs = text.length / 1048576 / s;
    const rules = [...new Set(r.findings.map((f) => f.ruleId))].join(', ') || 'none';
    console.log(
      `adversarial 5 MB structure, ${name}: ${fmt(s, 2)} s wall → ${fmt(mbs)} MB/s; ${fmt(cpuS, 2)} s CPU → ${fmt(text.length / 1048576 / cpuS)} MB/s per core (findings: ${rules})`,
    );
    summary.structural.push({
      shape: name,
      wallSeconds: Number(fmt(s, 3)),
      cpuSeconds: Number(fmt(cpuS, 3)),
      mbPerSecond: Number(fmt(mbs, 2)),
      mbPerCpuSecond: Number(fmt(text.length / 1048576 / cpuS, 2)),
      findings: rules,
    });
  }
  // The issue's figure: MB/s on a 5 MB adversarial file — the slowest of every crafted 5 MB case above (single-line
  // pathological and multi-line structural), by CPU time.
  const worst = [...summary.pathological, ...summary.structural].reduce((a, b) => (b.cpuSeconds > a.cpuSeconds ? b : a));
  summary.adversarial = {
    shape: worst.shape,
    cpuSeconds: worst.cpuSeconds,
    wallSeconds: worst.wallSeconds,
    mbPerCpuSecond: Number(fmt(5 / worst.cpuSeconds, 2)),
    mbPerSecond: Number(fmt(5 / worst.wallSeconds, 2)),
  };
  console.log(
    `adversarial 5 MB, slowest case (${worst.shape}): ${fmt(worst.wallSeconds, 2)} s wall, ${fmt(worst.cpuSeconds, 2)} s CPU → ${fmt(5 / worst.cpuSeconds)} MB/s per core`,
  );
  if (keep) console.log(`kept ${root}`);
  console.log(JSON.stringify(summary));
} finally {
  if (!keep) await rm(root, { recursive: true, force: true });
}
