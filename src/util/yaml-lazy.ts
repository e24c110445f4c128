/**
 * The `yaml` package (the careful parse with positions), loaded on first use. Discovery and the Argo CD view read
 * plain block YAML with their own readers (discover/block-yaml.ts, argo/block-lines.ts) and need it only for other
 * text, while importing it cost ~50 ms of CPU before the first render of every cold check (issue 20). The package's
 * Node entry is CommonJS, so this is the same module instance a static `import` of it gets.
 */
import { createRequire } from 'node:module';

type YamlModule = typeof import('yaml');

let loaded: YamlModule | undefined;

export function yamlModule(): YamlModule {
  return (loaded ??= createRequire(import.meta.url)('yaml') as YamlModule);
}
