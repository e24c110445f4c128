/** Promotion: plan (pure) and apply (writes), kustomization editing that keeps comments, verify, status, new-app. */
export {
  promote,
  FAULT_POINTS,
  InjectedFault,
  type FaultPoint,
  type FaultOptions,
  type PromoteOptions,
  type PromoteResult,
  type PromoteStatus,
} from './apply.js';
export {
  planApp,
  envStep,
  hasChanges,
  DEFAULT_ENV_ORDER,
  type AppPlan,
  type ImageEdit,
  type PlanInput,
  type Refusal,
} from './plan.js';
export { editKustomizationImages, KustomizationEditError, type ImageEditSpec } from './edit.js';
export { diffLines, unifiedDiff, diffRendered, splitResources, type ResourceDiff } from './diff.js';
export { verifyPromotions, type VerifyOptions } from './verify.js';
export { computeStatus, formatStatusTable, type StatusResult, type AppStatus } from './status.js';
export { planScaffold, writeScaffold, parsePinnedImage, type ScaffoldPlan } from './scaffold.js';
export { PromoteUsageError } from './inputs.js';
export { GitError } from './git.js';
