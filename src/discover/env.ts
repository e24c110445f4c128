/**
 * An overlay's env from evidence, in order: the namespace the Argo CD Application/ApplicationSet deploys it to, the
 * config (`discovery.overlays[].env`), the namespace its kustomization sets, its folder name. A name counts when it
 * is an env of `envOrder` or holds exactly one as a `-`/`_`/`.` separated part (`kfm-prod`, `prod-eu`). An overlay
 * none of these place keeps its folder name and is a finding: guessing "dev" would switch the promoted-env rules off.
 */
export const DEFAULT_ENV_ORDER = ['dev', 'stage', 'prod'];

export interface EnvEvidence {
  /** Destination namespaces of every Application that deploys the overlay. */
  argoNamespaces: string[];
  configEnv?: string;
  kustomizationNamespace?: string;
  folder: string;
}

export interface PlacedEnv {
  env: string;
  /** Where the env came from; undefined when nothing placed it in envOrder. */
  source?: 'argo' | 'config' | 'namespace' | 'folder';
}

/** The env of `envOrder` a name denotes, if exactly one. */
export function envInName(name: string, envOrder: readonly string[]): string | undefined {
  if (envOrder.includes(name)) return name;
  const parts = new Set(name.toLowerCase().split(/[-_.]/));
  const found = envOrder.filter((e) => parts.has(e.toLowerCase()));
  return found.length === 1 ? found[0] : undefined;
}

/** The strictest (latest in envOrder) of several: an overlay deployed to dev and prod obeys prod's rules. */
function strictest(envs: string[], envOrder: readonly string[]): string | undefined {
  return envs.sort((a, b) => envOrder.indexOf(b) - envOrder.indexOf(a))[0];
}

export function placeEnv(evidence: EnvEvidence, envOrder: readonly string[] = DEFAULT_ENV_ORDER): PlacedEnv {
  const fromArgo = evidence.argoNamespaces
    .map((ns) => envInName(ns, envOrder))
    .filter((e): e is string => e !== undefined);
  if (fromArgo.length > 0) return { env: strictest(fromArgo, envOrder)!, source: 'argo' };
  if (evidence.configEnv !== undefined) return { env: evidence.configEnv, source: 'config' };
  const fromNamespace = evidence.kustomizationNamespace
    ? envInName(evidence.kustomizationNamespace, envOrder)
    : undefined;
  if (fromNamespace) return { env: fromNamespace, source: 'namespace' };
  const fromFolder = envInName(evidence.folder, envOrder);
  if (fromFolder) return { env: fromFolder, source: 'folder' };
  return { env: evidence.folder };
}
