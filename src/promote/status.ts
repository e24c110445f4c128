/** `kfm-gitops status`: per app, the digest each env pins and whether neighbouring envs agree. */
import { join } from 'node:path';
import type { Config } from '../config/types.js';
import { appOverlays, envOrderOf, kustomizationPath } from './inputs.js';
import { effectiveName, readImagesFile, shortDigest } from './kustomization.js';

export interface EnvImage {
  newName: string;
  digest?: string;
  newTag?: string;
}

export interface ImageStatus {
  /** The `images:` entry name. */
  name: string;
  /** Per env: what the overlay pins (absent when the overlay has no entry for it). */
  envs: Record<string, EnvImage | undefined>;
}

export interface AppStatus {
  app: string;
  /** Envs of the order the app has an overlay for, in order. */
  envs: string[];
  /** Root-relative kustomization per env. */
  files: Record<string, string>;
  images: ImageStatus[];
  /** For each pair of neighbouring envs: the later one runs exactly what the earlier one runs. */
  inSync: { from: string; to: string; inSync: boolean }[];
  /** Kustomizations that could not be read. */
  errors?: string[];
}

export interface StatusResult {
  envOrder: string[];
  apps: AppStatus[];
}

export async function computeStatus(root: string, config: Config): Promise<StatusResult> {
  const envOrder = envOrderOf(config);
  const apps = await appOverlays(root, config);
  const out: AppStatus[] = [];
  for (const app of [...apps.keys()].sort()) {
    const overlays = apps.get(app)!;
    const envs = envOrder.filter((e) => overlays.has(e));
    if (envs.length === 0) continue;
    const status: AppStatus = { app, envs, files: {}, images: [], inSync: [] };
    const byName = new Map<string, ImageStatus>();
    for (const env of envs) {
      const file = kustomizationPath(overlays.get(env)!);
      status.files[env] = file;
      const read = await readImagesFile(join(root, file));
      if (read.error) (status.errors ??= []).push(`${file}: ${read.error.message}`);
      for (const img of read.images) {
        if (!byName.has(img.name)) byName.set(img.name, { name: img.name, envs: {} });
        const entry: EnvImage = { newName: effectiveName(img) };
        if (img.digest) entry.digest = img.digest;
        if (img.newTag) entry.newTag = img.newTag;
        byName.get(img.name)!.envs[env] = entry;
      }
    }
    status.images = [...byName.values()];
    for (let i = 1; i < envs.length; i++) {
      const from = envs[i - 1];
      const to = envs[i];
      const same = status.images.every((img) => sameImage(img.envs[from], img.envs[to]));
      status.inSync.push({ from, to, inSync: same && !status.errors });
    }
    out.push(status);
  }
  return { envOrder, apps: out };
}

function sameImage(a: EnvImage | undefined, b: EnvImage | undefined): boolean {
  if (!a || !b) return a === b;
  return a.newName === b.newName && a.digest === b.digest && a.newTag === b.newTag;
}

/** One row per app image: the short digest in each env, then the sync flags (`dev≠stage`, `stage=prod`). Pure. */
export function formatStatusTable(status: StatusResult): string {
  const envs = status.envOrder.filter((e) => status.apps.some((a) => a.envs.includes(e)));
  const header = ['APP', 'IMAGE', ...envs.map((e) => e.toUpperCase()), 'SYNC'];
  const rows: string[][] = [];
  for (const app of status.apps) {
    const sync = app.inSync.map((s) => `${s.from}${s.inSync ? '=' : '≠'}${s.to}`).join(' ');
    const images =
      app.images.length > 0 ? app.images : [{ name: '(no images: entries)', envs: {} as ImageStatus['envs'] }];
    images.forEach((img, i) => {
      const cells = envs.map((env) => {
        if (!app.envs.includes(env)) return '';
        const e = img.envs[env];
        if (!e) return '-';
        return e.digest ? shortDigest(e.digest) : e.newTag ? `tag ${e.newTag}` : 'unpinned';
      });
      rows.push([i === 0 ? app.app : '', img.name, ...cells, i === 0 ? sync : '']);
    });
    for (const err of app.errors ?? []) rows.push(['', `unreadable: ${err}`, ...envs.map(() => ''), '']);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => [...r[i]].length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i] - [...c].length)))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
