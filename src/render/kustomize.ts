/**
 * The real renderer: `kustomize build` through execFile-style spawning (never a shell).
 * With origin mapping on, each overlay is built through a generated wrapper kustomization in a private temp
 * folder that lists the overlay by relative path and asks for buildMetadata — the user's files are never touched.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { execCapture } from './exec.js';
import type { KustomizeCommand } from './resolve.js';
import { sealedEnv } from './sealed-env.js';
import type { RenderOutcome, RenderRequest, Renderer } from './types.js';
import { hideChartText } from './chart-text.js';

/**
 * The API versions helm's `.Capabilities.APIVersions` holds when kustomize inflates a chart (`--helm-api-versions`):
 * every kind the shipped schemas know, OpenShift's included, as for an Argo CD Application's Helm source (helm.ts).
 * Argo CD passes the destination cluster's; with helm's defaults a chart's `.Capabilities.APIVersions.Has
 * "route.openshift.io/v1"` branch (a Route to the database) rendered nothing here and was applied there (exit 0).
 * Loaded only for an overlay that inflates a chart.
 */
export async function helmApiVersions(): Promise<readonly string[]> {
  const { shippedApiVersions } = await import('../checks/schema/openshift.js');
  return shippedApiVersions();
}

const MESSAGE_LINES = 8;

/** Private temp folders holding the wrapper kustomizations of origin renders; the user's files are never touched. */
export class OriginWrappers {
  private tempDir: Promise<string> | undefined;
  private counter = 0;

  /** Writes a wrapper for the overlay; returns the folder to build (also the base of the origin paths). */
  async wrap(overlayAbs: string): Promise<string> {
    this.tempDir ??= mkdtemp(join(tmpdir(), 'kfm-gitops-render-'));
    const dir = join(await this.tempDir, String(this.counter++));
    await mkdir(dir, { recursive: true });
    const rel = relative(dir, overlayAbs).split(sep).join('/');
    await writeFile(join(dir, 'kustomization.yaml'), wrapperKustomization(rel));
    return dir;
  }

  async dispose(): Promise<void> {
    const dir = this.tempDir;
    this.tempDir = undefined;
    if (dir) await rm(await dir, { recursive: true, force: true });
  }
}

export class KustomizeRenderer implements Renderer {
  readonly command: string;
  readonly version: string;
  readonly helm?: string;
  private readonly wrappers = new OriginWrappers();
  /** A `#!` script finds its interpreter through PATH, so it keeps PATH (see sealedEnv). */
  private readonly isScript: boolean;

  constructor(private readonly cmd: KustomizeCommand) {
    this.command = cmd.display;
    this.version = cmd.version;
    this.helm = cmd.helm;
    this.isScript = startsWithShebang(cmd.file);
  }

  async render(request: RenderRequest): Promise<RenderOutcome> {
    let target = request.overlay.absPath;
    let originBase: string | undefined;
    if (request.origin) {
      originBase = await this.wrappers.wrap(request.overlay.absPath);
      target = originBase;
    }
    // `kubectl kustomize <dir>` has no `build` verb; standalone kustomize does.
    const args =
      this.cmd.prefixArgs[0] === 'kustomize'
        ? [...this.cmd.prefixArgs, target]
        : [...this.cmd.prefixArgs, 'build', target];
    if (request.allowExec) args.push('--enable-alpha-plugins', '--enable-exec');
    if (request.helm && this.helm) {
      args.push('--enable-helm', '--helm-command', this.helm);
      for (const v of await helmApiVersions()) args.push('--helm-api-versions', v);
    }
    const r = await execCapture(this.cmd.file, args, {
      timeoutMs: request.timeoutMs,
      maxOutputBytes: request.maxOutputBytes,
      signal: request.signal,
      cwd: request.root,
      env: sealedEnv(process.env, { keepPath: request.allowExec === true || this.isScript }),
    });
    const relRoot = originBase ? relative(originBase, request.root) : undefined;
    const clean = (text: string): string => cleanMessage(text, [originBase, relRoot, request.root]);
    if (r.aborted) return { ok: false, reason: 'aborted', message: 'render interrupted' };
    if (r.spawnError)
      return { ok: false, reason: 'spawn', message: `could not start ${this.command}: ${r.spawnError}` };
    if (r.timedOut)
      return {
        ok: false,
        reason: 'timeout',
        message: `kustomize build timed out after ${Math.round(request.timeoutMs / 1000)} s (the process and its children were killed)`,
      };
    if (r.tooLarge)
      return {
        ok: false,
        reason: 'too-large',
        message: `rendered output exceeds ${Math.round(request.maxOutputBytes / (1024 * 1024))} MB; the render was stopped`,
      };
    if (r.exitCode !== 0) {
      const why = clean(r.stderr) || clean(r.stdout) || `exited with ${r.signal ?? r.exitCode}`;
      return { ok: false, reason: 'error', message: why, exitCode: r.exitCode };
    }
    return { ok: true, text: r.stdout, originBase };
  }

  async dispose(): Promise<void> {
    await this.wrappers.dispose();
  }
}

function startsWithShebang(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(2);
    readSync(fd, head, 0, 2, 0);
    return head.toString('latin1') === '#!';
  } catch {
    // Unreadable: not taken for a script, so PATH is not kept for it (an execute-only binary needs none; a script
    // that cannot be read cannot run either, and its spawn fails with its own reason).
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The kustomization that builds `rel` (the overlay, relative to the wrapper folder) with build metadata. */
export function wrapperKustomization(rel: string): string {
  return `# generated by kfm-gitops for source mapping; not a user file\nresources:\n  - ${JSON.stringify(rel)}\nbuildMetadata: [originAnnotations, transformerAnnotations]\n`;
}

/** First lines of kustomize's message, with temp and absolute paths made repo-relative so the text is stable. */
export function cleanMessage(text: string, prefixes: (string | undefined)[]): string {
  let out = hideChartText(text); // a helmCharts entry's chart: its fail/required text is the pull request's
  for (const p of prefixes) {
    if (!p) continue;
    out = out.split(`${p}${sep}`).join('').split(p).join('.');
  }
  // The wrapper adds a layer of "accumulating resources from <overlay>" to every message; it says nothing to the user.
  out = out
    .replace(
      /accumulating resources: accumulation err='accumulating resources from '[^']*': '[^']*' must resolve to a file': /g,
      '',
    )
    .replace(/^(?:Error: )?(?:recursed accumulation of path|couldn't make target for path) '[^']*': /gm, '');
  const lines = out
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '' && !/^Usage:|^\s+kustomize build|^Flags:|^Global Flags:/.test(l));
  return lines
    .slice(0, MESSAGE_LINES)
    .join('\n')
    .replace(/^Error: /, '');
}
