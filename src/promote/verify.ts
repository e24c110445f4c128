/**
 * `promote verify` for CI: every digest in env n must be present in env n−1 now or in env n−1's git history
 * (prod only runs what stage ran); with `--base`, every digest the change under review sets in env n must be in env
 * n−1 at the base or in its history before it (a change cannot promote through env n−1 and into env n at once).
 * Returns a normal Report, so every formatter works on it.
 */
import { join } from 'node:path';
import type { Config } from '../config/types.js';
import { assembleReport, placedFinding } from '../findings/index.js';
import type { Finding, Overlay, Report } from '../types.js';
import { findRepo, git, repoPath, showFile, type GitRepo } from './git.js';
import { digestHistory, digestsAt } from './history.js';
import { appOverlays, envOrderOf, kustomizationPath, PromoteUsageError } from './inputs.js';
import { readImagesFile, type KustomizationImages } from './kustomization.js';
import type { DigestHistory } from './plan.js';
import { HISTORY_INCOMPLETE_RULE, UNPROMOTED_DIGEST_RULE, VERIFY_UNREADABLE_RULE } from '../rules/promote.js';

export interface VerifyOptions {
  root: string;
  config: Config;
  /** Only report digests that differ from this ref (what a pull request changes). */
  base?: string;
  toolVersion: string;
  kubernetesVersion: string;
  now?: Date;
}

interface Raw {
  ruleId: string;
  message: string;
  overlay?: string;
  file?: string;
  line?: number;
  key: string[];
}

export async function verifyPromotions(options: VerifyOptions): Promise<Report> {
  const started = performance.now();
  const envOrder = envOrderOf(options.config);
  const apps = await appOverlays(options.root, options.config);
  const repo = (await findRepo(options.root)) ?? null;
  if (options.base !== undefined) await checkBase(repo, options.base);

  const raw: Raw[] = [];
  const checked: Overlay[] = [];
  const images = new Map<string, Promise<KustomizationImages>>();
  const read = (o: Overlay): Promise<KustomizationImages> => {
    const file = kustomizationPath(o);
    if (!images.has(file)) images.set(file, readImagesFile(join(options.root, file)));
    return images.get(file)!;
  };
  let incomplete: string | undefined;

  for (const app of [...apps.keys()].sort()) {
    const envs = envOrder.filter((e) => apps.get(app)!.has(e)).map((e) => apps.get(app)!.get(e)!);
    for (let i = 1; i < envs.length; i++) {
      const prev = envs[i - 1];
      const cur = envs[i];
      checked.push(cur);
      const curFile = kustomizationPath(cur);
      const prevFile = kustomizationPath(prev);
      const [curImages, prevImages] = await Promise.all([read(cur), read(prev)]);
      let unreadable = false;
      for (const [o, f, k] of [
        [cur, curFile, curImages],
        [prev, prevFile, prevImages],
      ] as const) {
        if (!k.error) continue;
        unreadable = true;
        raw.push({
          ruleId: VERIFY_UNREADABLE_RULE,
          message: `cannot compare ${app} ${prev.env} → ${cur.env}: ${k.error.message}`,
          overlay: o.path,
          file: f,
          line: k.error.line,
          key: [f],
        });
      }
      if (unreadable) continue;
      const pinned = curImages.images.filter((img) => img.digest !== undefined);
      if (pinned.length === 0) continue;
      // Against a base, what the previous env held before the change under review, at the base and in the base's
      // history: a change that moves stage and prod to the same new digest (in one commit or two) has prod run what
      // stage never ran; compared with stage "now" (the change's own head) it passed.
      const base = options.base !== undefined && repo ? options.base : undefined;
      const history: DigestHistory = await digestHistory(join(options.root, prevFile), options.root, repo, base);
      if (!history.available) incomplete = 'the root is not in a git repository';
      else if (history.shallow) incomplete = 'the clone is shallow';
      const atBase =
        base !== undefined
          ? digestsAt(await showFile(repo!, base, repoPath(repo!, join(options.root, curFile))))
          : undefined;
      const prevAtBase =
        base !== undefined
          ? digestsAt(await showFile(repo!, base, repoPath(repo!, join(options.root, prevFile))))
          : undefined;
      for (const img of pinned) {
        const digest = img.digest!;
        if (atBase?.get(img.name)?.has(digest)) continue; // not changed by the change under review
        const now = prevAtBase
          ? Boolean(prevAtBase.get(img.name)?.has(digest))
          : prevImages.images.some((p) => p.name === img.name && p.digest === digest);
        if (now || history.digests.get(img.name)?.has(digest)) continue;
        const had =
          base !== undefined ? ` at ${base} or before` : history.available ? ' now or in its git history' : '';
        raw.push({
          ruleId: UNPROMOTED_DIGEST_RULE,
          message: `${cur.env} runs ${img.name}@${digest}, which ${prev.env} (${prevFile}) never had${had}; promote it through ${prev.env} first: kfm-gitops promote ${app} --from ${prev.env} --to ${cur.env}`,
          overlay: cur.path,
          file: curFile,
          line: img.digestLine,
          key: [img.name, digest],
        });
      }
    }
  }
  if (incomplete) {
    raw.push({
      ruleId: HISTORY_INCOMPLETE_RULE,
      message: `${incomplete}: digests were compared with what the previous environments hold now${repo?.shallow ? ' and the history present' : ''} only`,
      key: [],
    });
  }
  return buildReport(options, raw, checked, started);
}

async function checkBase(repo: GitRepo | null, base: string): Promise<void> {
  if (!repo) throw new PromoteUsageError('--base needs a git repository');
  const out = await git(['rev-parse', '--verify', '--quiet', `${base}^{commit}`], { cwd: repo.top, okCodes: [1, 128] });
  if (out.code !== 0) throw new PromoteUsageError(`--base ${base} is not a commit in ${repo.top}`);
}

function buildReport(options: VerifyOptions, raw: Raw[], checked: Overlay[], started: number): Report {
  const findings: Finding[] = [];
  for (const r of raw) {
    const key = [r.overlay ?? '', r.file ?? '', ...r.key];
    const f = placedFinding({ ...r, key }, options.config.rules);
    if (f) findings.push(f);
  }
  const overlays = checked.map((o) => ({
    path: o.path,
    env: o.env,
    layer: o.layer,
    resources: 0,
    status: 'ok' as const,
  }));
  return assembleReport({ findings, containerOf: () => undefined }, overlays, {
    tool: { name: 'kfm-gitops', version: options.toolVersion, kubernetesVersion: options.kubernetesVersion },
    config: options.config,
    configFile: 'kfm-gitops.yaml',
    now: options.now,
    started,
    skipped: [],
    reportUnusedExceptions: false,
    validate: true,
  });
}
