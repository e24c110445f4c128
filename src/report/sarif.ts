/**
 * SARIF 2.1.0 (`--format sarif`), the format GitHub code scanning and most review tools read. One run; rule metadata
 * comes from the same RuleDocs `kfm-gitops explain` prints; every result carries the finding's stable fingerprint
 * so alerts survive unrelated edits. Pure: returns the JSON text.
 */
import { pathToFileURL } from 'node:url';
import type { Finding, RuleDoc, Report, Severity } from '../types.js';
import { findingContext, isAbsolutePath, repoRelativePath } from './location.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const TOOL_INFORMATION_URI = 'https://github.com/kfm/kfm-gitops';
/** Rule docs are rendered from `kfm-gitops explain`; each rule has an anchor named after its lower-cased id. */
export const RULE_DOCS_URI = `${TOOL_INFORMATION_URI}/blob/main/docs/rules.md`;
/** The uriBaseId every artifact location is relative to: the repository's root (git top-level). */
export const SRCROOT = '%SRCROOT%';
export const FINGERPRINT_KEY = 'kfmFingerprint/v1';

export interface SarifOptions {
  /** Rule docs; when given, every documented rule is listed (the set the run evaluated), not only those found. */
  rules?: RuleDoc[];
  /** Path of the checked root inside the repository, e.g. `infra/gitops/` (default: the root is the repository). */
  uriPrefix?: string;
}

type SarifLevel = 'error' | 'warning' | 'note';

const LEVEL: Record<Severity, SarifLevel> = { error: 'error', warning: 'warning', info: 'note' };

export function ruleHelpUri(ruleId: string): string {
  return `${RULE_DOCS_URI}#${ruleId.toLowerCase()}`;
}

/** `Overlay does not render` → `OverlayDoesNotRender`: SARIF's `name` is an identifier-like rule name. */
function ruleName(title: string): string {
  return title
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

function descriptor(doc: RuleDoc): Record<string, unknown> {
  const helpUri = ruleHelpUri(doc.id);
  return {
    id: doc.id,
    name: ruleName(doc.title) || doc.id,
    shortDescription: { text: doc.title },
    fullDescription: { text: doc.description },
    help: {
      text: doc.remediation,
      markdown: `**${doc.title}** (${doc.category})\n\n${doc.description}\n\n**How to fix:** ${doc.remediation}\n\n\`kfm-gitops explain ${doc.id}\` · [docs](${helpUri})`,
    },
    helpUri,
    defaultConfiguration: { level: LEVEL[doc.severity] },
    properties: { category: doc.category, tags: ['kfm-gitops', doc.category, ...(doc.guard ? ['guard'] : [])] },
  };
}

/** A rule id found in the report without docs (a custom policy, a newer shard): still a valid, linkable rule. */
function undocumented(ruleId: string, sample: Finding): RuleDoc {
  return {
    id: ruleId,
    title: ruleId,
    category: sample.category,
    severity: sample.severity,
    description: `Rule ${ruleId} has no documentation in this version of kfm-gitops.`,
    remediation: `Run \`kfm-gitops explain ${ruleId}\` with the version that reported it.`,
  };
}

function buildRules(findings: Finding[], docs: RuleDoc[] | undefined): RuleDoc[] {
  const byId = new Map<string, RuleDoc>();
  for (const d of docs ?? []) if (!byId.has(d.id)) byId.set(d.id, d);
  const used = new Map<string, RuleDoc>();
  for (const f of findings) {
    if (used.has(f.ruleId)) continue;
    used.set(f.ruleId, byId.get(f.ruleId) ?? undocumented(f.ruleId, f));
  }
  const all = docs ? new Map([...byId, ...used]) : used;
  return [...all.values()].sort((a, b) => a.id.localeCompare(b.id));
}

function location(f: Finding, uriPrefix: string | undefined): Record<string, unknown> | undefined {
  const loc: Record<string, unknown> = {};
  if (f.file) {
    const rel = repoRelativePath(f.file, uriPrefix);
    // A path outside the repository (a config file beside it) can only be an absolute file URI, without a base.
    const artifactLocation =
      rel !== undefined
        ? { uri: encodePath(rel), uriBaseId: SRCROOT }
        : isAbsolutePath(f.file)
          ? { uri: pathToFileURL(f.file).href }
          : undefined;
    if (artifactLocation) {
      const physical: Record<string, unknown> = { artifactLocation };
      if (f.line !== undefined && f.line >= 1) {
        physical.region = {
          startLine: f.line,
          ...(f.column !== undefined && f.column >= 1 ? { startColumn: f.column } : {}),
        };
      }
      loc.physicalLocation = physical;
    }
  }
  if (f.resource) {
    const r = f.resource;
    loc.logicalLocations = [
      {
        name: r.name,
        fullyQualifiedName: `${r.kind}/${r.namespace ? `${r.namespace}/` : ''}${r.name}`,
        kind: 'resource',
        properties: { apiVersion: r.apiVersion, kind: r.kind, ...(r.namespace ? { namespace: r.namespace } : {}) },
      },
    ];
  }
  return Object.keys(loc).length > 0 ? loc : undefined;
}

/** Each segment percent-encoded (spaces, `#`, `%`, non-ASCII), the slashes kept: a relative URI reference. */
function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function result(f: Finding, ruleIndex: number, uriPrefix: string | undefined): Record<string, unknown> {
  const context = findingContext(f);
  const res: Record<string, unknown> = {
    ruleId: f.ruleId,
    ruleIndex,
    level: LEVEL[f.severity] ?? 'error',
    message: { text: context ? `${f.message} (${context})` : f.message },
  };
  const loc = location(f, uriPrefix);
  if (loc) res.locations = [loc];
  if (f.fingerprint) res.partialFingerprints = { [FINGERPRINT_KEY]: f.fingerprint };
  const properties: Record<string, unknown> = { category: f.category, severity: f.severity };
  if (f.overlay !== undefined) properties.overlay = f.overlay;
  if (f.path !== undefined) properties.path = f.path;
  res.properties = properties;
  if (f.suppressed) {
    const s = f.suppressed;
    const who = [s.owner ? `owner ${s.owner}` : '', s.expires ? `expires ${s.expires}` : ''].filter(Boolean).join(', ');
    res.suppressions = [
      {
        // An inline allow comment lives in the scanned file; exceptions and baselines live elsewhere.
        kind: s.by === 'inline' ? 'inSource' : 'external',
        status: 'accepted',
        justification: `${s.reason}${who ? ` (${who})` : ''}`,
        properties: { by: s.by, ...(s.owner ? { owner: s.owner } : {}), ...(s.expires ? { expires: s.expires } : {}) },
      },
    ];
  }
  return res;
}

export function toSarif(report: Report, options: SarifOptions = {}): Record<string, unknown> {
  const suppressed = report.suppressed ?? [];
  const all = [
    ...report.findings,
    ...suppressed.map((f) =>
      f.suppressed ? f : { ...f, suppressed: { reason: 'suppressed', by: 'exception' as const } },
    ),
  ];
  const rules = buildRules(all, options.rules);
  const index = new Map(rules.map((r, i) => [r.id, i]));
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'kfm-gitops',
            version: report.tool.version,
            ...(/^\d+\.\d+\.\d+/.test(report.tool.version) ? { semanticVersion: report.tool.version } : {}),
            informationUri: TOOL_INFORMATION_URI,
            rules: rules.map(descriptor),
          },
        },
        originalUriBaseIds: {
          [SRCROOT]: {
            description: { text: 'The root of the repository (git top-level) that holds the checked desired state.' },
          },
        },
        columnKind: 'utf16CodeUnits',
        results: all.map((f) => result(f, index.get(f.ruleId)!, options.uriPrefix)),
        properties: {
          ...(report.tool.kustomize ? { kustomize: report.tool.kustomize } : {}),
          kubernetesVersion: report.tool.kubernetesVersion,
          summary: report.summary,
          ...(report.skipped && report.skipped.length > 0 ? { skipped: report.skipped } : {}),
        },
      },
    ],
  };
}

export function formatSarif(report: Report, options: SarifOptions = {}): string {
  return `${JSON.stringify(toSarif(report, options), null, 2)}\n`;
}
