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
    'Vendor the remote base into the repository (e.g. under a third_party/ folder) and reference it by relative path. For a `helmCharts:` chart, vendor it where `kustomize build --enable-helm` would pull it: `<chartHome>/<name>-<version>/<name>` (chartHome defaults to `charts/` beside the kustomization; `<chartHome>/<name>` when no version is given), e.g. with `helm pull --untar --untardir <chartHome>/<name>-<version> --repo <repo> <name> --version <version>`.',
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
    'Helm chart cannot be inflated',
    "kfm-gitops inflates `helmCharts:` offline, with the pinned helm, only from a chart vendored under the kustomization's chartHome. This entry cannot be: it names no chart (or a path instead of a chart name), has no repo and no vendored copy, or uses a form that bypasses those checks (the deprecated `helmChartInflationGenerator` field, or a HelmChartInflationGenerator config file under `generators:`).",
    'Use `helmCharts:` with a chart vendored at `<chartHome>/<name>` (chartHome defaults to `charts/` beside the kustomization), or render the chart with `helm template` in CI and commit the output.',
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
