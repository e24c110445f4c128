// Types of bench/glue/kubeconform-schemas.mjs, for test/bench/glue.test.ts.
export declare function kindSuffix(apiVersion: string): string;
export declare function closure(defs: Record<string, unknown>, root: string): string[];
export declare function writeKubeconformSchemas(options: { release: string; outDir: string; schemasDir?: string }): {
  kubernetesVersion: string;
  files: number;
  collisions: string[];
  schemaLocations: [string, string];
};
