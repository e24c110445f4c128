/**
 * The `yaml` package (the careful parse with positions), for the readers that need it only for some texts: discovery
 * and the Argo CD view read plain block YAML with their own readers (discover/block-yaml.ts, argo/block-lines.ts).
 *
 * A static import, not `createRequire(import.meta.url)('yaml')`: in the bundle (scripts/bundle.mjs) the package is
 * bundled for the modules that import it statically, and a require made at run time loaded a second copy from
 * node_modules, without the bundle's code cache, in every check that parsed a rendered text with it: ~70-120 ms of
 * CPU for nothing (issue 20; both copies were loaded in a warm check of the medium bench repo).
 */
import * as yaml from 'yaml';

type YamlModule = typeof import('yaml');

export function yamlModule(): YamlModule {
  return yaml;
}
