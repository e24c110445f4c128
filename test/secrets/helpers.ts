import { afterEach } from 'vitest';
/** Shared helpers of the secret-scanner tests: temp repos from templates, a run through the real pipeline. */
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createSecretsCheck,
  scanForSecrets,
  secretsSettings,
  type SecretFinding,
  type SecretsCheck,
} from '../../src/checks/secrets/index.js';
import type { Config } from '../../src/config/types.js';
import { runCheck } from '../../src/pipeline.js';
import { createRenderer } from '../../src/render/create.js';
import { resolveKustomize, type KustomizeCommand } from '../../src/render/resolve.js';
import type { Report } from '../../src/types.js';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const fixturesDir = join(projectRoot, 'fixtures', 'secrets');

export async function findKustomize(): Promise<KustomizeCommand | undefined> {
  try {
    return await resolveKustomize({ env: process.env.KFM_KUSTOMIZE || undefined, path: process.env.PATH });
  } catch {
    return undefined;
  }
}

export async function tempDir(prefix = 'kfm-secrets-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Writes `files` (repo-relative path → content) under a new temp folder. */
export async function makeRepo(files: Record<string, string>): Promise<string> {
  const root = await tempDir();
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), content);
  }
  return root;
}

/** Copies a fixture folder to a temp folder, replacing every `@@NAME@@` with `values[NAME]`. */
export async function copyTemplate(fixture: string, values: Record<string, string>): Promise<string> {
  const root = await tempDir();
  await cp(join(fixturesDir, fixture), root, { recursive: true });
  for (const file of await listFiles(root)) {
    const text = await readFile(file, 'utf8');
    if (!text.includes('@@') || file.endsWith('README.md')) continue;
    const out = text.replace(/@@([A-Z0-9_]+)@@/g, (whole, name: string) => {
      if (values[name] === undefined) throw new Error(`template ${relative(root, file)} needs a value for ${name}`);
      return values[name];
    });
    await writeFile(file, out);
  }
  return root;
}

export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(p)));
    else if ((await stat(p)).isFile()) out.push(p);
  }
  return out;
}

/** Line (1-based) of the first line of `file` containing `needle`. */
export async function lineOf(root: string, file: string, needle: string): Promise<number> {
  const lines = (await readFile(join(root, file), 'utf8')).split('\n');
  const i = lines.findIndex((l) => l.includes(needle));
  if (i === -1) throw new Error(`${needle} not in ${file}`);
  return i + 1;
}

/** Runs the whole pipeline (discover, render with the real kustomize, parse) with only the secret check. */
export async function runSecretsCheck(
  root: string,
  kustomize: KustomizeCommand,
  options: { config?: Config; env?: NodeJS.ProcessEnv } = {},
): Promise<{ report: Report; check: SecretsCheck }> {
  const check = createSecretsCheck({ env: options.env ?? {} });
  const renderer = createRenderer(kustomize, 2);
  try {
    const report = await runCheck({
      root,
      config: options.config ?? {},
      checks: [check],
      kubernetesVersion: '1.33',
      toolVersion: 'test',
      renderer,
      concurrency: 2,
      timeoutMs: 60_000,
      origin: true,
    });
    return { report, check };
  } finally {
    await renderer.dispose();
  }
}

import { Gen, buildVectors } from './vectors.js';

export interface PlantedRepo {
  root: string;
  values: Record<string, string>;
  /** Every planted secret (the part that must never appear in any output). */
  secrets: string[];
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/**
 * The planted fixture, filled with generated credentials, plus `creds/<ruleId>.txt` for every credential rule and
 * the git-ignored `local.env` whose value only a render reveals.
 */
export async function plantRepo(seed = 11): Promise<PlantedRepo> {
  const g = new Gen(seed);
  const payload = g.alnum(40);
  const awsKeyId = `AKIA${g.upper32(16)}`;
  const pem = g.pem('RSA PRIVATE KEY');
  const values: Record<string, string> = {
    LITERAL_PASSWORD: g.password(20),
    LITERAL_GITHUB: `ghp_${g.alnum(36)}`,
    ENV_PASSWORD: g.password(18),
    ENV_SEED: g.alnum(32),
    PEM_RSA: pem,
    SLACK_WEBHOOK: `https://hooks.slack.com/services/T${g.upper32(8)}/B${g.upper32(10)}/${g.alnum(24)}`,
    STRIPE: `sk_live_${g.alnum(32)}`,
    ENV_TOKEN: g.password(24),
    PG_PASSWORD: g.alnum(16),
    PROPS_PASSWORD: g.password(16),
    B64_PAYLOAD: b64(payload),
    B64_AWS_KEY_ID: b64(awsKeyId),
    STRINGDATA_SEED: g.alnum(30),
    HELM_PASSWORD: g.password(20),
    REDIS_PASSWORD: g.alnum(20),
    MONGO_PASSWORD: g.alnum(20),
  };
  const root = await copyTemplate('planted', values);
  const renderOnly = g.password(24);
  await writeFile(join(root, 'apps/api/overlays/dev/local.env'), `RENDER_ONLY_TOKEN=${renderOnly}\n`);
  const vectors = buildVectors(seed + 1);
  await mkdir(join(root, 'creds'), { recursive: true });
  for (const v of vectors) await writeFile(join(root, 'creds', `${v.ruleId}.txt`), v.positive.text);
  // A token as a file's name and a key in UTF-16 without a BOM.
  const named = g.alnum(36);
  await writeFile(join(root, 'creds', `ghp_${named}.txt`), 'nothing here\n');
  const utf16 = `${g.alnum(20)}/${g.alnum(19)}`;
  await writeFile(join(root, 'creds', 'utf16.txt'), Buffer.from(`aws_secret_access_key = ${utf16}\n`, 'utf16le'));
  const secrets = [
    // Public parts (PEM armour, format prefixes, webhook hosts) are not the secret.
    ...Object.entries(values).map(([k, v]) =>
      k === 'PEM_RSA'
        ? v.split('\n').slice(1, -1).join('')
        : k === 'SLACK_WEBHOOK'
          ? v.slice(v.lastIndexOf('/') + 1)
          : v.replace(/^(?:ghp_|sk_live_)/, ''),
    ),
    payload,
    awsKeyId,
    renderOnly,
    named,
    utf16,
    ...vectors.map((v) => v.positive.secret),
  ];
  return { root, values, secrets };
}

/** Every 8-character substring of any secret that occurs in `text` (the no-leak assertion). */
export function leakedFragments(text: string, secrets: readonly string[]): string[] {
  const out = new Set<string>();
  for (const s of secrets) {
    for (let i = 0; i + 8 <= s.length; i++) {
      const frag = s.slice(i, i + 8);
      if (text.includes(frag)) out.add(frag);
    }
  }
  return [...out];
}

/** `repo(files)` for the calling file: a temp repo per call, removed after each test. */
export function useTempRepos(): (files: Record<string, string>) => Promise<string> {
  const roots: string[] = [];
  afterEach(async () => {
    for (const r of roots.splice(0)) await removeDir(r);
  });
  return async (files) => {
    const root = await makeRepo(files);
    roots.push(root);
    return root;
  };
}

/**
 * `scan(files, raw)` for the calling file: the repository scan (no overlays) of a temp repo holding text `files`
 * and `raw` bytes, removed after each test.
 */
export function useRepoScan(): (
  files: Record<string, string>,
  raw?: Record<string, Buffer>,
) => Promise<SecretFinding[]> {
  const repo = useTempRepos();
  return async (files, raw = {}) => {
    const root = await repo(files);
    for (const [rel, content] of Object.entries(raw)) await writeFile(join(root, rel), content);
    return (await scanForSecrets({ root, settings: secretsSettings({}), mode: 'check', overlays: [], env: {} }))
      .findings;
  };
}

/** Rule, file and line of each finding: what a user sees of it. */
export const findingPlaces = (fs: readonly SecretFinding[]): [string, string | undefined, number | undefined][] =>
  fs.map((f) => [f.ruleId, f.file, f.line]);

/** Runs one `kfm-gitops secrets …` command line in-process, with captured output. */
export async function runSecretsCli(cwd: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { Command } = await import('commander');
  const { register } = await import('../../src/cli/commands/secrets.js');
  const out: string[] = [];
  const err: string[] = [];
  const io = {
    stdout: (t: string) => out.push(t),
    stderr: (t: string) => err.push(t),
    stdin: async () => '',
    isTTY: false,
    env: {},
    cwd,
  };
  let code = -1;
  const program = new Command('kfm-gitops').exitOverride();
  register(program, io, (c) => (code = c));
  await program.parseAsync(['secrets', ...args], { from: 'user' });
  return { code, out: out.join(''), err: err.join('') };
}
