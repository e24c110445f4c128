import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './paths.js';

export function toolVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** Kubernetes releases whose schemas ship in schemas/kubernetes (file names like `1.33.json`), newest last. */
export function shippedKubernetesReleases(): string[] {
  let names: string[];
  try {
    names = readdirSync(join(packageRoot(), 'schemas', 'kubernetes'));
  } catch {
    return [];
  }
  return names
    .map((n) => /^v?(1\.\d+)(?:\.\d+)?\.json$/.exec(n)?.[1])
    .filter((v): v is string => Boolean(v))
    .sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
}
