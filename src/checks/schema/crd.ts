/**
 * CustomResourceDefinition → JSON Schema (draft 2020-12), one schema per version, following how the API server
 * treats structural schemas:
 *
 * - unknown fields are pruned (or, for `preserveUnknownFields: true`, ignored) by the API server, so here they are errors (`additionalProperties: false`) unless
 *   `x-kubernetes-preserve-unknown-fields` or an `additionalProperties` map allows them — also for a bare
 *   `type: object` without properties, whose content the API server would drop entirely;
 * - **null means absent**: the API server prunes nulls of non-nullable fields, so null is accepted for optional
 *   fields and rejected for required fields and list items; `nullable: true` allows null everywhere;
 * - `x-kubernetes-int-or-string` → `type: [integer, string]`;
 * - `x-kubernetes-embedded-resource` → apiVersion/kind/metadata are known fields of that object;
 * - list-maps (`x-kubernetes-list-type: map`) → duplicate keys are errors (`x-kfm-unique`); sets → `uniqueItems`;
 * - `x-kubernetes-validations` (CEL), `default`, descriptions and unknown formats are dropped (not evaluated).
 *
 * Deliberate differences from kubeconform's openapi2jsonschema (test/schema/crd-conversion.test.ts): null handling
 * as above (the peer rejects null for every typed field), strict root and bare objects (the peer allows unknown
 * fields there by default), int-or-string as a type list instead of `anyOf`, list-map uniqueness.
 */
import type { JsonPath } from '../../types.js';
import { ENFORCED_FORMATS, UNIQUE_KEYWORD, type UniqueRule } from './ajv.js';

export type JsonSchema = Record<string, unknown>;

export interface ConversionIssue {
  message: string;
  /** Path inside the CRD object. */
  path: JsonPath;
}

export interface CrdVersionSchema {
  group: string;
  kind: string;
  version: string;
  apiVersion: string;
  served: boolean;
  deprecated: boolean;
  deprecationWarning?: string;
  schema: JsonSchema;
}

export interface CrdConversion {
  /** Name of the CRD (`<plural>.<group>`), for messages. */
  name: string;
  group: string;
  kind: string;
  versions: CrdVersionSchema[];
  issues: ConversionIssue[];
}

interface Ctx {
  issues: ConversionIssue[];
  /** The CRD sets `preserveUnknownFields: true`: the API server keeps unknown fields anywhere. */
  preserveAll: boolean;
  /**
   * Only for generated schema sets (scripts/schemas-sync-openshift.lib.mjs): `$ref`s the generator has pointed at
   * a Kubernetes definition are kept as they are. A CRD never has one (structural schemas forbid `$ref`).
   */
  keepRef?: (ref: string) => boolean;
}

const COPIED = [
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'required',
] as const;

const LOGIC = ['allOf', 'anyOf', 'oneOf'] as const;

const JSON_TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeList(schema: JsonSchema): string[] | undefined {
  const t = schema.type;
  if (typeof t === 'string') return [t];
  if (Array.isArray(t)) return t.filter((x): x is string => typeof x === 'string');
  return undefined;
}

/** Adds `null` to a schema's type (and enum), leaving untyped schemas (which already accept null) alone. */
export function allowNull(schema: JsonSchema): JsonSchema {
  const types = typeList(schema);
  if (!types || types.includes('null')) return schema;
  const out: JsonSchema = { ...schema, type: [...types, 'null'] };
  if (Array.isArray(schema.enum) && !schema.enum.includes(null)) out.enum = [...schema.enum, null];
  return out;
}

function isTrivialIntOrString(list: unknown): boolean {
  if (!Array.isArray(list) || list.length !== 2) return false;
  const types = list.map((x) => (isRecord(x) && Object.keys(x).length === 1 ? x.type : undefined)).sort();
  return types[0] === 'integer' && types[1] === 'string';
}

function convertNode(node: unknown, ctx: Ctx, path: JsonPath, inLogic: boolean): JsonSchema {
  if (!isRecord(node)) {
    ctx.issues.push({ message: 'schema node is not a mapping', path });
    return {};
  }
  if (typeof node.$ref === 'string' && ctx.keepRef?.(node.$ref)) return { $ref: node.$ref };
  const out: JsonSchema = {};
  const nullable = node.nullable === true;
  const intOrString = node['x-kubernetes-int-or-string'] === true;
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true || ctx.preserveAll;
  const embedded = node['x-kubernetes-embedded-resource'] === true;

  let types: string[] | undefined;
  if (intOrString) types = ['integer', 'string'];
  else if (typeof node.type === 'string') {
    if (!JSON_TYPES.has(node.type))
      ctx.issues.push({ message: `unknown type \`${node.type}\``, path: [...path, 'type'] });
    else types = [node.type];
  } else if (node.type !== undefined) {
    ctx.issues.push({ message: '`type` must be a single string in a CRD schema', path: [...path, 'type'] });
  }

  if (typeof node.format === 'string' && ENFORCED_FORMATS.has(node.format)) out.format = node.format;
  for (const key of COPIED) if (node[key] !== undefined) out[key] = node[key];
  if (Array.isArray(node.enum)) out.enum = node.enum;
  // OpenAPI v3.0 booleans → JSON Schema 2020 numeric exclusive bounds.
  if (node.exclusiveMinimum === true && typeof node.minimum === 'number') {
    out.exclusiveMinimum = node.minimum;
    delete out.minimum;
  }
  if (node.exclusiveMaximum === true && typeof node.maximum === 'number') {
    out.exclusiveMaximum = node.maximum;
    delete out.maximum;
  }

  if (node.properties !== undefined) {
    if (!isRecord(node.properties)) {
      ctx.issues.push({ message: '`properties` must be a mapping', path: [...path, 'properties'] });
    } else {
      const required = new Set(Array.isArray(node.required) ? node.required : []);
      const props: Record<string, JsonSchema> = {};
      for (const [name, sub] of Object.entries(node.properties)) {
        const converted = convertNode(sub, ctx, [...path, 'properties', name], inLogic);
        // Value validations inside allOf/anyOf/oneOf do not decide presence; leave their nulls alone.
        props[name] = inLogic || required.has(name) ? converted : allowNull(converted);
      }
      out.properties = props;
    }
  }

  // The API server applies a structural schema's defaults before it validates: a required field with a default
  // is never missing (TempoStack's `managementState: Managed`).
  if (Array.isArray(out.required) && isRecord(node.properties)) {
    const props = node.properties;
    const required = (out.required as unknown[]).filter(
      (name) => typeof name !== 'string' || !isRecord(props[name]) || props[name].default === undefined,
    );
    if (required.length === 0) delete out.required;
    else out.required = required;
  }

  if (node.additionalProperties !== undefined) {
    if (typeof node.additionalProperties === 'boolean') out.additionalProperties = node.additionalProperties;
    else
      out.additionalProperties = convertNode(
        node.additionalProperties,
        ctx,
        [...path, 'additionalProperties'],
        inLogic,
      );
  }

  if (node.items !== undefined) {
    if (Array.isArray(node.items)) {
      ctx.issues.push({
        message: '`items` must be a single schema (tuples are not structural)',
        path: [...path, 'items'],
      });
    } else {
      out.items = convertNode(node.items, ctx, [...path, 'items'], inLogic);
    }
  }

  for (const key of LOGIC) {
    const list = node[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      ctx.issues.push({ message: `\`${key}\` must be a list`, path: [...path, key] });
      continue;
    }
    if (intOrString && key === 'anyOf' && isTrivialIntOrString(list)) continue;
    if (
      intOrString &&
      key === 'allOf' &&
      list.length === 1 &&
      isRecord(list[0]) &&
      Object.keys(list[0]).length === 1 &&
      isTrivialIntOrString(list[0].anyOf)
    ) {
      continue;
    }
    out[key] = list.map((sub, i) => convertNode(sub, ctx, [...path, key, i], true));
  }
  if (node.not !== undefined) out.not = convertNode(node.not, ctx, [...path, 'not'], true);

  const listType = node['x-kubernetes-list-type'];
  const listKeys = node['x-kubernetes-list-map-keys'];
  if (listType === 'map' && Array.isArray(listKeys) && listKeys.every((k) => typeof k === 'string')) {
    const rule: UniqueRule = { keys: listKeys as string[] };
    // Key fields may be optional when they carry a default; the API server compares the defaulted value.
    const itemProps = isRecord(node.items) && isRecord(node.items.properties) ? node.items.properties : {};
    for (const k of rule.keys) {
      const prop = itemProps[k];
      if (isRecord(prop) && prop.default !== undefined) (rule.defaults ??= {})[k] = prop.default;
    }
    out[UNIQUE_KEYWORD] = [rule];
  } else if (listType === 'set') {
    out.uniqueItems = true;
  }

  if (embedded && !inLogic) {
    const props = (out.properties ??= {}) as Record<string, JsonSchema>;
    props.apiVersion ??= { type: ['string', 'null'] };
    props.kind ??= { type: ['string', 'null'] };
    props.metadata ??= { type: ['object', 'null'] };
  }

  if (types) out.type = nullable ? [...types, 'null'] : types.length === 1 ? types[0] : types;
  if (nullable && Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];

  // What the API server would prune is reported instead. Objects inside logic branches only add value
  // validations to the main schema, so they stay open.
  const isObject = types?.includes('object') || out.properties !== undefined;
  if (isObject && !inLogic && !preserve && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/**
 * Converts one `openAPIV3Schema` to a JSON schema validating a whole custom resource. The root's `metadata` is
 * left as declared here; the validator replaces it with the release's ObjectMeta (the API server validates
 * metadata itself, whatever the CRD says).
 */
export function convertOpenApiSchema(
  schema: unknown,
  options: { path?: JsonPath; preserveUnknownFields?: boolean; keepRef?: (ref: string) => boolean } = {},
): { schema: JsonSchema; issues: ConversionIssue[] } {
  const ctx: Ctx = { issues: [], preserveAll: options.preserveUnknownFields === true, keepRef: options.keepRef };
  const out = convertNode(schema, ctx, options.path ?? [], false);
  const props = (out.properties ??= {}) as Record<string, JsonSchema>;
  props.apiVersion ??= { type: 'string' };
  props.kind ??= { type: 'string' };
  // Placeholder: the validator substitutes ObjectMeta, and `schemas import` files stay readable by other tools.
  props.metadata = { type: 'object' };
  if (out.type === undefined) out.type = 'object';
  return { schema: out, issues: ctx.issues };
}

/** All versions of a CRD object (apiextensions.k8s.io/v1, or the legacy v1beta1 shape). */
export function convertCrd(crd: Record<string, unknown>): CrdConversion {
  const issues: ConversionIssue[] = [];
  const spec = isRecord(crd.spec) ? crd.spec : {};
  const names = isRecord(spec.names) ? spec.names : {};
  const group = typeof spec.group === 'string' ? spec.group : '';
  const kind = typeof names.kind === 'string' ? names.kind : '';
  const metadata = isRecord(crd.metadata) ? crd.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : `${String(names.plural ?? '?')}.${group}`;
  const result: CrdConversion = { name, group, kind, versions: [], issues };
  if (!group) issues.push({ message: '`spec.group` is missing', path: ['spec', 'group'] });
  if (!kind) issues.push({ message: '`spec.names.kind` is missing', path: ['spec', 'names', 'kind'] });
  if (!group || !kind) return result;

  // Only an explicit `preserveUnknownFields: true` opens the whole object. v1beta1 defaulted it to true, but that
  // default was never the author's intent: a typo there is ignored by the controller all the same.
  const preserveUnknownFields = spec.preserveUnknownFields === true;
  const requiresSchema = crd.apiVersion === 'apiextensions.k8s.io/v1';
  const topLevelSchema = isRecord(spec.validation) ? spec.validation.openAPIV3Schema : undefined;

  const versions: Record<string, unknown>[] = Array.isArray(spec.versions)
    ? spec.versions.filter(isRecord)
    : typeof spec.version === 'string'
      ? [{ name: spec.version, served: true }]
      : [];
  if (versions.length === 0) issues.push({ message: 'the CRD declares no versions', path: ['spec', 'versions'] });

  versions.forEach((v, i) => {
    const version = typeof v.name === 'string' ? v.name : '';
    if (!version) {
      issues.push({ message: 'version without a name', path: ['spec', 'versions', i, 'name'] });
      return;
    }
    const own = isRecord(v.schema) ? v.schema.openAPIV3Schema : undefined;
    const raw = own ?? topLevelSchema;
    const basePath: JsonPath =
      own !== undefined
        ? ['spec', 'versions', i, 'schema', 'openAPIV3Schema']
        : ['spec', 'validation', 'openAPIV3Schema'];
    let schema: JsonSchema;
    if (raw === undefined && requiresSchema) {
      // apiextensions.k8s.io/v1 requires a schema per version: the API server refuses this CRD, so its kind is served
      // by no schema of it. Taken for "anything goes", it passed objects of a kind nothing checked (the no-schema guard
      // fails closed on them instead).
      issues.push({
        message: `version ${version} has no \`schema.openAPIV3Schema\`, which apiextensions.k8s.io/v1 requires (the API server refuses the CRD), so its ${kind} objects have no schema`,
        path: ['spec', 'versions', i],
      });
      return;
    }
    if (raw === undefined) {
      // No schema at all (legacy CRDs only): anything is accepted, metadata is still validated.
      schema = {
        type: 'object',
        properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' } },
      };
    } else {
      const converted = convertOpenApiSchema(raw, { path: basePath, preserveUnknownFields });
      issues.push(...converted.issues);
      schema = converted.schema;
    }
    schema['x-kubernetes-group-version-kind'] = [{ group, kind, version }];
    result.versions.push({
      group,
      kind,
      version,
      apiVersion: `${group}/${version}`,
      served: v.served !== false,
      deprecated: v.deprecated === true,
      deprecationWarning: typeof v.deprecationWarning === 'string' ? v.deprecationWarning : undefined,
      schema,
    });
  });
  return result;
}

/**
 * Schema files written by hand (schemas/crds) or by other tools (openapi2jsonschema, the CRDs catalog) get the
 * same treatment as converted CRDs: the raw list extensions become the keywords the validator enforces, and null
 * means absent (optional properties accept null). Idempotent, so files written by `schemas import` pass unchanged.
 */
export function normalizeExternalSchema(node: unknown): unknown {
  return normalizeNode(node, false);
}

const SCHEMA_MAPS = new Set(['$defs', 'definitions', 'patternProperties', 'dependentSchemas']);
const LITERALS = new Set([
  'enum',
  'const',
  'default',
  'examples',
  'required',
  UNIQUE_KEYWORD,
  'x-kubernetes-group-version-kind',
]);
const LOGIC_KEYS = new Set(['allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else']);

/** Marks the `anyOf` that lets an optional `$ref` property be null; messages.ts reports only the real branch. */
export const NULL_BRANCH = { type: 'null', 'x-kfm-null-means-absent': true } as const;

/**
 * An optional property may be null. A typed schema gets `null` in its type; a bare `$ref` (whose target cannot
 * know it is optional here) becomes `anyOf: [$ref, null]`, the `$ref` first so valid objects stop there.
 */
function nullableProperty(schema: Record<string, unknown>): Record<string, unknown> {
  if (
    typeof schema.$ref === 'string' &&
    schema.type === undefined &&
    Object.keys(schema).every((k) => k === '$ref' || k === '$comment')
  ) {
    return { anyOf: [schema, NULL_BRANCH] };
  }
  return allowNull(schema);
}

function normalizeNode(node: unknown, inLogic: boolean): unknown {
  if (Array.isArray(node)) return node.map((n) => normalizeNode(n, inLogic));
  if (!isRecord(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'properties' && isRecord(v)) {
      const required = new Set(Array.isArray(node.required) ? node.required : []);
      out[k] = Object.fromEntries(
        Object.entries(v).map(([name, sub]) => {
          const converted = normalizeNode(sub, inLogic);
          return [
            name,
            inLogic || required.has(name) || !isRecord(converted) ? converted : nullableProperty(converted),
          ];
        }),
      );
    } else if (SCHEMA_MAPS.has(k) && isRecord(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([n, s]) => [n, normalizeNode(s, false)]));
    } else if (LITERALS.has(k)) {
      out[k] = v;
    } else if ((k === 'exclusiveMinimum' || k === 'exclusiveMaximum') && typeof v === 'boolean') {
      // draft-04 / OpenAPI 3.0 files: a boolean flag on `minimum`/`maximum` (fixed up below).
      continue;
    } else {
      out[k] = normalizeNode(v, inLogic || LOGIC_KEYS.has(k));
    }
  }
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (node[flag] === true && typeof node[bound] === 'number') {
      out[flag] = node[bound];
      delete out[bound];
    }
  }
  if (out[UNIQUE_KEYWORD] === undefined) {
    const keys = node['x-kubernetes-list-map-keys'];
    if (node['x-kubernetes-list-type'] === 'map' && Array.isArray(keys) && keys.every((k) => typeof k === 'string')) {
      out[UNIQUE_KEYWORD] = [{ keys }];
    } else if (node['x-kubernetes-list-type'] === 'set' && out.uniqueItems === undefined) {
      out.uniqueItems = true;
    }
  }
  return out;
}
