/**
 * Core types shared by every stage. Names follow ../shared/DESIGN.md ("Core types").
 * Keep this file free of behaviour: stages import types from here, never from each other's internals.
 */

/** A position in a file. `file` is a POSIX path relative to the checked root. Lines and columns are 1-based. */
export interface Span {
  file: string;
  line: number;
  column: number;
}

export interface ResourceId {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** A path into a resource object, e.g. ['spec', 'template', 'spec', 'containers', 0, 'image']. */
export type JsonPath = ReadonlyArray<string | number>;

/** Locates a JSON path inside the YAML text a resource came from (rendered stream or raw file). */
export type Locator = (path: JsonPath) => Span | undefined;

export interface Resource {
  id: ResourceId;
  /** Overlay path (relative to root) this resource was rendered from; for `validate`, the input file. */
  overlay: string;
  /**
   * The parsed object, with kustomize's build-metadata annotations already stripped. In a `check` run it is read
   * back from the overlay's pack on demand (run/pack.ts): read it where it is needed, do not keep it.
   */
  object: Record<string, unknown>;
  /** Where the document starts in the rendered stream (file = `<overlay>` for renders, the file for raw input). */
  rendered: Span;
  /** File in the base/overlay that produced it (from kustomize's origin annotation), when known. */
  origin?: Span;
  /** Repo-relative kustomization files whose transformers (patches, images, namespace…) changed this object. */
  transformedBy?: { file: string; kind: string }[];
  /** Index of the YAML document within its stream. */
  docIndex: number;
  /** Finds the rendered line of a path inside this resource. */
  locate: Locator;
  /**
   * The object as JSON text (UTF-8), when the run holds it packed (run/pack.ts): what the policy engine reads,
   * without making the object. Unset: JSON.stringify(object).
   */
  json?: () => Uint8Array;
}

export type Severity = 'error' | 'warning' | 'info';
export type FailOn = 'error' | 'warning';
export type Category = 'render' | 'schema' | 'policy' | 'secret' | 'config';

export interface Finding {
  ruleId: string;
  category: Category;
  severity: Severity;
  message: string;
  overlay?: string;
  resource?: ResourceId;
  /** Dotted JSON path, e.g. `spec.template.spec.containers[0].image`. */
  path?: string;
  file?: string;
  line?: number;
  column?: number;
  /** Stable across runs (baselines, exceptions, SARIF partialFingerprints). Never derived from a plain secret value. */
  fingerprint: string;
  /** Set when an exception from the config suppressed this finding (listed in the report, not failing). */
  suppressed?: { reason: string; owner?: string; expires?: string; by: 'exception' | 'inline' | 'baseline' | 'config' };
}

/**
 * What a check hands to `ctx.report`. The pipeline fills in severity (config overrides > input > check default),
 * the dotted path, the file/line (resolved through the resource's locator/origin) and the fingerprint.
 */
export interface FindingInput {
  ruleId: string;
  message: string;
  severity?: Severity;
  overlay?: string;
  resource?: Resource;
  path?: JsonPath;
  /** Explicit location (raw repository files, kustomization lines). Wins over resolution through `resource`. */
  file?: string;
  line?: number;
  column?: number;
  /** Extra stable material for the fingerprint (e.g. a keyed hash of a secret). Never the secret itself. */
  fingerprintParts?: string[];
  /** A check-level suppression (inline allow comment, baseline entry); the finding is listed but does not fail. */
  suppressed?: Finding['suppressed'];
}

export interface Overlay {
  /** POSIX path relative to root, e.g. `apps/kfm-api/overlays/prod`. */
  path: string;
  /** Absolute path on disk. */
  absPath: string;
  /** dev / stage / prod, or the overlay folder name. */
  env: string;
  /** First path segment: apps / core / bootstrap / components / … */
  layer: string;
  /** For apps/<app>/overlays/<env>: the app name. */
  app?: string;
  /** Relative path of the kustomization file inside the overlay (kustomization.yaml|yml|Kustomization). */
  kustomizationFile: string;
}

export type OverlayStatus = 'ok' | 'render-error' | 'parse-error' | 'skipped';

export interface RenderedOverlay {
  overlay: Overlay;
  status: OverlayStatus;
  /**
   * Rendered YAML text as kustomize printed it (origin annotations included); empty on failure, and in a `check`
   * run once the overlay was compacted (run/compact.ts: then `textSha256` holds its digest).
   */
  text: string;
  /** sha256 (hex) of the rendered text, set when the text was released (run/compact.ts). */
  textSha256?: string;
  resources: Resource[];
  durationMs: number;
  /** True when served from the render cache. */
  cached?: boolean;
  /**
   * The render failed for a reason that may not repeat with the same inputs (timeout, the renderer could not start,
   * the run was interrupted): such a run's results are never reused.
   */
  transient?: boolean;
}

export interface CheckMeta {
  /** Check id, e.g. `schema`, `policy`, `secrets`. */
  id: string;
  description: string;
  docsUrl: string;
  defaultSeverity: Severity;
  /** Rule id reported (category of the check, severity error) when the check itself fails: it never passes by crashing. */
  errorRuleId: string;
}

/** Documentation of one rule, shown by `kfm-gitops explain <ruleId>` and in SARIF rule metadata. */
export interface RuleDoc {
  id: string;
  title: string;
  category: Category;
  severity: Severity;
  /** What the rule checks and why it matters. */
  description: string;
  /** How to fix a finding. */
  remediation: string;
  /**
   * The rule means "this could not be checked" (render/parse failure, engine error, no schema…): it keeps the gate
   * closed, so config may raise it but never lower, switch off or except it.
   */
  guard?: boolean;
}

export interface CheckContext {
  /** Absolute path of the checked root. */
  root: string;
  /** Validated config (see src/config). */
  config: import('./config/types.js').Config;
  /** Every overlay of the run that rendered (and the raw inputs for `validate`). */
  overlays: RenderedOverlay[];
  /** All resources of all overlays, in order. */
  resources: Resource[];
  /** Kubernetes release to validate against, e.g. `1.33`. */
  kubernetesVersion: string;
  /** `check` renders overlays; `validate` checks raw manifests. */
  mode: 'check' | 'validate';
  /**
   * Root-relative repository files to read for content checks when the run is limited to a change
   * (`--changed-since`); unset: every file.
   */
  files?: string[];
  /** Aborted on SIGINT/SIGTERM: a check holding a worker or a child process stops it at once. */
  signal?: AbortSignal;
  /**
   * The Git history of a changed-only run (`--changed-since <ref>`): with `ancestor` (the ref is an ancestor of HEAD)
   * the secret check also reads every line the commits `base..HEAD` added; without, only the files changed.
   */
  changeHistory?: ChangeHistory;
  report(finding: FindingInput): void;
}

export interface ChangeHistory {
  /** The ref as the user gave it. */
  ref: string;
  /** Merge-base commit of the ref and HEAD. */
  base: string;
  ancestor: boolean;
  /** What the selection already asked git (select/git.ts ChangedFiles): the secrets history scan reuses it. */
  git?: AskedGit;
}

/** The work tree's top (symlinks resolved) and the commits of base..HEAD, oldest first (asked once). */
export interface AskedGit {
  top: string;
  commits: () => Promise<string[]>;
}

/** What a check knows before any overlay has rendered. */
export type StartContext = Pick<
  CheckContext,
  'root' | 'config' | 'kubernetesVersion' | 'mode' | 'files' | 'changeHistory'
> & {
  signal?: AbortSignal;
  /** What the run renders (`check` only), for work a check does ahead while it renders. */
  plan?: RenderPlan;
};

/** What a run renders, for work done ahead while it renders. */
export interface RenderPlan {
  /** The overlays the run renders, in the order `run` gets them (not the order they render in). */
  overlays: readonly Overlay[];
  /** Settles once every overlay's env is placed; an env read before may still change. */
  placed: Promise<unknown>;
  /** Overlay path → the namespace its kustomization sets, where it sets one (a guess at what it will render). */
  namespaces?: ReadonlyMap<string, string>;
  /**
   * Settles once discovery's memory is released (its memo written): memory-heavy head-start work waits for it, so
   * that it does not add to discovery's peak (issue 20). Unset: nothing to wait for.
   */
  released?: Promise<unknown>;
}

export interface Check {
  meta: CheckMeta;
  /** Every rule id this check can report, with its docs. */
  rules(): RuleDoc[];
  /**
   * Optional head start while overlays render (the render workers leave this process idle part of the time):
   * `start` when rendering begins, for work that needs no rendered overlay (scanning the repository's files);
   * `observe` as each overlay renders (its resources are the ones `run` gets, objects at hand), for per-overlay
   * work: compiling validators, or verdicts kept compactly for `run` to report (schema, secrets). Neither reports:
   * every finding comes from `run`, which must give the same findings whether or not these were called (and uses
   * nothing observed under another root, config or file list, nor for an overlay it was not shown).
   */
  start?(ctx: StartContext): void;
  observe?(rendered: RenderedOverlay, ctx: StartContext): void;
  run(ctx: CheckContext): Promise<void>;
}

export interface ToolInfo {
  name: 'kfm-gitops';
  version: string;
  kustomize?: string;
  kustomizeCommand?: string;
  kubernetesVersion: string;
}

export interface OverlaySummary {
  path: string;
  env: string;
  layer: string;
  resources: number;
  status: OverlayStatus;
  cached?: boolean;
  reason?: string;
}

export interface Report {
  tool: ToolInfo;
  summary: {
    overlays: number;
    resources: number;
    findings: { error: number; warning: number; info?: number };
    suppressed?: number;
    rendered?: number;
    cachedRenders?: number;
    /** Nothing any check reads changed since a previous run: its findings were reused (see src/results-cache.ts). */
    cachedResults?: boolean;
    /** What `overlays` holds: rendered overlays (`check`, the default) or raw input files (`validate`). */
    subject?: 'overlays' | 'files';
    durationMs: number;
  };
  overlays: OverlaySummary[];
  findings: Finding[];
  /** Findings suppressed by exceptions/baselines/inline allows, listed for audit. */
  suppressed?: Finding[];
  /** Overlays not checked (changed-only / shard) and why. */
  skipped?: { path: string; reason: string }[];
}
