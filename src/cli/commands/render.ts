import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { discoverOverlays } from '../../discover/index.js';
import { findKustomizationFile } from '../../discover/kustomization.js';
import { createRenderer } from '../../render/create.js';
import { renderOverlay } from '../../render/overlay.js';
import { toRepoPath } from '../../util/paths.js';
import { stringify } from 'yaml';
import type { FindingInput, Overlay } from '../../types.js';
import { kustomizeFor, loadContext, parsePositiveNumber } from '../context.js';
import { CliError, type CliIO } from '../io.js';

export function register(program: Command, io: CliIO, setCode: (code: number) => void): void {
  program
    .command('render')
    .description('render one overlay and print the resources exactly as the checks see them')
    .argument('<overlay>', 'overlay folder (relative to the current folder, or an overlay path relative to the root)')
    .option('-c, --config <file>', 'config file')
    .option('--root <dir>', 'desired-state root (default from config, else infra/gitops)')
    .option('--kustomize <cmd>', 'kustomize command to run')
    .option('--timeout <seconds>', 'render timeout (default 60)')
    .action(
      async (overlayArg: string, flags: { config?: string; root?: string; kustomize?: string; timeout?: string }) => {
        const ctx = await loadContext(io, { config: flags.config, root: flags.root });
        const fromCwd = resolve(io.cwd, overlayArg);
        const abs = existsSync(fromCwd) ? fromCwd : resolve(ctx.root, overlayArg);
        const rel = toRepoPath(ctx.root, abs);
        if (!existsSync(abs) || !findKustomizationFile(abs))
          throw new CliError(`${overlayArg} is not a folder with a kustomization`);
        if (rel === undefined) throw new CliError(`${overlayArg} is outside the root ${ctx.root}`);
        const known = (await discoverOverlays(ctx.root, ctx.config)).overlays.find((o) => o.path === rel);
        const overlay: Overlay = known ?? {
          path: rel,
          absPath: abs,
          env: rel.split('/').pop() ?? rel,
          layer: rel.split('/')[0],
          kustomizationFile: (findKustomizationFile(abs) ?? '').slice(abs.length + 1),
        };
        const renderer = createRenderer(await kustomizeFor(io, ctx.config, flags.kustomize, ctx.root));
        const problems: FindingInput[] = [];
        try {
          const timeoutS =
            parsePositiveNumber('--timeout', flags.timeout) ?? ctx.config.kustomize?.timeoutSeconds ?? 60;
          const r = await renderOverlay(
            overlay,
            { root: ctx.root, config: ctx.config, renderer, timeoutMs: timeoutS * 1000 },
            (f) => problems.push(f),
          );
          for (const p of problems)
            io.stderr(`${p.ruleId} ${p.file ? `${p.file}${p.line ? `:${p.line}` : ''} ` : ''}${p.message}\n`);
          if (r.resources.length > 0) io.stdout(r.resources.map((res) => stringify(res.object)).join('---\n'));
          setCode(problems.length > 0 ? 1 : 0);
        } finally {
          await renderer.dispose();
        }
      },
    );
}
