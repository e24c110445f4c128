/**
 * Rules about the gate itself: exceptions, the policy engine, changes that weaken the gate. The engine rules keep
 * their CONFIG ids (users reference them) but belong to the policy category, as they always did in the docs.
 */
import type { RuleDoc } from '../types.js';

export const EXCEPTION_EXPIRED = 'KFM-CONFIG-001';
export const EXCEPTION_UNUSED = 'KFM-CONFIG-002';
/** A change that weakens the gate (severity lowered, rule off, exception added…) without an audit note (ADR). */
export const GATE_WEAKENED = 'KFM-CONFIG-003';
/** Reported when evaluation fails (engine throw, missing builtin, malformed result) or the bundle is unusable. */
export const ENGINE_ERROR_RULE = 'KFM-CONFIG-900';
/** Reported when the repo's custom policies cannot be compiled or loaded (opa missing, Rego errors). */
export const CUSTOM_POLICY_RULE = 'KFM-CONFIG-901';

export const CONFIG_RULES: RuleDoc[] = [
  {
    id: EXCEPTION_EXPIRED,
    title: 'Exception expired',
    category: 'config',
    severity: 'error',
    description:
      'An exception in kfm-gitops.yaml is past its expiry date; it no longer suppresses anything, and its presence is reported so it gets reviewed.',
    remediation:
      'Fix the underlying finding and delete the exception, or renew it with a new date, reason and owner after review.',
  },
  {
    id: EXCEPTION_UNUSED,
    title: 'Exception unused',
    category: 'config',
    severity: 'warning',
    description: 'An exception matched no finding in a full run; stale exceptions hide future problems.',
    remediation: 'Delete the exception.',
  },
  {
    id: GATE_WEAKENED,
    title: 'Gate weakened without an audit note',
    category: 'config',
    severity: 'error',
    guard: true,
    description:
      "The change lowers what the gate enforces — a rule's severity lowered or set to `off`, an exception added or widened, a discovery exclude added, a file under `policies/`, the custom-policy folder or a `schema.extraDirs` folder changed, a schema override added, unknown fields made warnings (`schema.strict: false`), an older `kubernetesVersion` pinned, the `root` moved, a new secrets-baseline entry or a new inline `kfm-gitops:allow` of a permitted rule (entries and allows already at the base do not count) — and no ADR in the same change names the affected rule. The desired-state README's definition of done: any governance-relevant behaviour change carries an audit note.",
    remediation:
      'Add or edit an ADR (default folder `docs/adr/`, `audit.adrDir` in kfm-gitops.yaml) in the same change that names every affected rule id (e.g. KFM-ARGO-004) and says why, or revert the weakening.',
  },
  {
    id: ENGINE_ERROR_RULE,
    guard: true,
    title: 'Policy engine failed',
    category: 'policy',
    severity: 'error',
    description:
      'The Rego policies (compiled to WebAssembly) could not be evaluated for an overlay: the module threw, needed a builtin the JavaScript host does not provide, returned a malformed result, or (custom policies only) went over their time or memory limit per overlay (policy.customTimeoutMs, default 30000; policy.customMaxMemoryMb, default 512). The overlay was not checked, so the run fails instead of passing silently.',
    remediation:
      'Read the message: for the built-in bundle, rebuild it with `npm run policies:build` (and report a bug if it persists); for custom policies, use only builtins listed in policies/capabilities.json and emit {id, msg, resource, path}; a custom policy over its limit needs a cheaper rule (no comprehension over large ranges), or a raised policy.customTimeoutMs / policy.customMaxMemoryMb.',
  },
  {
    id: CUSTOM_POLICY_RULE,
    guard: true,
    title: 'Custom policies cannot be used',
    category: 'policy',
    severity: 'error',
    description:
      'The repo configures its own Rego policies (policy.customDir) but they could not be compiled or loaded: opa is needed to compile them once (the result is cached by hash under .kfm-gitops/cache), the Rego has errors, uses a builtin the WebAssembly host cannot run, or lacks METADATA. None of the custom rules ran.',
    remediation:
      "Install the pinned opa (`npm run tools`, or set KFM_OPA), then run `kfm-gitops policies test` to see the compiler's message.",
  },
];
