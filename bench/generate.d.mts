// Types of bench/generate.mjs, for test/bench/generate.test.ts.
export interface AppPlan {
  name: string;
  team: string;
  web: boolean;
  store: 'postgis' | 'minio' | null;
  version: string;
  apiReplicas: Record<'dev' | 'stage' | 'prod', number>;
  storageGi: Record<'dev' | 'stage' | 'prod', number>;
  features: string[];
  builds: { dev: number; promoted: number };
}
export interface RepoPlan {
  seed: string;
  teams: string[];
  apps: AppPlan[];
}
export interface RepoManifest {
  generator: number;
  size: string;
  seed: string;
  apps: number;
  teams: number;
  overlays: number;
  resources: number;
  files: number;
  bytes: number;
  touchFile: string;
  touchedOverlays: string[];
  broken: { fraction: number; overlays: string[] };
}
export declare const SIZES: Record<'small' | 'medium' | 'large' | 'xlarge', { apps: number; teams: number }>;
export declare const ENVS: string[];
export declare const DEFAULT_SEED: string;
export declare const GENERATOR_VERSION: number;
export declare function rng(seedText: string): {
  next(): number;
  int(lo: number, hi: number): number;
  pick<T>(list: T[]): T;
  chance(p: number): boolean;
};
export declare function planRepo(options: { apps: number; teams: number; seed?: string }): RepoPlan;
export declare function expectedOverlays(plan: RepoPlan): string[];
export declare function expectedResourceCounts(plan: RepoPlan): Record<string, number>;
export declare function repoFiles(plan: RepoPlan): Record<string, string>;
export declare function breakOverlays(files: Record<string, string>, plan: RepoPlan, fraction: number): string[];
export declare function generateRepo(options: {
  out: string;
  size?: 'small' | 'medium' | 'large' | 'xlarge';
  apps?: number;
  teams?: number;
  seed?: string;
  broken?: number;
  force?: boolean;
  git?: boolean;
}): { dir: string; plan: RepoPlan; manifest: RepoManifest; overlays: string[]; resourceCounts: Record<string, number> };
