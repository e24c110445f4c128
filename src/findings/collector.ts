/**
 * Collects finding inputs from every stage of a run, then resolves what a reader needs: the rule's category (from
 * the registry only), the severity (severity.ts), the dotted path, the file and line (through the resource's locator
 * or kustomize's origin annotations), and the fingerprint. Duplicate findings collapse to one.
 */
import type { Config } from '../config/types.js';
import { identityKey } from '../parse/index.js';
import { formatPath } from '../parse/path.js';
import type { SourceMapper } from '../render/sourcemap.js';
import { categoryOf, isGuard } from '../rules/index.js';
import type { Finding, FindingInput, Overlay, Resource, Severity } from '../types.js';
import { fingerprintOf, stripNumbers } from './fingerprint.js';
import { resolveSeverity } from './severity.js';
import { Redactor, redactSuppression } from '../redact/index.js';

interface Pending {
  input: FindingInput;
  fallbackSeverity: Severity;
}

export class FindingCollector {
  private pending: Pending[] = [];
  /** Every message passes it before it becomes a finding (and so before any format or cache sees it). */
  readonly redactor = new Redactor();
  constructor(
    private readonly options: {
      config: Config;
      mode: 'check' | 'validate';
      overlays: Map<string, Overlay>;
      mapper: SourceMapper;
    },
  ) {}

  /** @param fallbackSeverity for ids outside the registry (custom policies): their check's default. */
  add(input: FindingInput, fallbackSeverity: Severity = 'error'): void {
    this.pending.push({ input, fallbackSeverity });
  }

  private severityOf({ input, fallbackSeverity }: Pending): Severity | 'off' {
    return resolveSeverity(input.ruleId, this.options.config.rules, input.severity, fallbackSeverity);
  }

  /**
   * @param resolveOrigins fills in `origin`/`transformedBy` of the given resources (grouped by overlay) before
   * lines are resolved: source mapping is paid only for overlays that have findings to place.
   */
  async finish(
    resolveOrigins?: (byOverlay: Map<string, Resource[]>) => Promise<void>,
  ): Promise<{ findings: Finding[]; resources: Map<string, Resource> }> {
    if (resolveOrigins && this.options.mode === 'check') {
      const byOverlay = new Map<string, Resource[]>();
      for (const p of this.pending) {
        const r = p.input.resource;
        if (!r || p.input.file !== undefined || r.origin) continue;
        byOverlay.set(r.overlay, [...(byOverlay.get(r.overlay) ?? []), r]);
      }
      if (byOverlay.size > 0) await resolveOrigins(byOverlay);
    }
    const out: Finding[] = [];
    const resources = new Map<string, Resource>();
    const seen = new Set<string>();
    this.redactor.addObjects(this.pending.map((p) => p.input.resource?.object));
    for (const p of this.pending) {
      const severity = this.severityOf(p);
      // A rule the repository's config switches off still shows, as suppressed by the config: a reviewer (and the
      // report's `suppressed` list) sees what `rules: {X: off}` hides, as for exceptions and inline allows.
      const finding =
        severity === 'off'
          ? await this.place(
              {
                ...p.input,
                suppressed: {
                  by: 'config',
                  reason: `rules.${p.input.ruleId}: off in the repository's kfm-gitops.yaml`,
                },
              },
              resolveSeverity(p.input.ruleId, undefined, p.input.severity, p.fallbackSeverity) as Severity,
            )
          : await this.place(p.input, severity);
      const dedupe = `${finding.fingerprint}|${finding.message}|${finding.line ?? ''}`;
      if (seen.has(dedupe)) continue;
      seen.add(dedupe);
      if (p.input.resource) resources.set(finding.fingerprint, p.input.resource);
      out.push(finding);
    }
    return { findings: out, resources };
  }

  private async place(input: FindingInput, severity: Severity): Promise<Finding> {
    const overlayPath = input.overlay ?? input.resource?.overlay;
    const overlay = overlayPath !== undefined ? this.options.overlays.get(overlayPath) : undefined;
    const fallbackFile = overlay ? joinPosix(overlay.path, overlay.kustomizationFile) : overlayPath;
    const finding: Finding = {
      ruleId: input.ruleId,
      category: categoryOf(input.ruleId),
      severity,
      message: this.redactor.redact(input.message),
      fingerprint: '',
    };
    if (overlayPath !== undefined) finding.overlay = this.redactor.redactPath(overlayPath);
    if (input.resource) {
      // Every part of the id is the pull request's text (a token as a kind or a group prints back as the resource).
      const id = input.resource.id;
      const redact = (s: string): string => this.redactor.redactPath(s);
      finding.resource = { ...id, apiVersion: redact(id.apiVersion), kind: redact(id.kind), name: redact(id.name) };
      if (id.namespace !== undefined) finding.resource.namespace = redact(id.namespace);
    }
    // A map key is the pull request's text too: a token used as a key (an unknown field, a Secret's data key).
    if (input.path && input.path.length > 0) finding.path = this.redactor.redactPath(formatPath(input.path));
    if (input.file !== undefined) {
      finding.file = this.redactor.redactPath(input.file);
      if (input.line !== undefined) finding.line = input.line;
      if (input.column !== undefined) finding.column = input.column;
    } else if (input.resource) {
      const r = input.resource;
      const span =
        this.options.mode === 'validate' || !overlay
          ? r.locate(input.path ?? [])
          : await this.options.mapper.locate(r, input.path ?? [], fallbackFile ?? r.rendered.file);
      finding.file = this.redactor.redactPath(span?.file ?? r.rendered.file);
      finding.line = span?.line ?? r.rendered.line;
      if (span?.column) finding.column = span.column;
    } else if (fallbackFile) {
      finding.file = this.redactor.redactPath(fallbackFile);
      if (input.line !== undefined) finding.line = input.line;
    }
    // Inline allows and baselines live in the repository under check: they never silence a guard.
    if (input.suppressed && !isGuard(input.ruleId))
      finding.suppressed = redactSuppression(input.suppressed, (s) => this.redactor.redact(s));
    finding.fingerprint = fingerprintOf([
      finding.ruleId,
      finding.overlay ?? '',
      input.resource ? identityKey(input.resource.id) : '',
      finding.path ?? '',
      input.resource ? '' : (finding.file ?? ''),
      input.resource || input.fingerprintParts ? '' : stripNumbers(finding.message),
      ...(input.fingerprintParts ?? []),
    ]);
    return finding;
  }
}

function joinPosix(dir: string, file: string): string {
  return dir === '.' || dir === '' ? file : `${dir}/${file}`;
}
