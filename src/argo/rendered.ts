/**
 * The Applications and ApplicationSets Argo CD gets are the rendered ones, not the manifest files the view reads
 * (applications.ts). An app-of-apps overlay may patch an Application's source (a path, `source.kustomize.patches`, a
 * Helm value), replace it, generate one, or hold one the view cannot read as text (a UTF-16 file, a file in a
 * hidden folder): the view would then check what the file says while Argo CD deploys something else. Every rendered
 * Argo CD object whose spec is not one the view evaluated (argoSpecKey) is evaluated here as rendered, like a
 * manifest file of its overlay, so what it deploys is checked too (argo/check.ts plans and renders its sources).
 */
import { addArgoObject, argoSpecKey, lazyTree, type ArgoView } from './applications.js';
import type { RenderedOverlay } from '../types.js';

/**
 * Adds to the view what the rendered Argo CD objects deploy beyond what it already evaluated. Findings about them
 * point at the kustomization file of the first overlay that renders them (line 1): their text lies in no one file.
 */
export async function addRenderedArgoObjects(
  view: ArgoView,
  rendered: readonly RenderedOverlay[],
  root: string,
): Promise<void> {
  const known = new Set(view.specs);
  const tree = lazyTree(root);
  const inputs = new Set(view.inputs);
  for (const r of rendered) {
    for (const res of r.resources) {
      // The id answers without unpacking the overlay's objects (run/pack.ts): most overlays hold no Argo CD object.
      if (!res.id.apiVersion.startsWith('argoproj.io/')) continue;
      if (res.id.kind !== 'Application' && res.id.kind !== 'ApplicationSet') continue;
      const obj = res.object;
      const key = argoSpecKey(obj);
      if (key === undefined || known.has(key)) continue;
      known.add(key);
      view.specs.push(key);
      const file =
        r.overlay.path === '.' ? r.overlay.kustomizationFile : `${r.overlay.path}/${r.overlay.kustomizationFile}`;
      const at = (): number => 1;
      const from = view.deployments.length;
      await addArgoObject(view, obj, { file, lineOf: at, keyLineOf: at, tree, inputs });
      for (const d of view.deployments.slice(from)) d.fromRender = true;
    }
  }
  view.inputs = [...inputs].sort();
}
