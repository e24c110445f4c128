/** `validate`: raw manifests (files or stdin), no kustomize: the same checks, each input as its own pseudo-overlay. */
import { resolve } from 'node:path';
import { assembleReport, FindingCollector, resolveFindings } from '../findings/index.js';
import { parseResources } from '../parse/index.js';
import { SourceMapper } from '../render/sourcemap.js';
import { RENDER_INPUT_UNREADABLE } from '../rules/render.js';
import type { FindingInput, Overlay, RenderedOverlay, Report } from '../types.js';
import { runChecks } from './checks.js';
import { configFileDisplay, summaryOf, toolInfo, type PipelineOptions } from './common.js';

export interface ValidateInput {
  /** Display name: repo-relative path, or `<stdin>`. */
  name: string;
  text?: string;
  /** Why the input could not be read. */
  error?: string;
}

export async function runValidate(options: PipelineOptions & { inputs: ValidateInput[] }): Promise<Report> {
  const started = performance.now();
  const collector = new FindingCollector({
    config: options.config,
    mode: 'validate',
    overlays: new Map(),
    mapper: new SourceMapper(options.root),
  });
  const report = (f: FindingInput): void => collector.add(f);
  const rendered: RenderedOverlay[] = options.inputs.map((input) => {
    const overlay: Overlay = {
      path: input.name,
      absPath: resolve(options.root, input.name),
      env: 'none',
      layer: 'none',
      kustomizationFile: '',
    };
    const base = { overlay, durationMs: 0 };
    if (input.error !== undefined || input.text === undefined) {
      report({
        ruleId: RENDER_INPUT_UNREADABLE,
        message: `cannot read ${input.name}: ${input.error ?? 'no content'}`,
        file: input.name,
      });
      return { ...base, status: 'parse-error' as const, text: '', resources: [] };
    }
    const parsed = parseResources(input.text, { overlay: input.name, file: input.name });
    for (const f of parsed.findings) report({ ...f, overlay: undefined });
    return {
      ...base,
      status: parsed.findings.length > 0 ? ('parse-error' as const) : ('ok' as const),
      text: input.text,
      resources: parsed.resources,
    };
  });
  await runChecks(
    options.checks,
    {
      root: options.root,
      config: options.config,
      overlays: rendered.filter((r) => r.text !== ''),
      resources: rendered.flatMap((r) => r.resources),
      kubernetesVersion: options.kubernetesVersion,
      mode: 'validate',
    },
    (f, fallback) => collector.add(f, fallback),
    { budgetMs: options.checkBudgetMs },
  );
  return assembleReport(await resolveFindings(collector), rendered.map(summaryOf), {
    tool: toolInfo(options),
    config: options.config,
    configFile: configFileDisplay(options),
    now: options.now,
    started,
    skipped: [],
    reportUnusedExceptions: false,
    validate: true,
  });
}
