/** Schema rules. A resource the schema check cannot judge (no schema, unusable schema, check failure) is a guard finding. */
import type { RuleDoc } from '../types.js';
import { rule } from './define.js';

export const RULES = {
  checkFailed: 'KFM-SCHEMA-000',
  invalidValue: 'KFM-SCHEMA-001',
  unknownField: 'KFM-SCHEMA-002',
  missingField: 'KFM-SCHEMA-003',
  duplicateKey: 'KFM-SCHEMA-004',
  unknownKind: 'KFM-SCHEMA-005',
  removedApi: 'KFM-SCHEMA-006',
  badSchema: 'KFM-SCHEMA-007',
} as const;

export type SchemaRuleId = (typeof RULES)[keyof typeof RULES];

const GUARDS: ReadonlySet<string> = new Set([RULES.checkFailed, RULES.unknownKind, RULES.badSchema]);
const doc = (id: string, title: string, why: string, fix: string): RuleDoc =>
  rule('schema', id, title, why, fix, { guard: GUARDS.has(id) });

export const SCHEMA_RULES: RuleDoc[] = [
  doc(
    RULES.checkFailed,
    'Schema check could not run',
    'The schema check failed on this input instead of giving a verdict. A check that cannot run must fail the run, never pass it silently.',
    'Read the message; it names the resource or schema involved. Report it as a bug if the input is a valid manifest.',
  ),
  doc(
    RULES.invalidValue,
    'Value does not match the schema',
    'A field has the wrong type (`replicas: "3"`), a value outside its allowed set or range, or a malformed quantity, date or base64 string. The API server rejects the object at sync time, so the sync fails or is half-applied.',
    'Fix the value at the reported path: use the expected type (e.g. an unquoted number), one of the listed values, or a valid quantity such as `500m` or `1Gi`.',
  ),
  doc(
    RULES.unknownField,
    'Unknown field',
    'The field is not part of the schema of this kind. For built-in kinds the API server rejects it (strict field validation) or drops it; for custom resources it is silently pruned, so a typo such as `selfheal` for `selfHeal` turns a setting off without any error.',
    'Correct the spelling (the message suggests the closest known field) or move the field to the level where it belongs. If the schema is outdated, update the CRD or the Kubernetes release (`--kubernetes-version`).',
  ),
  doc(
    RULES.missingField,
    'Missing required field',
    'A field the schema requires is absent (or null). The API server rejects the object.',
    'Add the field at the reported path.',
  ),
  doc(
    RULES.duplicateKey,
    'Duplicate key in a keyed list',
    'Two entries of a keyed list share the same key: two containers or volumes with the same name, two env vars with the same name, two ports with the same number and protocol or the same name. The API server or server-side apply rejects it, and with client-side apply the second entry silently hides the first.',
    'Rename or merge the duplicate entry; the message names the first occurrence.',
  ),
  doc(
    RULES.unknownKind,
    'No schema for this kind',
    'No schema is known for this apiVersion/kind, so the resource cannot be checked. The check fails closed rather than skipping it.',
    'Either (1) include the CustomResourceDefinition in an overlay of the run, or run `kfm-gitops schemas import <crd.yaml|dir> --out <dir>`; (2) list a folder of JSON schemas (`<dir>/<group>/<kind>_<version>.json`) under `schema.extraDirs` in kfm-gitops.yaml; or (3) list the kind under `schema.allowUnknownKinds` with `apiVersion`, `kind` and a `reason`.',
  ),
  doc(
    RULES.removedApi,
    'Removed or deprecated API version',
    'The apiVersion of this kind is deprecated or no longer served by the chosen Kubernetes release; the API server rejects it (or will after an upgrade).',
    'Move the manifest to the replacement apiVersion named in the message and adapt the fields that changed between versions.',
  ),
  doc(
    RULES.badSchema,
    'Unusable schema',
    'A CustomResourceDefinition in the run, or a schema file from `schema.extraDirs`, could not be turned into a validator, so the resources of that kind cannot be checked against it. Or a CRD defines a kind the API server serves itself (a Kubernetes built-in, a kind of an OpenShift API server group such as route.openshift.io): no cluster serves the CRD in its place, and its resources are checked against the shipped schema.',
    'Fix the CRD `openAPIV3Schema` (or the schema file) named in the message; the resources of that kind are reported as having no schema until then. Remove a CRD that names a served kind.',
  ),
];
