/** Rules reported by `kfm-gitops promote verify` (DP family: digest pinning and promotion). */
import type { RuleDoc } from '../types.js';

export const UNPROMOTED_DIGEST_RULE = 'KFM-DP-101';
export const HISTORY_INCOMPLETE_RULE = 'KFM-DP-102';
export const VERIFY_UNREADABLE_RULE = 'KFM-DP-103';

export const PROMOTE_RULES: RuleDoc[] = [
  {
    id: UNPROMOTED_DIGEST_RULE,
    title: 'Digest not promoted through the previous environment',
    category: 'policy',
    severity: 'error',
    description:
      'An overlay pins an image digest that the overlay of the previous environment (envOrder, default dev → stage → prod) does not hold now and never held in its git history (with `promote verify --base <ref>`, for a digest the change under review sets: did not hold at the base or before it, so that one change cannot move stage and prod together). Promotion discipline: prod only runs what stage ran, stage only what dev ran, so every artifact in a later environment was validated in the earlier one.',
    remediation:
      'Promote the digest through the previous environment first (`kfm-gitops promote <app> --from <prev> --to <env>`), or revert the digest to one the previous environment has run. In CI, fetch the full git history (a shallow clone hides older digests).',
  },
  {
    id: HISTORY_INCOMPLETE_RULE,
    title: 'Git history unavailable for promotion verify',
    category: 'policy',
    severity: 'warning',
    description:
      'The root is not in a git repository, or the clone is shallow, so `promote verify` could compare environments only with what their kustomizations hold now (or with the part of history present). Digests a previous environment ran long ago may then be reported as never promoted.',
    remediation:
      'Run verify in a full clone (`git fetch --unshallow`, or `fetch-depth: 0` in GitHub Actions checkout).',
  },
  {
    id: VERIFY_UNREADABLE_RULE,
    guard: true,
    title: 'Kustomization unreadable for promotion verify',
    category: 'policy',
    severity: 'error',
    description:
      "An app overlay's kustomization cannot be read or parsed, so its image digests cannot be compared with the previous environment's.",
    remediation:
      'Fix the YAML of the named kustomization (`kfm-gitops check` shows the same problem as a render finding).',
  },
];
