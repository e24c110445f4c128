/**
 * Validates resources against the schema of their apiVersion/kind and returns violations (no I/O, no reporting):
 * the check (index.ts) turns them into findings, the benchmark calls it directly.
 */
import { isAbsolute, join } from 'node:path';
import type { JsonPath, Resource } from '../../types.js';
import { isAllowedUnknown, SchemaConfigError, type SchemaConfig } from './config.js';
import { deprecationFor, deprecationMessage } from './deprecations.js';
import type { ValidatorDiskCache } from './disk-cache.js';
import { engineFor, type ReleaseEngine, type ValidatorTarget } from './engine.js';
import { describeErrors } from './messages.js';
import { RULES, type SchemaRuleId } from '../../rules/schema.js';
import { shippedGeneratedSets } from './openshift.js';
import { RunCrds, SchemaFolder, shippedCrdPack } from './sources.js';
import { existsSync, statSync } from 'node:fs';
import type { ErrorObject } from 'ajv';

/**
 * API groups OpenShift serves from its own API servers (openshift-apiserver, oauth-apiserver), not from CRDs: a CRD
 * of the same group and kind is never what the cluster validates against. (security.openshift.io and
 * quota.openshift.io mix CRDs with served kinds, and config/operator groups are CRDs: not listed.)
 */
const OPENSHIFT_API_SERVER_GROUPS: ReadonlySet<string> = new Set([
  'apps.openshift.io',
  'authorization.openshift.io',
  'build.openshift.io',
  'image.openshift.io',
  'oauth.openshift.io',
  'project.openshift.io',
  'route.openshift.io',
  'template.openshift.io',
  'user.openshift.io',
]);

export interface Violation {
  ruleId: SchemaRuleId;
  message: string;
  /** Path inside the resource (for a `List`, starting with `items`, i). */
  path: JsonPath;
  /** Severity override (e.g. unknown fields with `strict: false`). */
  severity?: 'error' | 'warning';
}

interface Resolved {
  target?: ValidatorTarget;
  /** What to call the schema in a message when it does not compile. */
  what?: string;
  reportOn?: Resource;
  file?: string;
  /** Why there is no validator (unknown kind, unusable schema). */
  missing?: Violation;
  /** Extra finding that does not stop validation (deprecated version). */
  notice?: Violation;
  /** Kind allowed without a schema by config. */
  allowed?: boolean;
}

/** The API group of an apiVersion (`v1`: the core group, ``). */
function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function quoteList(list: string[]): string {
  return list.map((v) => `\`${v}\``).join(', ');
}

export interface ValidatorOptions {
  release: string;
  config: SchemaConfig;
  /** Absolute checked root (extraDirs are relative to it). */
  root: string;
  /** Every resource of the run (its CRDs define custom kinds for all overlays). */
  resources: Resource[];
}

export class ResourceValidator {
  readonly engine: ReleaseEngine;
  readonly runCrds: RunCrds;
  private readonly extra: SchemaFolder[];
  private readonly config: SchemaConfig;
  private readonly release: string;
  private readonly badSchemas = new Map<string, string>();
  private readonly resolved = new Map<string, Resolved>();
  /** Problems with schema sources (unusable files, CRD conversion issues), reported once each. */
  readonly sourceProblems: { resource?: Resource; path?: JsonPath; message: string; file?: string }[] = [];

  constructor(options: ValidatorOptions) {
    this.release = options.release;
    this.config = options.config;
    this.engine = engineFor(options.release);
    this.extra = options.config.extraDirs.map((dir) => {
      const abs = isAbsolute(dir) ? dir : join(options.root, dir);
      if (!existsSync(abs) || !statSync(abs).isDirectory()) {
        throw new SchemaConfigError(`config \`schema.extraDirs\`: folder \`${dir}\` does not exist under the root`);
      }
      return new SchemaFolder(abs, dir.replace(/\/+$/, ''));
    });
    this.runCrds = new RunCrds(options.resources);
    for (const p of this.runCrds.problems) {
      this.sourceProblems.push({
        resource: p.crd,
        path: p.issue.path,
        message: `CRD ${p.crd.id.name}: ${p.issue.message}; this part of its schema is not checked`,
      });
    }
  }

  /** Compiles a target once; an unusable one is reported (once) and treated as having no schema. */
  private compile(resolved: Resolved): (((data: unknown) => boolean) & { errors?: unknown }) | Violation {
    const target = resolved.target!;
    const known = this.badSchemas.get(target.key);
    if (known !== undefined) return { ruleId: RULES.badSchema, message: known, path: ['apiVersion'] };
    try {
      return this.engine.get(target);
    } catch (err) {
      const message = `${resolved.what ?? 'the schema'} cannot be used as a validator: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
      this.badSchemas.set(target.key, message);
      this.sourceProblems.push({
        resource: resolved.reportOn,
        path: resolved.reportOn ? ['spec'] : undefined,
        message,
        file: resolved.file,
      });
      return { ruleId: RULES.badSchema, message, path: ['apiVersion'] };
    }
  }

  /** Resolves every resource's schema and loads or compiles the validators ahead of the (synchronous) validation. */
  async prepare(
    resources: Resource[],
    cache: ValidatorDiskCache | undefined,
    shippedCache?: ValidatorDiskCache,
  ): Promise<void> {
    const targets = new Map<string, ValidatorTarget>();
    const visit = (object: Record<string, unknown>, overlay: string): void => {
      const { apiVersion, kind } = object;
      if (typeof apiVersion !== 'string' || typeof kind !== 'string') return;
      if (apiVersion === 'v1' && kind === 'List') {
        if (Array.isArray(object.items)) for (const item of object.items) if (isRecord(item)) visit(item, overlay);
        return;
      }
      const target = this.resolve(apiVersion, kind, overlay).target;
      if (target) targets.set(target.key, target);
    };
    // A resource's id holds its apiVersion and kind: only a List (its items) needs the object, which for a packed
    // overlay (run/pack.ts) would be unpacked once more.
    for (const r of resources) {
      if (r.id.apiVersion === 'v1' && r.id.kind === 'List') visit(r.object, r.overlay);
      else {
        const target = this.resolve(r.id.apiVersion, r.id.kind, r.overlay).target;
        if (target) targets.set(target.key, target);
      }
    }
    await this.engine.warm(targets.values(), cache, shippedCache);
  }

  /**
   * Schema lookup, memoised per apiVersion/kind, and per overlay too when a CRD of the run defines the kind (a CRD
   * is taken from the resource's own overlay first; nothing else in lookup() depends on the overlay): on the medium
   * bench repo that is ~30 lookups instead of one per overlay and kind (~6,000). The answer never changes in a run.
   */
  private resolve(apiVersion: string, kind: string, overlay: string): Resolved {
    const key = this.runCrds.defines(apiVersion, kind)
      ? `${overlay}\u0000${apiVersion}\u0000${kind}`
      : `\u0000${apiVersion}\u0000${kind}`;
    let resolved = this.resolved.get(key);
    if (!resolved) {
      resolved = this.lookup(apiVersion, kind, overlay);
      this.resolved.set(key, resolved);
    }
    return resolved;
  }

  /** CRDs already reported for naming a kind the API server serves (once each). */
  private readonly shadowing = new Set<Resource>();

  /**
   * Whether the API server serves this kind itself, never from a CRD: a Kubernetes built-in of the release (in any
   * of its versions: a CRD cannot add `apps/v2` to Deployment either), or any kind of OpenShift's own API servers'
   * groups (openshift-apiserver, oauth-apiserver).
   */
  private servedKind(apiVersion: string, kind: string): boolean {
    if (this.engine.kubernetesTarget(apiVersion, kind)) return true;
    const group = groupOf(apiVersion);
    return OPENSHIFT_API_SERVER_GROUPS.has(group) || this.engine.versionsOfKind(kind).some((v) => groupOf(v) === group);
  }

  /** A kind's schema from the shipped generated sets (OpenShift, then ecosystem; openshift.ts), if one has it. */
  private generatedSetTarget(apiVersion: string, kind: string): Pick<Resolved, 'target' | 'what' | 'file'> | undefined {
    for (const set of shippedGeneratedSets()) {
      const schema = set.find(apiVersion, kind, this.engine.k8sId);
      if (schema)
        return {
          target: this.engine.customTarget(schema, { shipped: true }),
          what: `the shipped schema of ${apiVersion} ${kind} (${set.label})`,
          file: set.label,
        };
    }
    return undefined;
  }

  /**
   * A kind the API server itself serves is resolved from the shipped schemas only, whatever the repository says: a
   * CRD of the run (or a schema.extraDirs file) naming `apps/v1 Deployment` with `x-kubernetes-preserve-unknown-fields`
   * switched schema validation off for every Deployment, though no cluster serves such a CRD in place of the
   * built-in. Such a CRD is reported.
   */
  private lookup(apiVersion: string, kind: string, overlay: string): Resolved {
    const served = this.servedKind(apiVersion, kind);
    const resolved = this.lookupIn(apiVersion, kind, overlay, served);
    const shadow = served ? this.runCrds.find(apiVersion, kind, overlay) : undefined;
    if (shadow && !this.shadowing.has(shadow.crd)) {
      this.shadowing.add(shadow.crd);
      this.sourceProblems.push({
        resource: shadow.crd,
        path: ['spec', 'group'],
        message: `CRD ${shadow.crd.id.name} defines \`${apiVersion} ${kind}\`, which the API server serves itself: the CRD never takes its place${resolved.what ? `, and ${kind} objects are checked against ${resolved.what}` : ''}`,
      });
    }
    return resolved;
  }

  private lookupIn(apiVersion: string, kind: string, overlay: string, served: boolean): Resolved {
    const out: Resolved = {};
    const dep = deprecationFor(apiVersion, kind, this.release);
    if (dep) {
      const v: Violation = {
        ruleId: RULES.removedApi,
        message: deprecationMessage(apiVersion, kind, this.release, dep),
        path: ['apiVersion'],
      };
      if (dep.state === 'removed') return { missing: v };
      out.notice = v;
    }

    const crd = served ? undefined : this.runCrds.find(apiVersion, kind, overlay);
    if (crd) {
      if (!crd.version.served) {
        return {
          ...out,
          missing: {
            ruleId: RULES.unknownKind,
            path: ['apiVersion'],
            message: `\`${apiVersion} ${kind}\`: version \`${crd.version.version}\` is not served by CRD ${crd.crd.id.name}`,
          },
        };
      }
      if (crd.version.deprecated && !out.notice) {
        out.notice = {
          ruleId: RULES.removedApi,
          path: ['apiVersion'],
          message: `\`${apiVersion} ${kind}\` is deprecated by CRD ${crd.crd.id.name}${crd.version.deprecationWarning ? `: ${crd.version.deprecationWarning}` : ''}`,
        };
      }
      return {
        ...out,
        target: this.engine.customTarget(crd.version.schema),
        what: `the schema of CRD ${crd.crd.id.name} (${crd.version.version})`,
        reportOn: crd.crd,
      };
    }

    const pack = shippedCrdPack();
    for (const folder of served ? [pack] : [...this.extra, pack]) {
      const file = folder.find(apiVersion, kind);
      if (!file) continue;
      if (file.loaded?.error || !file.loaded?.schema) {
        const message = `schema file ${file.label} cannot be read: ${file.loaded?.error ?? 'empty'}`;
        if (!this.badSchemas.has(file.absPath)) {
          this.badSchemas.set(file.absPath, message);
          this.sourceProblems.push({ message, file: file.label });
        }
        return { ...out, missing: { ruleId: RULES.badSchema, message, path: ['apiVersion'] } };
      }
      return {
        ...out,
        target: this.engine.customTarget(file.loaded.schema, { shipped: folder === pack }),
        what: `schema file ${file.label}`,
        file: file.label,
      };
    }

    const shipped = this.generatedSetTarget(apiVersion, kind);
    if (shipped) return { ...out, ...shipped };

    const builtin = this.engine.kubernetesTarget(apiVersion, kind);
    if (builtin) return { ...out, target: builtin, what: `the Kubernetes ${this.release} schema of ${kind}` };

    if (isAllowedUnknown(this.config, apiVersion, kind)) return { ...out, allowed: true };
    const known = [
      ...new Set([
        ...this.engine.versionsOfKind(kind),
        ...(served ? [] : this.runCrds.versionsOfKind(kind)),
        ...(served ? [] : this.extra.flatMap((f) => f.versionsOfKind(kind))),
        ...shippedCrdPack().versionsOfKind(kind),
        // The OpenShift set holds many operators' kinds: another group's `Backup` would be a misleading hint.
        ...shippedGeneratedSets()
          .flatMap((set) => set.versionsOfKind(kind))
          .filter((v) => v.split('/')[0] === apiVersion.split('/')[0]),
      ]),
    ].sort();
    const hint = known.length > 0 ? ` Known apiVersions for ${kind}: ${quoteList(known)}.` : '';
    return {
      ...out,
      missing: {
        ruleId: RULES.unknownKind,
        path: ['apiVersion'],
        message:
          // The three ways to fix it are the rule's advice, printed once per run under the summary (not per object).
          `no schema for \`${apiVersion} ${kind}\` (Kubernetes ${this.release}).${hint}`,
      },
    };
  }

  /** Validates one object (a resource or a List item) and returns its violations, paths prefixed by `prefix`. */
  private validateObject(object: Record<string, unknown>, overlay: string, prefix: JsonPath, out: Violation[]): void {
    const apiVersion = object.apiVersion;
    const kind = object.kind;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string' || apiVersion === '' || kind === '') {
      out.push({ ruleId: RULES.missingField, path: prefix, message: 'list item without `apiVersion` and `kind`' });
      return;
    }
    if (apiVersion === 'v1' && kind === 'List') {
      this.validateList(object, overlay, prefix, out);
      return;
    }
    const resolved = this.resolve(apiVersion, kind, overlay);
    if (resolved.notice) out.push({ ...resolved.notice, path: [...prefix, ...resolved.notice.path] });
    if (resolved.missing) {
      out.push({ ...resolved.missing, path: [...prefix, ...resolved.missing.path] });
      return;
    }
    if (!resolved.target) return;
    const validate = this.compile(resolved);
    if (typeof validate !== 'function') {
      out.push({ ...validate, path: [...prefix, ...validate.path] });
      return;
    }
    if (validate(object)) return;
    for (const v of describeErrors((validate.errors as ErrorObject[] | null | undefined) ?? [], object)) {
      const violation: Violation = { ...v, path: [...prefix, ...v.path] };
      if (v.ruleId === RULES.unknownField && !this.config.strict) violation.severity = 'warning';
      out.push(violation);
    }
  }

  /** `kind: List` (what `kubectl get -o yaml` prints): every item is validated against its own schema. */
  private validateList(object: Record<string, unknown>, overlay: string, prefix: JsonPath, out: Violation[]): void {
    for (const key of Object.keys(object)) {
      if (!['apiVersion', 'kind', 'metadata', 'items'].includes(key)) {
        out.push({ ruleId: RULES.unknownField, path: [...prefix, key], message: `unknown field \`${key}\` in a List` });
      }
    }
    const items = object.items;
    if (items === undefined || items === null) return;
    if (!Array.isArray(items)) {
      out.push({ ruleId: RULES.invalidValue, path: [...prefix, 'items'], message: '`items` of a List must be a list' });
      return;
    }
    items.forEach((item, i) => {
      if (!isRecord(item)) {
        out.push({ ruleId: RULES.invalidValue, path: [...prefix, 'items', i], message: 'List item is not a mapping' });
        return;
      }
      this.validateObject(item, overlay, [...prefix, 'items', i], out);
    });
  }

  /**
   * What a resource's kind is validated against, for a validator made without the run's resources (no RunCrds):
   * a schema folder, the shipped pack or generated sets, or the release. Only a CRD of the run can change that answer
   * (lookup() asks the CRDs first and nothing else depends on the run), so the pre-pass (index.ts observe) may
   * validate with it what no CRD of the run defines. Undefined for a List and for a kind without a usable schema.
   */
  earlyTarget(resource: Resource): ValidatorTarget | undefined {
    const { apiVersion, kind } = resource.id;
    if (apiVersion === 'v1' && kind === 'List') return undefined;
    return this.resolve(apiVersion, kind, resource.overlay).target;
  }

  validate(resource: Resource): Violation[] {
    return this.validateParsed(resource.object, resource.overlay);
  }

  /** validate() of an object already read (the pre-pass holds the objects of an overlay it waits on). */
  validateParsed(object: Record<string, unknown>, overlay: string): Violation[] {
    const out: Violation[] = [];
    this.validateObject(object, overlay, [], out);
    return out;
  }
}
