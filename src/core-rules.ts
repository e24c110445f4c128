/** Rules reported by the pipeline itself (render, parse, config); the checks document their own. */
import type { RuleDoc } from './types.js';

const render = (id: string, title: string, description: string, remediation: string): RuleDoc => ({
  id,
  title,
  category: 'render',
  severity: 'error',
  description,
  remediation,
});

export const CORE_RULES: RuleDoc[] = [
  render(
    'KFM-RENDER-001',
    'Overlay does not render',
    'kustomize build failed for the overlay. An overlay that does not render cannot be synced by Argo CD and cannot be checked, so the run fails.',
    "Run `kfm-gitops render <overlay>` to see kustomize's full message; fix the kustomization (typo, missing file, bad patch target).",
  ),
  render(
    'KFM-RENDER-002',
    'Render timed out',
    'kustomize did not finish within the timeout; the process and its children were killed. A hung render is a failure, never a skip.',
    'Look for generators or plugins that wait on input; raise `kustomize.timeoutSeconds` (or --timeout) only when the overlay is genuinely large.',
  ),
  render(
    'KFM-RENDER-003',
    'Remote reference refused',
    'A kustomization references a remote base, component or chart (http(s), git, github.com/… forms). Remote content is not reviewed in this repository and would need the network at render time.',
    'Vendor the remote base into the repository (e.g. under a third_party/ folder) and reference it by relative path.',
  ),
  render(
    'KFM-RENDER-004',
    'Reference leaves the checked root',
    'A kustomization references a path outside the checked root; the desired state must be self-contained and reviewable.',
    'Move the referenced files under the root, or check from a root that contains them.',
  ),
  render(
    'KFM-RENDER-005',
    'Exec or container plugin refused',
    'A generator, transformer or validator runs a KRM function (exec/container plugin). Those run arbitrary programs during the render of a pull request.',
    'Replace the plugin by built-in kustomize features, or allow it explicitly with `kustomize.allowExec: true` in kfm-gitops.yaml after review.',
  ),
  render(
    'KFM-RENDER-006',
    'Overlay rendered nothing',
    'kustomize exited successfully but printed no resources for a non-empty overlay; a silent empty render would pass every check.',
    "Check the overlay's resources list; if the overlay is meant to be empty, remove it.",
  ),
  render(
    'KFM-RENDER-007',
    'Rendered output too large',
    'The overlay rendered more than the size limit; the render was stopped to protect memory.',
    'Split the overlay, or look for a generator that loops.',
  ),
  render(
    'KFM-RENDER-008',
    'Helm chart inflation not supported',
    'helmCharts needs `kustomize build --enable-helm` and usually the network; kfm-gitops renders offline only.',
    'Render the chart with `helm template` in CI and commit the output, or validate it with `helm template … | kfm-gitops validate -`.',
  ),
  render(
    'KFM-RENDER-009',
    'Kustomization unreadable',
    'A kustomization file reached from the overlay cannot be read or parsed.',
    'Fix the YAML of the named file.',
  ),
  render(
    'KFM-RENDER-010',
    'Invalid YAML',
    'A rendered stream or input file is not valid YAML (syntax error, unsupported tag, NUL bytes).',
    'Fix the YAML at the named line.',
  ),
  render(
    'KFM-RENDER-011',
    'Duplicate key',
    'A YAML mapping holds the same key twice; parsers disagree on which value wins.',
    'Remove one of the duplicate keys.',
  ),
  render(
    'KFM-RENDER-012',
    'Input over a safety limit',
    'A document exceeds a parser safety limit (size, nesting depth, alias expansion, document count). Such input is refused rather than allowed to exhaust memory.',
    'Simplify the document; alias bombs and deeply nested data have no place in manifests.',
  ),
  render(
    'KFM-RENDER-013',
    'Not a Kubernetes object',
    'A document is not a mapping with apiVersion, kind and metadata.name.',
    'Add the missing fields or remove the document.',
  ),
  render(
    'KFM-RENDER-014',
    'Duplicate resource',
    'Two documents define the same apiVersion group, kind, namespace and name; only one can exist in the cluster.',
    'Remove or rename one of them.',
  ),
  render(
    'KFM-RENDER-015',
    'Input unreadable',
    'An input file or standard input could not be read.',
    'Check the path and permissions.',
  ),
  // Coverage guards (issue 14): what the run did not check is a finding, never a silent pass.
  render(
    'KFM-RENDER-020',
    'Nothing to check',
    'The root holds no overlay to render (no kustomization folder that is not only a base or component), so a run would check nothing and pass. Zero things checked is a failure.',
    'Point the run (or `root:` in kfm-gitops.yaml) at the desired-state folder, or add the overlays Argo CD deploys.',
  ),
  render(
    'KFM-RENDER-021',
    'File not checked by any overlay',
    'A YAML/JSON file under the root is read by no overlay render and is not excluded in kfm-gitops.yaml. Nothing checks it, yet Argo CD may apply it (a directory source, a forgotten folder) — a RoleBinding to cluster-admin there would pass.',
    'Reference the file from the kustomization that deploys it, delete it, or list it under `coverage.exclude` in kfm-gitops.yaml with the reason it is never applied.',
  ),
  render(
    'KFM-RENDER-022',
    'Overlay env cannot be placed',
    'The env decides which rules apply (e.g. digests in stage and prod). The overlay\'s env comes from the Argo CD Application or ApplicationSet that deploys it (destination namespace), the config (`discovery.overlays[].env`), its kustomization namespace or its folder name, in that order; none of them names an env in `envOrder`, and guessing "dev" would switch the promoted-env rules off.',
    'Set `env` for the overlay under `discovery.overlays` in kfm-gitops.yaml, deploy it into a namespace that names its env (e.g. kfm-prod), or name the folder after an env in `envOrder`.',
  ),
  render(
    'KFM-RENDER-023',
    'Argo CD deploys a Helm chart that is not rendered',
    'An Application or ApplicationSet of the repository deploys a folder that is a Helm chart. kfm-gitops does not render Helm charts yet, so nothing Argo CD applies from it is checked; a silent pass would vouch for it.',
    'Render the chart in CI (`helm template … | kfm-gitops validate -`), or wrap it in a kustomization with the rendered output committed.',
  ),
  render(
    'KFM-RENDER-024',
    'Argo CD source not evaluable',
    'An ApplicationSet generator depends on the world outside the repository (cluster, SCM provider, pull request, git generators over other repositories…), or a source uses jsonnet: what Argo CD would deploy from it cannot be worked out offline, so it is not checked.',
    'Use list, git-directory/git-files over this repository, or matrix/merge of those; render jsonnet in CI and commit the output.',
  ),
  {
    id: 'KFM-CONFIG-001',
    title: 'Exception expired',
    category: 'config',
    severity: 'error',
    description:
      'An exception in kfm-gitops.yaml is past its expiry date; it no longer suppresses anything, and its presence is reported so it gets reviewed.',
    remediation:
      'Fix the underlying finding and delete the exception, or renew it with a new date, reason and owner after review.',
  },
  {
    id: 'KFM-CONFIG-002',
    title: 'Exception unused',
    category: 'config',
    severity: 'warning',
    description: 'An exception matched no finding in a full run; stale exceptions hide future problems.',
    remediation: 'Delete the exception.',
  },
];
