/** Render and parse rules: an overlay or input that cannot be rendered or read is never checked, so almost all are guards. */
import { rule } from './define.js';

export const RENDER_FAILED = 'KFM-RENDER-001';
export const RENDER_TIMEOUT = 'KFM-RENDER-002';
export const RENDER_REMOTE = 'KFM-RENDER-003';
export const RENDER_OUTSIDE_ROOT = 'KFM-RENDER-004';
export const RENDER_EXEC_PLUGIN = 'KFM-RENDER-005';
export const RENDER_EMPTY = 'KFM-RENDER-006';
export const RENDER_TOO_LARGE = 'KFM-RENDER-007';
export const RENDER_HELM = 'KFM-RENDER-008';
export const RENDER_KUSTOMIZATION_UNREADABLE = 'KFM-RENDER-009';
export const RENDER_INVALID_YAML = 'KFM-RENDER-010';
export const RENDER_DUPLICATE_KEY = 'KFM-RENDER-011';
export const RENDER_LIMIT = 'KFM-RENDER-012';
export const RENDER_NOT_K8S = 'KFM-RENDER-013';
export const RENDER_DUPLICATE_RESOURCE = 'KFM-RENDER-014';
export const RENDER_INPUT_UNREADABLE = 'KFM-RENDER-015';
/** Coverage and Argo CD sources (issue 14): what a run did not check is a guard finding, never a silent pass. */
export const RENDER_NOTHING_TO_CHECK = 'KFM-RENDER-020';
export const RENDER_UNCOVERED_FILE = 'KFM-RENDER-021';
export const RENDER_ENV_UNPLACED = 'KFM-RENDER-022';
export const RENDER_HELM_SOURCE = 'KFM-RENDER-023';
export const RENDER_SOURCE_NOT_EVALUABLE = 'KFM-RENDER-024';

const r = (id: string, title: string, why: string, fix: string, guard = true) =>
  rule('render', id, title, why, fix, { guard });

export const RENDER_RULES = [
  r(
    RENDER_FAILED,
    'Overlay does not render',
    'kustomize build failed for the overlay. An overlay that does not render cannot be synced by Argo CD and cannot be checked, so the run fails.',
    "Run `kfm-gitops render <overlay>` to see kustomize's full message; fix the kustomization (typo, missing file, bad patch target).",
  ),
  r(
    RENDER_TIMEOUT,
    'Render timed out',
    'kustomize did not finish within the timeout; the process and its children were killed. A hung render is a failure, never a skip.',
    'Look for generators or plugins that wait on input; raise `kustomize.timeoutSeconds` (or --timeout) only when the overlay is genuinely large.',
  ),
  r(
    RENDER_REMOTE,
    'Remote reference refused',
    'A kustomization references a remote base, component or chart (http(s), git, github.com/… forms). Remote content is not reviewed in this repository and would need the network at render time.',
    'Vendor the remote base into the repository (e.g. under a third_party/ folder) and reference it by relative path. For a `helmCharts:` chart, vendor it where `kustomize build --enable-helm` would pull it: `<chartHome>/<name>-<version>/<name>` (chartHome defaults to `charts/` beside the kustomization; `<chartHome>/<name>` when no version is given), e.g. with `helm pull --untar --untardir <chartHome>/<name>-<version> --repo <repo> <name> --version <version>`.',
  ),
  r(
    RENDER_OUTSIDE_ROOT,
    'Reference leaves the checked root',
    'A kustomization references a path outside the checked root, or an Argo CD Application or ApplicationSet under the root deploys a folder of this repository outside it (or a Helm value file from outside it); the desired state must be self-contained and reviewable, and what Argo CD applies from outside the root is read by no check of this run.',
    'Move the referenced files under the root, or check from a root that contains them (for Argo CD sources: the repository top).',
  ),
  r(
    RENDER_EXEC_PLUGIN,
    'Exec or container plugin refused',
    'A generator, transformer or validator runs a KRM function (exec/container plugin). Those run arbitrary programs during the render of a pull request.',
    'Replace the plugin by built-in kustomize features, or allow it explicitly with `kustomize.allowExec: true` in kfm-gitops.yaml after review.',
  ),
  r(
    RENDER_EMPTY,
    'Overlay rendered nothing',
    'kustomize exited successfully but printed no resources for a non-empty overlay; a silent empty render would pass every check.',
    "Check the overlay's resources list; if the overlay is meant to be empty, remove it.",
  ),
  r(
    RENDER_TOO_LARGE,
    'Rendered output too large',
    'The overlay rendered more than the size limit; the render was stopped to protect memory.',
    'Split the overlay, or look for a generator that loops.',
  ),
  r(
    RENDER_HELM,
    'Helm chart cannot be inflated',
    "kfm-gitops inflates `helmCharts:` offline, with the pinned helm, only from a chart vendored under the kustomization's chartHome. This entry cannot be: it names no chart (or a path instead of a chart name), has no repo and no vendored copy, or uses a form that bypasses those checks (the deprecated `helmChartInflationGenerator` field, or a HelmChartInflationGenerator config file under `generators:`).",
    'Use `helmCharts:` with a chart vendored at `<chartHome>/<name>` (chartHome defaults to `charts/` beside the kustomization), or render the chart with `helm template` in CI and commit the output.',
  ),
  r(
    RENDER_KUSTOMIZATION_UNREADABLE,
    'Kustomization unreadable',
    'A kustomization file reached from the overlay cannot be read or parsed.',
    'Fix the YAML of the named file.',
  ),
  r(
    RENDER_INVALID_YAML,
    'Invalid YAML',
    "A rendered stream or input file is not valid YAML (syntax error, unsupported tag, NUL bytes), or an input file holds a line break that only Go's YAML reader (kubectl, Argo CD) breaks lines at (a lone CR, U+0085, U+2028, U+2029): the text after it would be read differently by the cluster.",
    'Fix the YAML at the named line.',
  ),
  r(
    RENDER_DUPLICATE_KEY,
    'Duplicate key',
    "A YAML mapping holds the same key twice, or a merge key (`<<`) sets a key already set before it in the mapping; parsers disagree on which value wins (Go's YAML reader, as kubectl and Argo CD use it, takes the later one).",
    'Remove one of the duplicate keys; put a merge key before the keys that override it.',
  ),
  r(
    RENDER_LIMIT,
    'Input over a safety limit',
    'A document exceeds a parser safety limit (size, nesting depth, alias expansion, document count). Such input is refused rather than allowed to exhaust memory.',
    'Simplify the document; alias bombs and deeply nested data have no place in manifests.',
  ),
  r(
    RENDER_NOT_K8S,
    'Not a Kubernetes object',
    'A document is not a mapping with apiVersion, kind and metadata.name.',
    'Add the missing fields or remove the document.',
  ),
  r(
    RENDER_DUPLICATE_RESOURCE,
    'Duplicate resource',
    'Two documents define the same apiVersion group, kind, namespace and name; only one can exist in the cluster.',
    'Remove or rename one of them.',
    false,
  ),
  r(
    RENDER_INPUT_UNREADABLE,
    'Input unreadable',
    'An input file or standard input could not be read, or a file of a directory source is a Git LFS pointer whose file (which Argo CD applies when LFS is enabled for the repository) is not in the checkout.',
    'Check the path and permissions; fetch Git LFS objects before checking (or commit manifests as regular files).',
  ),
  r(
    RENDER_NOTHING_TO_CHECK,
    'Nothing to check',
    'The root holds no overlay to render (no kustomization folder that is not only a base or component), so a run would check nothing and pass. Zero things checked is a failure.',
    'Point the run (or `root:` in kfm-gitops.yaml) at the desired-state folder, or add the overlays Argo CD deploys.',
  ),
  r(
    RENDER_UNCOVERED_FILE,
    'File not checked by any overlay',
    'A YAML/JSON file under the root is read by no overlay render and is not excluded in kfm-gitops.yaml. Nothing checks it, yet Argo CD may apply it (a directory source, a forgotten folder) — a RoleBinding to cluster-admin there would pass.',
    'Reference the file from the kustomization that deploys it, delete it, or list it under `coverage.exclude` in kfm-gitops.yaml with the reason it is never applied.',
  ),
  r(
    RENDER_ENV_UNPLACED,
    'Overlay env cannot be placed',
    'The env decides which rules apply (e.g. digests in stage and prod). The overlay\'s env comes from the Argo CD Application or ApplicationSet that deploys it (destination namespace), the config (`discovery.overlays[].env`), its kustomization namespace or its folder name, in that order; none of them names an env in `envOrder`, and guessing "dev" would switch the promoted-env rules off.',
    'Set `env` for the overlay under `discovery.overlays` in kfm-gitops.yaml, deploy it into a namespace that names its env (e.g. kfm-prod), or name the folder after an env in `envOrder`.',
  ),
  r(
    RENDER_HELM_SOURCE,
    'Argo CD Helm chart source does not render',
    "An Application or ApplicationSet of the repository deploys a folder that is a Helm chart. kfm-gitops renders it with `helm template` and the source's values (valueFiles, values/valuesObject, parameters, releaseName) the way Argo CD does, offline; when that fails (a template error, an unsupported option such as helm.fileParameters, no helm binary) nothing Argo CD would apply from it is checked, and a silent pass would vouch for it.",
    "Fix the chart or the values so `helm template` succeeds (the message gives helm's error); keep value files inside the repository; run `npm run tools` (pinned helm) or set KFM_HELM.",
  ),
  r(
    RENDER_SOURCE_NOT_EVALUABLE,
    'Argo CD source not evaluable',
    'An ApplicationSet generator depends on the world outside the repository (cluster, SCM provider, pull request, git generators over other repositories…) or on template functions kfm-gitops does not evaluate (in a generated Application path, repoURL or destination namespace, or with goTemplate in its `kustomize`/`helm`/`directory` settings), a source uses jsonnet (in any folder a recursive directory source walks), a `source.kustomize` override uses a field kfm-gitops does not apply (or values known only at sync time, or an image override without tag or digest replaces a pinned `images:` entry of the folder, bringing back the tag the manifests carry), an `.argocd-source.yaml` or `.argocd-source-<application>.yaml` parameter file in the folder of a source (which Argo CD merges into the source) cannot be merged exactly, or an Application of this repository (its repoURL is the `origin` remote or listed in `argo.repoURLs`) names a path that holds no folder here or deploys it at a `targetRevision` (a git generator at a `revision`) other than the branch under check (`HEAD`, the default branch of the `origin` remote and the branch CI says the change merges into, such as `GITHUB_BASE_REF`, `CI_MERGE_REQUEST_TARGET_BRANCH_NAME` or `CI_DEFAULT_BRANCH`, else `main` or `master`: another branch, a tag or a commit holds content this run does not read), or a document that may be an Argo CD manifest is too large to read safely (an Application or ApplicationSet over 1 MiB, anything naming argoproj.io over 16 MiB between two `---` lines): what Argo CD would deploy from it cannot be worked out offline, so it is not checked.',
    "Use list, git-directory/git-files over this repository, or matrix/merge of those; render jsonnet (or a Config Management Plugin's output) in CI and commit the output; move an unsupported override into the kustomization itself (or give an image override a tag or digest); spell a parameter file as one YAML mapping of the documented source fields; fix the path (Argo CD paths are relative to the repository top); point `targetRevision` at the branch under check (a release branch or tag is checked in a run of its own, where it is the branch under check); or list the repository URLs in `argo.repoURLs` so that another repository's Applications are told apart; split or shrink an oversized manifest.",
  ),
];
