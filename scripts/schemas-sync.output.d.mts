// Types of scripts/schemas-sync.output.mjs.
export declare function kubernetesInputs(kubernetesDir: string): { k8sGroups: Set<string>; k8sDefs: Set<string> };
export declare function compareOutput(
  files: Map<string, string>,
  outDir: string,
): { differing: string[]; stale: string[] };
