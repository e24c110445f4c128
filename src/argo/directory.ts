/**
 * Argo CD's view of the folders it deploys. Every source path an Application/ApplicationSet of this repository names
 * is checked the way Argo CD applies it: a kustomize folder renders (even when it is otherwise only a base), a plain
 * folder is validated file by file as a directory source (recurse/include/exclude honoured), jsonnet is a guard
 * finding; Helm chart folders are rendered with their values by overrides-check.ts. A repository without any Application (example repos registered
 * from outside) has its plain manifest folders validated as the directory sources Argo CD would make of them.
 */
import { realpathSync, statSync } from 'node:fs';
import { isKind } from '../util/stat-kind.js';
import jsyaml from 'js-yaml';
import { join, posix } from 'node:path';
import { KUSTOMIZATION_NAMES } from '../discover/kustomization.js';
import { parseResources } from '../parse/index.js';
import type { FindingInput, Overlay, RenderedOverlay, Resource } from '../types.js';
import { runFacts } from '../util/file-facts.js';
import { toRepoPath } from '../util/paths.js';
import { overlayForSource, type ArgoDeployment, type ArgoView } from './applications.js';
import { CONVENTIONAL_BRANCHES, isCheckedRevision, isThisRepo, type RepoIdentity } from './repo.js';
import { PROD_SYNC_GENERATOR } from './prod-sync.js';
import { argoGlobMatch, withinBudget } from './path-match.js';
import {
  RENDER_INPUT_UNREADABLE,
  RENDER_NOT_K8S,
  RENDER_OUTSIDE_ROOT,
  RENDER_SOURCE_NOT_EVALUABLE,
} from '../rules/render.js';
import { readRepoText, REPO_FILE_MAX } from '../util/safe-read.js';

export interface DirectorySource {
  /** Root-relative folder. */
  path: string;
  /** Root-relative files Argo CD would apply from it (from every deployment of the folder). */
  files: string[];
  /** Destination namespaces of the deployments: the env its rules are checked under (the strictest they name). */
  namespaces: string[];
  /** The first deployment to each destination namespace, in order (a copy is checked in each: check.ts). */
  deployments?: { namespace: string; d: ArgoDeployment }[];
}

export interface KustomizeSource {
  /** Root-relative folder. */
  path: string;
  /** As DirectorySource's. */
  namespaces: string[];
}

export interface ArgoSourcePlan {
  /** Root-relative kustomize folders Argo CD deploys that discovery does not render as overlays. */
  kustomize: KustomizeSource[];
  directories: DirectorySource[];
  findings: FindingInput[];
  /** Sources this run does not check and why (another repository's, outside the root): said, never passed silently. */
  notChecked: { path: string; reason: string }[];
}

const MANIFEST = /\.(ya?ml|json)$/i;
const JSONNET = /\.jsonnet$/i;
/** The first line of a Git LFS pointer file (git-lfs spec v1, and its pre-release name). */
const LFS_POINTER = /^version https:\/\/(?:git-lfs|hawser)\.github\.com\/spec\/v1\r?\n/;

/** The branches taken for the one under check, for a message: `HEAD`, then the identity's (repo.ts). */
function checkedBranches(identity: RepoIdentity): string {
  return ['HEAD', ...(identity.revisions ?? CONVENTIONAL_BRANCHES)].join(', ');
}

/** A folder here; anything that cannot be stat'ed is not one. */
function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false; // no folder: the source is reported (KFM-RENDER-024) or listed as another repository's
  }
}

/** The root-relative folder a source path (relative to the Git top) names: its longest tail that exists here. */
export function folderForSource(root: string, sourcePath: string): string | undefined {
  const segments = sourcePath
    .replace(/^\.?\/+/, '')
    .replace(/\/+$/, '')
    .split('/')
    .filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) return undefined;
  for (let i = 0; i < segments.length; i++) {
    const rest = segments.slice(i).join('/');
    if (isDir(join(root, rest))) return rest;
  }
  return undefined;
}

/**
 * Where a source path of this repository lies: a root-relative folder, a folder of the repository outside the root,
 * or nothing. With the root's place in Git known the path resolves exactly (Argo CD paths are relative to the Git
 * top); in a copy without Git, by its longest tail that is a folder here.
 */
export function resolveSource(
  root: string,
  identity: RepoIdentity,
  sourcePath: string,
): { dir: string } | { outside: string } | { missing: true } {
  // Argo CD joins the path to the checkout and cleans it (util/io/path): `a/b/../c` is `a/c`; only a path that then
  // leaves the repository is refused. Left as written, `overlays/prod/../../base` named no folder and was skipped.
  const segments: string[] = [];
  for (const s of sourcePath.split('/')) {
    if (s === '' || s === '.') continue;
    if (s !== '..') segments.push(s);
    else if (segments.pop() === undefined) return { missing: true }; // leaves the repository
  }
  const rel = segments.join('/');
  if (identity.prefix === undefined || identity.top === undefined) {
    const dir = folderForSource(root, rel);
    return dir === undefined ? { missing: true } : { dir };
  }
  const prefix = identity.prefix;
  const inRoot =
    prefix === ''
      ? rel || '.'
      : rel === prefix
        ? '.'
        : rel.startsWith(`${prefix}/`)
          ? rel.slice(prefix.length + 1)
          : undefined;
  if (inRoot !== undefined) return isDir(join(root, inRoot)) ? { dir: inRoot } : { missing: true };
  return isDir(join(identity.top, rel)) ? { outside: rel } : { missing: true };
}

/**
 * The overlay a deployment of this repository deploys, for its env: exactly where the root's place in Git is known
 * (a decoy path that merely ends like an overlay names nothing), else by the path's tail.
 */
export function deployedOverlay(
  root: string,
  identity: RepoIdentity,
  sourcePath: string,
  overlayPaths: ReadonlySet<string>,
): string | undefined {
  if (identity.prefix === undefined) return overlayForSource(sourcePath, overlayPaths);
  const resolved = resolveSource(root, identity, sourcePath);
  return 'dir' in resolved && overlayPaths.has(resolved.dir) ? resolved.dir : undefined;
}

/**
 * A Helm chart folder (a Chart.yaml in it or in a folder above). Asked per Argo CD source and per uncovered folder,
 * up the tree each time: answered from the run's file facts, each Chart.yaml looked for once per run.
 */
export function isChart(root: string, dir: string): boolean {
  const facts = runFacts();
  for (let d = dir; ; d = posix.dirname(d)) {
    if (facts.hasEntry(join(root, d), 'Chart.yaml')) return true;
    if (d === '.' || d === '') return false;
  }
}

/**
 * Whether Argo CD renders a source's folder with Helm: a chart folder (isChart) unless the folder holds a kustomization
 * of its own and the source does not say `helm:` — Argo CD's discovery takes a folder with both a Chart.yaml and a
 * kustomization for Kustomize. Rendered here as the chart, such a folder's kustomization went unread: a
 * ClusterRoleBinding to cluster-admin it lists, patched away by the only overlay that builds on it, passed (exit 0).
 */
export function isChartSource(root: string, dir: string, source: Record<string, unknown> | undefined): boolean {
  if (!isChart(root, dir)) return false;
  const helm = source?.helm;
  return (helm !== undefined && helm !== null) || !hasKustomization(root, dir);
}

export function hasKustomization(root: string, dir: string): boolean {
  const facts = runFacts();
  const folder = join(root, dir);
  return KUSTOMIZATION_NAMES.some((n) => facts.hasEntry(folder, n));
}

/** A JSON file the run's own caches write under the default cache folder (results, schema and policy entries). */
const OWN_CACHE_FILE = /(?:^|\/)\.kfm-gitops\/cache\/(?:[^/]+\/)*[0-9a-f]{40,64}\.json$/;

export async function planArgoSources(options: {
  root: string;
  view: ArgoView;
  /** Root-relative paths of the overlays discovery renders. */
  overlays: string[];
  /** Root-relative manifest files no overlay reads (coverage). */
  uncovered: string[];
  /** `policy.allowAutomatedProd` of the config: generated prod Applications may sync automatically. */
  allowAutomatedProd?: boolean;
}): Promise<ArgoSourcePlan> {
  const { root, view } = options;
  const plan: ArgoSourcePlan = { kustomize: [], directories: [], findings: [], notChecked: [] };
  const listings = new Map<string, string[] | null>();
  // Keyed by folder (an ApplicationSet makes thousands of Applications; a scan of the plan per Application was
  // quadratic: 7,500 overlays on the xlarge bench repo).
  const rendered = new Set(options.overlays);
  const kustomize = new Map<string, KustomizeSource>();
  const directories = new Map<
    string,
    { files: Set<string>; namespaces: string[]; deployments: { namespace: string; d: ArgoDeployment }[] }
  >();
  for (const u of view.unevaluable) {
    // Automated prod sync allowed by the config: the policy does not report it either (KFM-ARGO-004).
    if (options.allowAutomatedProd === true && u.generator === PROD_SYNC_GENERATOR) continue;
    plan.findings.push({
      ruleId: u.ruleId ?? RENDER_SOURCE_NOT_EVALUABLE,
      message:
        u.message ??
        (u.kind === 'Manifest'
          ? `${u.file}: ${u.generator}; what Argo CD would deploy from it is not checked`
          : `ApplicationSet ${u.name}: the ${u.generator} generator depends on what is not in the repository or cannot be evaluated; the Applications it makes are not checked`),
      file: u.file,
      line: u.line,
    });
  }
  const by = (d: ArgoDeployment): string => `${d.kind} ${d.name} (${d.file}:${d.line})`;
  const revisionsReported = new Set<string>();
  const outsideReported = new Set<string>();
  for (const d of view.deployments) {
    // A Helm repository's chart (applications.ts sourcesOf): reported as remote by argo/overrides-check.ts; it has
    // no folder here (its empty path read as the repository top, "deploys  of this repository, outside the root").
    if (d.sourcePath === '' && typeof d.source?.chart === 'string') continue;
    const ours = isThisRepo(view.identity, d.repoURL);
    if (ours === false) {
      plan.notChecked.push({
        path: d.sourcePath,
        reason: `${by(d)} deploys it from ${d.repoURL}, another repository: not this run's to check`,
      });
      continue;
    }
    if (d.sourcePath.includes('{{')) {
      plan.findings.push({
        ruleId: RENDER_SOURCE_NOT_EVALUABLE,
        message: `${d.kind} ${d.name} deploys ${d.sourcePath}: a template expression kfm-gitops does not evaluate; what it deploys is not checked`,
        file: d.file,
        line: d.line,
      });
      continue;
    }
    // Argo CD applies the content at the source's revision: another branch, a tag or a commit is not the tree this
    // run reads (before, `targetRevision: evil` deployed whatever that branch holds while the check read main's).
    // The folder is still checked below as the branch under check holds it.
    // (A chart's targetRevision is its version: a Helm repository's chart is reported as remote, overrides-check.ts.)
    const revision = d.source?.targetRevision;
    if (typeof d.source?.chart !== 'string' && !isCheckedRevision(view.identity, revision)) {
      const key = JSON.stringify([d.file, d.line, revision]);
      if (!revisionsReported.has(key)) {
        revisionsReported.add(key);
        plan.findings.push({
          ruleId: RENDER_SOURCE_NOT_EVALUABLE,
          message: `${d.kind} ${d.name} deploys ${d.sourcePath} at revision ${JSON.stringify(revision)} (targetRevision), not the branch under check (${checkedBranches(view.identity)}): Argo CD applies that revision's content, which this run does not read, so it is not checked`,
          file: d.file,
          line: d.line,
        });
      }
    }
    let resolved = resolveSource(root, view.identity, d.sourcePath);
    // A recursive directory source on a folder above the root (the repository top: a source without `path`) applies
    // every manifest under the root too, raw: those are checked as its files (the rest of it is outside the run).
    // Before, it was only listed as outside the root while it applied a base's unpinned Deployment to kfm-prod.
    // When it applies manifests beside the root too, those are reported as outside it (below).
    let within: string | undefined;
    if ('outside' in resolved) {
      within = rootWithin(view.identity, resolved.outside, d);
      if (within !== undefined && !(await appliesBesideRoot(view.identity.top!, resolved.outside, within, d)))
        resolved = { dir: '.' };
    }
    if ('outside' in resolved) {
      // A folder of this repository (it is in this Git work tree) that Argo CD applies: nothing under the root holds
      // it, so no check reads it. It was listed as not checked, with exit 0: an Application under infra/gitops
      // deploying infra/other with a ClusterRoleBinding to cluster-admin passed a check of infra/gitops.
      const key = JSON.stringify([d.file, d.line, resolved.outside]);
      if (!outsideReported.has(key)) {
        outsideReported.add(key);
        plan.findings.push({
          ruleId: RENDER_OUTSIDE_ROOT,
          message: `${d.kind} ${d.name} deploys ${resolved.outside} of this repository, outside the checked root: what Argo CD applies from it is not checked; check from the repository top (or from a root that holds it)`,
          file: d.file,
          line: d.line,
        });
      }
      if (within === undefined) continue;
      resolved = { dir: '.' }; // its files under the root are checked all the same
    }
    if ('missing' in resolved) {
      // Of this repository (by its name): the path must be here — a typo deploys nothing, or fails the sync.
      if (ours === true)
        plan.findings.push({
          ruleId: RENDER_SOURCE_NOT_EVALUABLE,
          message: `${d.kind} ${d.name} deploys ${d.sourcePath} from this repository, which holds no such folder`,
          file: d.file,
          line: d.line,
        });
      else
        plan.notChecked.push({
          path: d.sourcePath,
          reason: `${by(d)} deploys it, but it names no folder here and the repository's URL is unknown (no \`origin\` remote, no \`argo.repoURLs\` in kfm-gitops.yaml): taken as another repository's`,
        });
      continue;
    }
    const dir = resolved.dir;
    // A Config Management Plugin decides what Argo CD applies (any program over the folder): nothing here can render
    // it, and checking the folder as plain kustomize or manifests would vouch for something else.
    const source = d.source as Record<string, unknown> | undefined;
    if (source && typeof source === 'object' && 'plugin' in source) {
      plan.findings.push({
        ruleId: RENDER_SOURCE_NOT_EVALUABLE,
        message: `${d.kind} ${d.name} deploys ${dir} through a Config Management Plugin (source.plugin${d.keyFile ? `, with ${d.keyFile} merged in` : ''}), whose output kfm-gitops cannot render: what it applies is not checked`,
        ...(d.keyFile ? { file: d.keyFile, line: 1 } : { file: d.file, line: d.line }),
      });
      continue;
    }
    // A `directory:` key makes the source a plain folder whatever the folder holds (Argo CD's ExplicitType: a
    // kustomization there is not built; its raw manifests are applied, patched-away content included).
    const explicitDirectory =
      within !== undefined || (source !== undefined && source.directory !== undefined && source.directory !== null);
    // A pattern past what the matcher evaluates (length, brace alternatives) would match nothing here, while Argo CD
    // matches it: the files it selects would go unchecked.
    const patterns = [d.directory?.include, d.directory?.exclude].filter((p): p is string => typeof p === 'string');
    if (patterns.some((p) => !withinBudget(p, true))) {
      plan.findings.push({
        ruleId: RENDER_SOURCE_NOT_EVALUABLE,
        message: `${d.kind} ${d.name} deploys ${dir} with a directory include/exclude pattern too long or with too many {…} alternatives to evaluate: what it applies is not checked`,
        file: d.file,
        line: d.line,
      });
      continue;
    }
    const namespaces = d.namespace ? [d.namespace] : [];
    const where = { file: d.file, line: d.line };
    if (!explicitDirectory) {
      // A Helm chart folder is rendered with each source's values by argo/overrides-check.ts.
      if (isChartSource(root, dir, source)) continue;
      if (hasKustomization(root, dir)) {
        if (rendered.has(dir)) continue; // rendered as an overlay, placed by these Applications too
        const known = kustomize.get(dir);
        if (known) known.namespaces.push(...namespaces);
        else kustomize.set(dir, { path: dir, namespaces });
        continue;
      }
    }
    // The same folder and settings (an ApplicationSet's many Applications): listed and reported once.
    const shape = JSON.stringify([dir, d.directory ?? null, within ?? null]);
    let files = listings.get(shape);
    if (files === undefined) {
      files = await listDirectorySource(root, dir, d, within);
      listings.set(shape, files);
      if (files === null)
        plan.findings.push({
          ruleId: RENDER_SOURCE_NOT_EVALUABLE,
          message: `${d.kind} ${d.name} deploys ${dir} with jsonnet, which kfm-gitops does not evaluate: it is not checked`,
          ...where,
        });
    }
    if (files === null) continue;
    // Every deployment of the folder: the files any of them applies, under the strictest env any of them names.
    let known = directories.get(dir);
    if (known) {
      for (const f of files) known.files.add(f);
      known.namespaces.push(...namespaces);
    } else directories.set(dir, (known = { files: new Set(files), namespaces, deployments: [] }));
    if (d.namespace && !known.deployments.some((x) => x.namespace === d.namespace))
      known.deployments.push({ namespace: d.namespace, d });
  }
  plan.kustomize.push(...kustomize.values());
  for (const [path, { files, namespaces, deployments }] of directories)
    plan.directories.push({ path, files: [...files].sort(), namespaces, deployments });
  if (view.deployments.length === 0 && view.unevaluable.length === 0) {
    // No Application says how folders are deployed: each plain folder with manifests nothing renders is taken as the
    // directory source Argo CD would make of it (not recursive, Argo CD's default).
    const byDir = new Map<string, string[]>();
    for (const f of options.uncovered) {
      const dir = posix.dirname(f);
      byDir.set(dir, [...(byDir.get(dir) ?? []), f]);
    }
    for (const [dir, files] of byDir)
      if (!isChart(root, dir) && !hasKustomization(root, dir))
        plan.directories.push({ path: dir, files: files.sort(), namespaces: [] });
  }
  return plan;
}

/**
 * The root's place below a folder of the repository outside it that a recursive directory source applies (`infra/gitops`
 * for the repository top), when nothing there makes the folder another source type (a kustomization or a Helm chart
 * at its top, and no `directory:` key): undefined otherwise.
 */
function rootWithin(identity: RepoIdentity, outside: string, d: ArgoDeployment): string | undefined {
  const { prefix, top } = identity;
  if (prefix === undefined || top === undefined || d.directory?.recurse !== true) return undefined;
  const within = outside === '' ? prefix : prefix.startsWith(`${outside}/`) ? prefix.slice(outside.length + 1) : '';
  if (within === '') return undefined;
  const explicit = d.source?.directory !== undefined && d.source.directory !== null;
  const typed = [...KUSTOMIZATION_NAMES, 'Chart.yaml'].some((n) => isKind(join(top, outside, n), 'file'));
  return explicit || !typed ? within : undefined;
}

/**
 * Whether a recursive directory source on a folder above the root applies manifests outside the root too (files of
 * the types Argo CD reads there, include/exclude matched from its folder): those are read by no check of this run.
 */
async function appliesBesideRoot(top: string, outside: string, within: string, d: ArgoDeployment): Promise<boolean> {
  const fg = (await import('fast-glob')).default;
  const found = await fg('**/*', {
    cwd: join(top, outside),
    dot: true,
    onlyFiles: true,
    followSymbolicLinks: false,
    ignore: ['**/.git/**', `${within}/**`],
  });
  const { include, exclude } = d.directory ?? {};
  return found.some(
    (f) =>
      (MANIFEST.test(f) || JSONNET.test(f)) &&
      (!include || argoGlobMatch(include, f)) &&
      (!exclude || !argoGlobMatch(exclude, f)),
  );
}

/**
 * The files a directory source applies (null: jsonnet, which is not evaluated). `within`: the folder's path below the
 * source's own folder (rootWithin), which the include/exclude patterns see before each file's path.
 */
async function listDirectorySource(
  root: string,
  dir: string,
  d: ArgoDeployment,
  within?: string,
): Promise<string[] | null> {
  // Loaded here, for a directory source: importing it cost ~45 ms of CPU before every cold check's first render.
  const fg = (await import('fast-glob')).default;
  const jsonnet =
    d.directory?.jsonnet === true || (await fg('*.{jsonnet,libsonnet}', { cwd: join(root, dir) })).length > 0;
  if (jsonnet) return null;
  // Links are listed too (as entries, never walked into): Argo CD applies a manifest that is a link inside the
  // repository, so it is read here through the link (renderDirectory refuses one leading out of the root, and
  // anything but a regular file), never left out unread. Hidden files and folders and `node_modules` too: Argo CD's
  // walk of a directory source skips none of them (a `.rbac.yaml` or `.x/rb.yaml` is applied); only Git's own
  // folder and the JSON files kfm-gitops's default cache folder writes (hex-named) are left out.
  const listed = (
    await fg(d.directory?.recurse ? '**/*' : '*', {
      cwd: join(root, dir),
      dot: true,
      onlyFiles: false,
      markDirectories: true,
      followSymbolicLinks: false,
      ignore: ['**/.git/**', '.git/**'],
    })
  )
    .filter((f) => !f.endsWith('/'))
    .filter((f) => !OWN_CACHE_FILE.test(dir === '.' ? f : `${dir}/${f}`));
  const include = d.directory?.include;
  const exclude = d.directory?.exclude;
  const selected = listed.filter((f) => {
    const rel = within === undefined ? f : `${within}/${f}`;
    return (!include || argoGlobMatch(include, rel)) && (!exclude || !argoGlobMatch(exclude, rel));
  });
  // Argo CD evaluates every `.jsonnet` file the walk selects, in subfolders of a recursive source too (only the
  // source's top was looked at: a ClusterRoleBinding from sub/admin.jsonnet was applied unchecked).
  if (selected.some((f) => JSONNET.test(f))) return null;
  return selected
    .filter((f) => MANIFEST.test(f))
    .sort()
    .map((f) => (dir === '.' ? f : `${dir}/${f}`));
}

/** A plain folder as Argo CD applies it: every file parsed as it is, findings on the files' own lines. */
export async function renderDirectory(
  source: DirectorySource,
  overlay: Overlay,
  root: string,
  report: (f: FindingInput) => void,
): Promise<RenderedOverlay> {
  const started = performance.now();
  const resources: Resource[] = [];
  const texts: string[] = [];
  let failed = false;
  const realRoot = source.files.length > 0 ? realpathSync(root) : root;
  for (const file of source.files) {
    let text: string;
    try {
      // Through a link only to a file of the repository (Argo CD refuses links out of it), never a FIFO or a device.
      const real = realpathSync(join(root, file));
      const inRepo = toRepoPath(realRoot, real);
      if (inRepo === undefined || inRepo === '.')
        throw Object.assign(new Error('a link out of the repository'), { code: 'a link out of the repository' });
      text = readRepoText(real, REPO_FILE_MAX);
    } catch (err) {
      report({
        ruleId: RENDER_INPUT_UNREADABLE,
        message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
        file,
      });
      failed = true;
      continue;
    }
    // A Git LFS pointer stands for a file this checkout does not hold: Argo CD with LFS enabled applies that file.
    // Read as text, the pointer holds no object and was skipped like any non-manifest (exit 0).
    if (LFS_POINTER.test(text)) {
      report({
        ruleId: RENDER_INPUT_UNREADABLE,
        message: `cannot read ${file}: it is a Git LFS pointer, and the file it stands for (which Argo CD applies when LFS is enabled for the repository) is not in this checkout; fetch the LFS objects before checking, or commit the manifest as a regular file`,
        file,
        line: 1,
      });
      failed = true;
      continue;
    }
    texts.push(text);
    const parsed = parseResources(text, { overlay: overlay.path, file });
    if (!file.endsWith('.json') && ignoredByArgo(text, parsed)) continue;
    for (const f of parsed.findings) report(f);
    if (parsed.findings.length > 0) failed = true;
    resources.push(...parsed.resources);
  }
  return {
    overlay,
    status: failed ? 'parse-error' : 'ok',
    text: texts.join('\n---\n'),
    resources,
    durationMs: Math.round(performance.now() - started),
  };
}

/**
 * A file of a directory source that Argo CD skips: it holds no object (no document with a `kind`, which Argo CD's YAML
 * split needs to make one) and does not look like a manifest (it lacks one of `apiVersion:`,
 * `kind:`, `metadata:`; Argo CD's findManifests reports a file only then). A kustomization.yaml of `resources:` only, a
 * values file: Argo CD applies nothing from them, so they are no KFM-RENDER-013 here. Not a `.json` file (Argo CD
 * decodes one strictly: without a kind, the sync fails), and only when the text parses
 * (any YAML error is reported as before, since another parser may read objects there).
 */
function ignoredByArgo(text: string, parsed: { resources: unknown[]; findings: FindingInput[] }): boolean {
  if (parsed.resources.length > 0 || parsed.findings.some((f) => f.ruleId !== RENDER_NOT_K8S)) return false;
  if (text.includes('apiVersion:') && text.includes('kind:') && text.includes('metadata:')) return false;
  // Tags are where the two readers differ (go-yaml decodes `!!binary`, keys included, to strings): never skipped.
  if (text.includes('!')) return false;
  let docs: unknown[];
  try {
    docs = jsyaml.loadAll(text, undefined, { json: true });
  } catch {
    return false; // not skipped: the file's findings are reported, as for any file this reader cannot vouch for
  }
  // No `kind` key at all, whatever its value: a timestamp is no string here but one in Argo CD's reader.
  return docs.every((d) => d === null || typeof d !== 'object' || Array.isArray(d) || !('kind' in d));
}
