/**
 * Promotion plan (pure): which digests move from the source overlay into the target overlay, and every reason to
 * refuse. Plan, then apply (DESIGN.md principle 9): nothing here reads files, runs git or writes; the inputs are
 * gathered by ./inputs.ts and the plan is carried out by ./apply.ts.
 */
import { imageName } from '../render/sourcemap.js';
import { DIGEST_PATTERN, effectiveName, type KustomizationImage } from './kustomization.js';

export const DEFAULT_ENV_ORDER = ['dev', 'stage', 'prod'];

/** Digests an overlay's kustomization has held, per image entry name (from git history). */
export interface DigestHistory {
  /** False when the file is not in a git repository (or git is missing): only the current state is known. */
  available: boolean;
  /** True for a shallow clone: older versions are missing, so "never had" may be wrong. */
  shallow?: boolean;
  digests: Map<string, Set<string>>;
}

export interface PlanInput {
  app: string;
  from: string;
  to: string;
  envOrder: readonly string[];
  source: {
    /** Root-relative path of the source kustomization, for messages. */
    file: string;
    images: KustomizationImage[];
    /** Container images of the rendered source overlay; needed only when an entry carries no digest or tag. */
    renderedImages?: string[];
    history: DigestHistory;
  };
  target: {
    file: string;
    images: KustomizationImage[];
  };
  /** `--allow-skip --reason`: promote past an env in between. */
  allowSkip?: { reason: string };
  /** `--allow-downgrade --reason`: replace a digest the source never ran. */
  allowDowngrade?: { reason: string };
}

export type EditAction = 'update' | 'append' | 'unchanged';

export interface ImageEdit {
  /** The `images:` entry name (matches the base's image). */
  name: string;
  /** What the target entry will hold. */
  newName: string;
  digest: string;
  /** What the target entry holds now (absent when the entry is appended). */
  previous?: { newName?: string; newTag?: string; digest?: string; line: number };
  action: EditAction;
  /** Where the source digest came from: the source kustomization entry, or the rendered container image. */
  via: 'kustomization' | 'rendered';
}

export type RefusalCode =
  'tag-only' | 'not-a-digest' | 'no-images' | 'backwards' | 'same-env' | 'env-skip' | 'downgrade';

export interface Refusal {
  code: RefusalCode;
  message: string;
  image?: string;
  /** The flag that overrides this refusal, when one does. */
  override?: '--allow-skip' | '--allow-downgrade';
}

export interface Override {
  kind: 'skip' | 'downgrade';
  reason: string;
  detail: string;
}

export interface AppPlan {
  app: string;
  from: string;
  to: string;
  sourceFile: string;
  targetFile: string;
  edits: ImageEdit[];
  refusals: Refusal[];
  /** Refusals waived by --allow-skip / --allow-downgrade, recorded for the commit and the output. */
  overrides: Override[];
}

export interface EnvStep {
  fromIndex: number;
  toIndex: number;
  /** Envs passed over (dev → prod skips stage). */
  skipped: string[];
}

/** Position of both envs in the promotion order; undefined index when an env is not in the order. */
export function envStep(envOrder: readonly string[], from: string, to: string): EnvStep {
  const fromIndex = envOrder.indexOf(from);
  const toIndex = envOrder.indexOf(to);
  const skipped = fromIndex >= 0 && toIndex > fromIndex + 1 ? envOrder.slice(fromIndex + 1, toIndex) : [];
  return { fromIndex, toIndex, skipped };
}

export function planApp(input: PlanInput): AppPlan {
  const plan: AppPlan = {
    app: input.app,
    from: input.from,
    to: input.to,
    sourceFile: input.source.file,
    targetFile: input.target.file,
    edits: [],
    refusals: [],
    overrides: [],
  };
  planOrder(input, plan);
  if (input.source.images.length === 0) {
    plan.refusals.push({
      code: 'no-images',
      message: `${input.source.file} has no \`images:\` entries: there is no pinned image of ${input.app} in ${input.from} to promote`,
    });
    return plan;
  }
  for (const source of input.source.images) {
    const resolved = resolveSourceDigest(source, input, plan);
    if (!resolved) continue;
    const newName = effectiveName(source);
    const target = input.target.images.find((t) => t.name === source.name);
    const edit: ImageEdit = {
      name: source.name,
      newName,
      digest: resolved.digest,
      action: 'append',
      via: resolved.via,
    };
    if (target) {
      edit.previous = { line: target.line };
      if (target.newName !== undefined) edit.previous.newName = target.newName;
      if (target.newTag !== undefined) edit.previous.newTag = target.newTag;
      if (target.digest !== undefined) edit.previous.digest = target.digest;
      const same =
        target.digest === resolved.digest && effectiveName(target) === newName && target.newTag === undefined;
      edit.action = same ? 'unchanged' : 'update';
      if (!same) checkDowngrade(source, target, resolved.digest, input, plan);
    }
    plan.edits.push(edit);
  }
  return plan;
}

function planOrder(input: PlanInput, plan: AppPlan): void {
  const order = input.envOrder.join(' → ');
  if (input.from === input.to) {
    plan.refusals.push({ code: 'same-env', message: `--from and --to are both ${input.from}` });
    return;
  }
  const step = envStep(input.envOrder, input.from, input.to);
  if (step.toIndex < step.fromIndex) {
    plan.refusals.push({
      code: 'backwards',
      message: `${input.from} → ${input.to} goes against the promotion order (${order}); to roll back, revert the promotion commit in Git`,
    });
    return;
  }
  if (step.skipped.length > 0) {
    const detail = `${input.from} → ${input.to} skips ${step.skipped.join(', ')} (order ${order})`;
    if (input.allowSkip) plan.overrides.push({ kind: 'skip', reason: input.allowSkip.reason, detail });
    else
      plan.refusals.push({
        code: 'env-skip',
        message: `${detail}; promote through each env, or pass --allow-skip --reason "…"`,
        override: '--allow-skip',
      });
  }
}

/** The digest the source runs for one entry: its own `digest:`, else the rendered container's `@digest`. */
function resolveSourceDigest(
  source: KustomizationImage,
  input: PlanInput,
  plan: AppPlan,
): { digest: string; via: ImageEdit['via'] } | undefined {
  const label = `${source.name} (${input.source.file}:${source.digestLine})`;
  if (source.digest !== undefined) {
    if (!DIGEST_PATTERN.test(source.digest)) {
      plan.refusals.push({
        code: 'not-a-digest',
        image: source.name,
        message: `image ${label} has digest ${JSON.stringify(source.digest)}, which is not sha256:<64 hex> (or sha512:<128 hex>)`,
      });
      return undefined;
    }
    return { digest: source.digest, via: 'kustomization' };
  }
  if (source.newTag !== undefined) {
    plan.refusals.push({
      code: 'tag-only',
      image: source.name,
      message: `image ${label} is pinned by tag ${JSON.stringify(source.newTag)} only; a tag can be re-pushed, so only a digest can be promoted — set \`digest:\` in ${input.from} first`,
    });
    return undefined;
  }
  // The entry renames the image but pins nothing itself: what runs is decided by the base, so look at the render.
  const wanted = effectiveName(source);
  const rendered = (input.source.renderedImages ?? []).filter((img) => imageName(img) === wanted);
  const digests = [...new Set(rendered.map((img) => img.split('@')[1]).filter((d): d is string => d !== undefined))];
  if (
    rendered.length > 0 &&
    digests.length === 1 &&
    rendered.every((img) => img.includes('@')) &&
    DIGEST_PATTERN.test(digests[0])
  ) {
    return { digest: digests[0], via: 'rendered' };
  }
  const seen =
    rendered.length > 0 ? `it renders as ${[...new Set(rendered)].join(', ')}` : 'no rendered container runs it';
  plan.refusals.push({
    code: 'tag-only',
    image: source.name,
    message: `image ${label} is not pinned by digest in ${input.from} (${seen}); set \`digest:\` in the entry first`,
  });
  return undefined;
}

/** A target digest the source never had (now or in git history) means the target is ahead: promoting would go back. */
function checkDowngrade(
  source: KustomizationImage,
  target: KustomizationImage,
  newDigest: string,
  input: PlanInput,
  plan: AppPlan,
): void {
  const current = target.digest;
  if (current === undefined || current === newDigest) return;
  const nowInSource = input.source.images.some((s) => s.name === source.name && s.digest === current);
  const inHistory = input.source.history.digests.get(source.name)?.has(current) ?? false;
  if (nowInSource || inHistory) return;
  const where = input.source.history.available
    ? input.source.history.shallow
      ? ' (in the shallow git history available — fetch the full history if it should be there)'
      : ' (now or in its git history)'
    : ' (now; no git history is available to look further back)';
  const detail = `${input.to} runs ${source.name}@${current} (${input.target.file}:${target.digestLine}), which ${input.from} never had${where}`;
  if (input.allowDowngrade) {
    plan.overrides.push({ kind: 'downgrade', reason: input.allowDowngrade.reason, detail });
    return;
  }
  plan.refusals.push({
    code: 'downgrade',
    image: source.name,
    message: `${detail}; replacing it with ${newDigest} may be a downgrade — pass --allow-downgrade --reason "…" if that is intended`,
    override: '--allow-downgrade',
  });
}

/** True when applying the plan changes the target file. */
export function hasChanges(plan: AppPlan): boolean {
  return plan.edits.some((e) => e.action !== 'unchanged');
}
