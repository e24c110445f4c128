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
    'Vendor the remote base into the repository (e.g. under a third_party/ folder) and reference it by relative path.',
  ),
  r(
    RENDER_OUTSIDE_ROOT,
    'Reference leaves the checked root',
    'A kustomization references a path outside the checked root; the desired state must be self-contained and reviewable.',
    'Move the referenced files under the root, or check from a root that contains them.',
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
    'Helm chart inflation not supported',
    'helmCharts needs `kustomize build --enable-helm` and usually the network; kfm-gitops renders offline only.',
    'Render the chart with `helm template` in CI and commit the output, or validate it with `helm template … | kfm-gitops validate -`.',
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
    'A rendered stream or input file is not valid YAML (syntax error, unsupported tag, NUL bytes).',
    'Fix the YAML at the named line.',
  ),
  r(
    RENDER_DUPLICATE_KEY,
    'Duplicate key',
    'A YAML mapping holds the same key twice; parsers disagree on which value wins.',
    'Remove one of the duplicate keys.',
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
    'An input file or standard input could not be read.',
    'Check the path and permissions.',
  ),
];
