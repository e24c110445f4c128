import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { discoverOverlays } from '../../discover/index.js';
import { findKustomizationFile } from '../../discover/kustomization.js';
import { createRenderer } from '../../render/create.js';
import { renderOverlay } from '../../render/overlay.js';
import { toRepoPath } from '../../util/paths.js';
import { maskSecretValues, Redactor } from '../../redact/index.js';
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
    .option(
      '--show-secrets',
      "print Secret values and credentials as rendered (by default a Secret's values, and any value a secret rule matches, are masked)",
    )
    .action(
      async (
        overlayArg: string,
        flags: { config?: string; root?: string; kustomize?: string; timeout?: string; showSecrets?: boolean },
      ) => {
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
          const shown = printable(
            r.resources.map((res) => res.object),
            problems,
            flags.showSecrets === true,
          );
          for (const line of shown.problems) io.stderr(`${line}\n`);
          if (shown.text !== '') io.stdout(shown.text);
          if (shown.masked)
            io.stderr('kfm-gitops: Secret values and credentials are masked; --show-secrets prints them\n');
          setCode(problems.length > 0 ? 1 : 0);
        } finally {
          await renderer.dispose();
        }
      },
    );
}

/**
 * What `render` prints: the resources and kustomize's problems, with every Secret's values and every credential
 * masked by the one redactor, unless the user asked to see them (`masked` says whether anything was).
 */
function printable(
  objects: Record<string, unknown>[],
  problems: FindingInput[],
  show: boolean,
): { text: string; problems: string[]; masked: boolean } {
  const line = (p: FindingInput): string =>
    `${p.ruleId} ${p.file ? `${p.file}${p.line ? `:${p.line}` : ''} ` : ''}${p.message}`;
  const raw = objects.map((o) => stringify(o)).join('---\n');
  if (show) return { text: raw, problems: problems.map(line), masked: false };
  const redactor = new Redactor();
  redactor.addObjects(objects);
  const text = redactor.redactRendered(objects.map((o) => stringify(maskSecretValues(o))).join('---\n'));
  const shown = problems.map((p) => redactor.redact(line({ ...p, file: p.file && redactor.redactPath(p.file) })));
  return { text, problems: shown, masked: text !== raw || shown.some((s, i) => s !== line(problems[i]!)) };
}
