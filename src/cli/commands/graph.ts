/**
 * `kfm-gitops graph [--env <env>] [--format mermaid|dot|json|github]`: renders what each env deploys and prints the
 * reachability the trust-membrane rules judge (entry points → Services → workloads → stores, NetworkPolicy edges),
 * with the paths from outside to a store marked. `--format github` appends the Mermaid graphs to
 * $GITHUB_STEP_SUMMARY (and prints them when it is unset). Exit 1 when a path from outside reaches a store.
 */
import { appendFileSync } from 'node:fs';
import type { Command } from 'commander';
import { readBundle } from '../../checks/policy/bundle.js';
import { PolicyEngine, PolicyEngineError } from '../../checks/policy/engine.js';
import { buildEnvInput, groupByEnv, sharedContext } from '../../checks/policy/input.js';
import { readPolicyConfig } from '../../checks/policy/config.js';
import { discoverOverlays } from '../../discover/index.js';
import {
  breaches,
  toDot,
  toGithubSummary,
  toJson,
  toMembraneGraph,
  toMermaid,
  type MembraneGraph,
} from '../../graph/membrane.js';
import { createRenderer } from '../../render/create.js';
import { renderOverlay } from '../../render/overlay.js';
import type { RenderedOverlay } from '../../types.js';
import { kustomizeFor, loadContext } from '../context.js';
import { CliError, type CliIO } from '../io.js';

const GRAPH_ENTRYPOINT = 'kfm_graph/graph';
const FORMATS = ['mermaid', 'dot', 'json', 'github'] as const;

export function register(program: Command, io: CliIO, setCode: (code: number) => void): void {
  program
    .command('graph')
    .description('print the trust-membrane reachability graph of each env (what the KFM-TM rules judge)')
    .option('-c, --config <file>', 'config file')
    .option('--root <dir>', 'desired-state root (default from config, else infra/gitops)')
    .option('--env <env...>', 'only these envs (default: every env with an apps-layer overlay)')
    .option('--format <format>', `output format: ${FORMATS.join(', ')}`, 'mermaid')
    .option('--kustomize <cmd>', 'kustomize command to run')
    .action(async (flags: { config?: string; root?: string; env?: string[]; format: string; kustomize?: string }) => {
      if (!(FORMATS as readonly string[]).includes(flags.format))
        throw new CliError(`--format must be one of ${FORMATS.join(', ')} (got ${flags.format})`);
      const ctx = await loadContext(io, { config: flags.config, root: flags.root });
      const params = readPolicyConfig(ctx.config.policy as Record<string, unknown> | undefined).params;
      const { overlays } = await discoverOverlays(ctx.root, ctx.config);
      const renderer = createRenderer(await kustomizeFor(io, ctx.config, flags.kustomize, ctx.root));
      const rendered: RenderedOverlay[] = [];
      try {
        const timeoutMs = (ctx.config.kustomize?.timeoutSeconds ?? 60) * 1000;
        let failed = 0;
        for (const overlay of overlays) {
          const r = await renderOverlay(overlay, { root: ctx.root, config: ctx.config, renderer, timeoutMs }, () => {
            failed++;
          });
          rendered.push(r);
        }
        // A graph drawn without some overlays could hide a path: refuse rather than draw half the picture.
        if (failed > 0) throw new CliError(`${failed} render problem(s); run \`kfm-gitops check\` to see them`);
      } finally {
        await renderer.dispose();
      }
      const appEnvs = new Set(rendered.filter((r) => r.overlay.layer === 'apps').map((r) => r.overlay.env));
      const wanted = flags.env ?? [...appEnvs].sort();
      const unknown = wanted.filter((e) => !rendered.some((r) => r.overlay.env === e));
      if (unknown.length > 0) throw new CliError(`no overlay of env ${unknown.join(', ')}`);

      const bundle = await readBundle();
      const engine = await PolicyEngine.load(bundle.wasm, bundle.manifest.entrypoint, []);
      const graphs: MembraneGraph[] = [];
      for (const { env, overlays: members } of groupByEnv(rendered)) {
        if (!wanted.includes(env)) continue;
        const group = { env, members: members.map((m) => ({ rendered: m, kustomization: null })) };
        const input = buildEnvInput(group, sharedContext(rendered, env), [], params);
        try {
          graphs.push(toMembraneGraph(env, await engine.evaluateValue(input, GRAPH_ENTRYPOINT)));
        } catch (err) {
          if (err instanceof PolicyEngineError || err instanceof Error)
            throw new CliError(`the graph of env ${env} could not be computed: ${err.message}`);
          throw err;
        }
      }
      graphs.sort((a, b) => wanted.indexOf(a.env) - wanted.indexOf(b.env));
      if (flags.format === 'json') io.stdout(toJson(graphs));
      else if (flags.format === 'dot') io.stdout(graphs.map(toDot).join('\n'));
      else if (flags.format === 'mermaid') io.stdout(graphs.map((g) => `%% env ${g.env}\n${toMermaid(g)}`).join('\n'));
      else {
        const summary = toGithubSummary(graphs);
        const file = io.env.GITHUB_STEP_SUMMARY;
        if (file) appendFileSync(file, summary);
        else io.stdout(summary);
      }
      for (const g of graphs)
        for (const e of breaches(g))
          io.stderr(`env ${g.env}: path from outside to a store: ${e.from} -> ${e.to} (${e.kind})\n`);
      setCode(graphs.some((g) => breaches(g).length > 0) ? 1 : 0);
    });
}
