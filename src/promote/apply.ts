/**
 * Carries out a promotion: plan → check the edited target in a scratch copy → write atomically → (commit).
 *
 * Order matters for crashes. Until the rename, nothing the user sees has changed: the check runs on a copy, the
 * commit objects (with --commit) are built through a temporary index, and the new kustomization is written to a
 * temp file beside the target. The rename is the moment of promotion; the branch and HEAD follow at once.
 * Fault points (`faults.after`) let tests crash the run at each of those steps.
 */
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Config } from '../config/types.js';
import { failsAt } from '../findings/index.js';
import { renderOverlay } from '../render/overlay.js';
import type { Renderer } from '../render/types.js';
import type { CheckRunOptions } from '../pipeline.js';
import type { Check, FailOn, Overlay, Report } from '../types.js';
import { diffRendered, unifiedDiff, type ResourceDiff } from './diff.js';
import { Redactor } from '../redact/index.js';
import { editKustomizationImages } from './edit.js';
import {
  branchExists,
  findRepo,
  prepareCommit,
  pathStatus,
  publishCommit,
  repoPath,
  validBranchName,
  type GitRepo,
  type PreparedCommit,
} from './git.js';
import { appOverlays, gatherApp, PromoteUsageError, type GatheredApp } from './inputs.js';
import { removeStaleTemps, stageReplace, TEMP_NAME } from './fsutil.js';
import type { StagedWrite } from '../util/atomic-write.js';
import { shortDigest } from './kustomization.js';
import { hasChanges, planApp, type AppPlan } from './plan.js';

export const FAULT_POINTS = ['plan', 'check', 'write', 'commit'] as const;
export type FaultPoint = (typeof FAULT_POINTS)[number];

/** Thrown at an injected fault point (tests); the CLI turns KFM_FAULT into a hard kill instead. */
export class InjectedFault extends Error {
  constructor(readonly point: FaultPoint) {
    super(`injected fault after ${point}`);
  }
}

export interface FaultOptions {
  /** plan: after planning; check: after the check; write: temp file written, not yet renamed; commit: commit objects built, nothing published. */
  after?: FaultPoint;
  /** What happens there; default throws InjectedFault. */
  onFault?: (point: FaultPoint) => void;
}

export interface PromoteOptions {
  root: string;
  config: Config;
  configFile?: string;
  renderer: Renderer;
  /** One app, or leave out with `all`. */
  app?: string;
  /** Every app that has both envs and whose source differs from the target, as one plan. */
  all?: boolean;
  from: string;
  to: string;
  allowSkip?: { reason: string };
  allowDowngrade?: { reason: string };
  /** Plan and check, write nothing. */
  dryRun?: boolean;
  /** Create branch `promote/<app>/<to>-<short digest>` and commit the change there. */
  commit?: { message?: string };
  /** Checks to run on the target (default: the normal checks, createChecks()). */
  checks?: Check[];
  /**
   * The check run (the pipeline's runCheck, injected: promote is a consumer of the pipeline, not a stage of it;
   * default: loaded from src/pipeline.ts on first use).
   */
  runCheck?: (options: CheckRunOptions) => Promise<Report>;
  kubernetesVersion: string;
  toolVersion: string;
  timeoutMs: number;
  failOn?: FailOn;
  faults?: FaultOptions;
  signal?: AbortSignal;
  now?: Date;
}

export type PromoteStatus = 'promoted' | 'planned' | 'unchanged' | 'refused' | 'check-failed';

export interface TargetChange {
  app: string;
  overlay: string;
  /** Root-relative kustomization path. */
  file: string;
  before: string;
  after: string;
  /**
   * The unified diff of the change as it is printed: the kustomization's other lines are context (a secretGenerator
   * literal beside `images:`), so it is masked like the rendered diffs.
   */
  diff: string;
}

export interface PromoteResult {
  status: PromoteStatus;
  from: string;
  to: string;
  plans: AppPlan[];
  /** Why the promotion was refused (plan refusals and preconditions like a dirty target). */
  refusals: string[];
  changes: TargetChange[];
  /** The check of the target overlay(s) with the change applied. */
  check?: Report;
  /** Rendered diff of each changed target overlay. */
  diffs: { overlay: string; resources: ResourceDiff[] }[];
  written: string[];
  commit?: { branch: string; sha: string; message: string };
}

/**
 * Plans, checks and (unless refused or a dry run) writes the promotion. What the result prints — the kustomization
 * diffs and the rendered diffs — passes the one redactor, which knows the Secrets of both renders.
 */
export async function promote(options: PromoteOptions): Promise<PromoteResult> {
  const redactor = new Redactor();
  const result = await promoteWith(options, redactor);
  for (const c of result.changes)
    c.diff = redactor.redactRendered(
      unifiedDiff(c.before, c.after, { fromLabel: `a/${c.file}`, toLabel: `b/${c.file}` }),
    );
  for (const d of result.diffs) for (const r of d.resources) r.diff = redactor.redactRendered(r.diff);
  return result;
}

async function promoteWith(options: PromoteOptions, redactor: Redactor): Promise<PromoteResult> {
  const faults = faultInjector(options.faults);
  const repo = (await findRepo(options.root)) ?? null;
  if (options.commit && !repo)
    throw new PromoteUsageError(`--commit needs a git repository, and ${options.root} is not in one`);
  if (options.commit && repo && !repo.hasHead)
    throw new PromoteUsageError('--commit needs a commit to branch from (the repository has none yet)');

  const result: PromoteResult = {
    status: 'planned',
    from: options.from,
    to: options.to,
    plans: [],
    refusals: [],
    changes: [],
    diffs: [],
    written: [],
  };
  const apps = await appOverlays(options.root, options.config);
  const names = options.all
    ? [...apps.keys()].filter((a) => apps.get(a)!.has(options.from) && apps.get(a)!.has(options.to)).sort()
    : options.app
      ? [options.app]
      : [];
  if (names.length === 0)
    throw new PromoteUsageError(
      options.all
        ? `no app has both a ${options.from} and a ${options.to} overlay`
        : 'name the app to promote, or pass --all',
    );

  const gathered: GatheredApp[] = [];
  for (const app of names) {
    const g = await gatherApp(
      {
        root: options.root,
        config: options.config,
        renderer: options.renderer,
        timeoutMs: options.timeoutMs,
        repo,
        signal: options.signal,
      },
      apps,
      {
        app,
        from: options.from,
        to: options.to,
        allowSkip: options.allowSkip,
        allowDowngrade: options.allowDowngrade,
      },
    );
    const plan = planApp(g.input);
    // With --all an app without pinned images has nothing to promote; it is not a reason to stop the others.
    if (options.all && plan.refusals.length > 0 && plan.refusals.every((r) => r.code === 'no-images')) continue;
    result.plans.push(plan);
    gathered.push(g);
  }
  result.refusals = result.plans.flatMap((p) => p.refusals.map((r) => `${p.app}: ${r.message}`));
  faults('plan');
  if (result.refusals.length > 0) return { ...result, status: 'refused' };

  const changed = gathered.filter((_, i) => hasChanges(result.plans[i]));
  if (changed.length === 0) return { ...result, status: 'unchanged' };
  for (const g of changed) {
    const plan = result.plans[gathered.indexOf(g)];
    const edits = plan.edits
      .filter((e) => e.action !== 'unchanged')
      .map(({ name, newName, digest }) => ({ name, newName, digest }));
    result.changes.push({
      app: plan.app,
      overlay: g.target.path,
      file: plan.targetFile,
      before: g.targetText,
      after: editKustomizationImages(g.targetText, edits),
      diff: '',
    });
  }

  const branch = options.commit ? branchName(result) : undefined;
  if (!options.dryRun) {
    result.refusals.push(...(await preconditions(options, repo, result.changes, branch)));
    if (result.refusals.length > 0) return { ...result, status: 'refused' };
  }

  const scratch = await mkdtemp(join(tmpdir(), 'kfm-gitops-promote-'));
  const staged: StagedWrite[] = [];
  try {
    const targets = changed.map((g) => g.target);
    const copy = join(scratch, 'root');
    await copyRoot(options.root, copy);
    for (const c of result.changes) await writeFile(join(copy, c.file), c.after);
    result.check = await checkTargets(options, copy, targets);
    result.diffs = await renderedDiffs(options, copy, targets, redactor);
    faults('check');
    if (failsAt(result.check, options.failOn ?? options.config.failOn ?? 'error'))
      return { ...result, status: 'check-failed' };
    if (options.dryRun) return { ...result, status: 'planned' };

    // The target must still be what was planned against (another promote or an editor may have written it).
    for (const c of result.changes) {
      const now = await readFile(join(options.root, c.file), 'utf8');
      if (now !== c.before)
        return {
          ...result,
          status: 'refused',
          refusals: [`${c.file} changed while the promotion was being checked; run it again`],
        };
    }

    let prepared: PreparedCommit | undefined;
    let message: string | undefined;
    if (options.commit && repo && branch) {
      message = commitMessage(options, result);
      const files = result.changes.map((c) => ({ path: repoPath(repo, join(options.root, c.file)), content: c.after }));
      prepared = await prepareCommit(repo, files, message, join(scratch, 'index'));
      faults('commit');
    }

    for (const c of result.changes) staged.push(await stageReplace(join(options.root, c.file), c.after));
    faults('write');
    for (const [i, c] of result.changes.entries()) {
      await staged[i].commit();
      result.written.push(c.file);
    }
    if (prepared && repo && branch && message) {
      await publishCommit(repo, branch, prepared);
      result.commit = { branch, sha: prepared.commit, message };
    }
    return { ...result, status: 'promoted' };
  } finally {
    for (const s of staged) await s.discard(); // a committed write stays; only uncommitted temps are removed
    await rm(scratch, { recursive: true, force: true });
  }
}

function faultInjector(faults: FaultOptions | undefined): (point: FaultPoint) => void {
  return (point) => {
    if (faults?.after !== point) return;
    if (faults.onFault) faults.onFault(point);
    throw new InjectedFault(point);
  };
}

/** Refusals that only matter when writing: a dirty target (its edits would be mixed in), an existing branch. */
async function preconditions(
  options: PromoteOptions,
  repo: GitRepo | null,
  changes: TargetChange[],
  branch: string | undefined,
): Promise<string[]> {
  const out: string[] = [];
  if (repo) {
    for (const c of changes) {
      const status = await pathStatus(repo, repoPath(repo, join(options.root, c.file)));
      if (status !== '')
        out.push(
          `${c.file} has uncommitted changes (${status.slice(0, 2).trim() || 'modified'}); commit or discard them first, so the promotion changes only the digests`,
        );
    }
  }
  if (repo && branch) {
    if (!(await validBranchName(repo, branch))) out.push(`${branch} is not a valid branch name`);
    else if (await branchExists(repo, branch))
      out.push(`branch ${branch} already exists (this promotion was probably committed before)`);
  }
  for (const c of changes) await removeStaleTemps(join(options.root, c.file));
  return out;
}

/** The scratch copy the check runs on: the root without VCS data, dependencies and caches. */
async function copyRoot(root: string, dest: string): Promise<void> {
  const skip = new Set(['.git', 'node_modules', '.kfm-gitops']);
  await cp(root, dest, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (src) => !skip.has(basename(src)) && !TEMP_NAME.test(basename(src)),
  });
}

async function checkTargets(options: PromoteOptions, root: string, targets: Overlay[]): Promise<Report> {
  const run = options.runCheck ?? (await import('../pipeline.js')).runCheck;
  return run({
    root,
    config: options.config,
    configFile: options.configFile,
    // Imported when a promotion is checked: `status` and `new-app` share this module and need no checks.
    checks: options.checks ?? (await import('../checks/index.js')).createChecks(),
    kubernetesVersion: options.kubernetesVersion,
    toolVersion: options.toolVersion,
    renderer: options.renderer,
    discover: { overlayGlobs: targets.map((t) => t.path) },
    concurrency: 2,
    timeoutMs: options.timeoutMs,
    origin: options.config.kustomize?.origin !== false,
    maxRenderBytes: (options.config.kustomize?.maxOutputMegabytes ?? 256) * 1024 * 1024,
    now: options.now,
    signal: options.signal,
  });
}

async function renderedDiffs(
  options: PromoteOptions,
  copy: string,
  targets: Overlay[],
  redactor: Redactor,
): Promise<PromoteResult['diffs']> {
  const out: PromoteResult['diffs'] = [];
  for (const target of targets) {
    const render = async (root: string): Promise<string> => {
      const overlay: Overlay = { ...target, absPath: join(root, target.path) };
      const r = await renderOverlay(
        overlay,
        {
          root,
          config: options.config,
          renderer: options.renderer,
          timeoutMs: options.timeoutMs,
          signal: options.signal,
        },
        () => undefined,
      );
      redactor.addObjects(r.resources.map((res) => res.object));
      return r.text;
    };
    // A render failure shows up in the check; here it is simply an empty side.
    out.push({ overlay: target.path, resources: diffRendered(await render(options.root), await render(copy)) });
  }
  return out;
}

function branchName(result: PromoteResult): string {
  const edits = result.plans.flatMap((p) =>
    p.edits.filter((e) => e.action !== 'unchanged').map((e) => ({ app: p.app, e })),
  );
  if (result.changes.length === 1)
    return `promote/${result.changes[0].app}/${result.to}-${shortDigest(edits.find((x) => x.app === result.changes[0].app)?.e.digest)}`;
  const all = edits
    .map((x) => `${x.app}:${x.e.name}@${x.e.digest}`)
    .sort()
    .join('\n');
  return `promote/all/${result.to}-${createHash('sha256').update(all).digest('hex').slice(0, 12)}`;
}

/** Subject, the why, what moved, then git trailers (one `Image:` per promoted image). */
function commitMessage(options: PromoteOptions, result: PromoteResult): string {
  const changedPlans = result.plans.filter(hasChanges);
  const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();
  const subject =
    changedPlans.length === 1
      ? `promote ${changedPlans[0].app}: ${result.from} → ${result.to}`
      : `promote ${changedPlans.length} apps: ${result.from} → ${result.to}`;
  const lines = [subject, ''];
  if (options.commit?.message) lines.push(options.commit.message.trim(), '');
  for (const p of changedPlans) {
    for (const e of p.edits.filter((x) => x.action !== 'unchanged')) {
      lines.push(`${p.app}: ${e.newName} ${e.previous?.digest ?? e.previous?.newTag ?? '(none)'} → ${e.digest}`);
    }
  }
  lines.push('');
  const errors = result.check?.summary.findings.error ?? 0;
  const warnings = result.check?.summary.findings.warning ?? 0;
  const trailers = [
    ...changedPlans.map((p) => `Promoted-App: ${p.app}`),
    `Promoted-From: ${result.from}`,
    `Promoted-To: ${result.to}`,
    ...changedPlans.flatMap((p) =>
      p.edits.filter((e) => e.action !== 'unchanged').map((e) => `Image: ${e.newName}@${e.digest}`),
    ),
    ...changedPlans.flatMap((p) =>
      p.overrides.map(
        (o) =>
          `${o.kind === 'skip' ? 'Allowed-Skip' : 'Allowed-Downgrade'}: ${oneLine(o.reason)} (${oneLine(o.detail)})`,
      ),
    ),
    `Check-Result: passed, ${errors} error(s), ${warnings} warning(s) in ${result.check?.summary.overlays ?? 0} overlay(s)`,
    `Checked-By: kfm-gitops ${options.toolVersion}`,
  ];
  return `${[...lines, ...trailers].join('\n')}\n`;
}
