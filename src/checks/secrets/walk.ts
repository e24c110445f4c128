/**
 * The Kubernetes-aware part of the scanner: walks a parsed YAML/JSON document (a repository file or a rendered
 * resource) and says what each string means, so the detector sees `name: value` pairs with their context:
 *
 * - `Secret` (v1) `data`/`stringData` entries, base64 `data` decoded — wherever they sit in the document, before or
 *   after `kind:` (the object is parsed, field order is irrelevant), also inside `List` items and in
 *   `kubectl.kubernetes.io/last-applied-configuration` annotations;
 * - `SealedSecret.spec.encryptedData` and a SOPS file's `sops:` metadata are ciphertext: not visited;
 * - ExternalSecret / SecretStore objects (external-secrets.io) are references: visited with generic rules off;
 * - kustomize `secretGenerator` literals, files and envs; inline patches (parsed, then walked like documents);
 * - container `env` entries `{name: DB_PASSWORD, value: …}` become `DB_PASSWORD: …`.
 *
 * Iterative (explicit stack) and depth-capped: a hostile document cannot overflow the call stack.
 */
import { isUtf8 } from 'node:buffer';
import jsyaml from 'js-yaml';
import { parse as parseYaml } from 'yaml';
import type { JsonPath } from '../../types.js';
import { decodeBase64 } from './text.js';

export type Visit =
  | { type: 'value'; path: JsonPath; key: string; value: string; reference: boolean }
  | {
      type: 'secret-data';
      path: JsonPath;
      field: 'data' | 'stringData';
      key: string;
      /** Decoded text of the value (or the raw text when `data` is not valid base64). */
      text: string;
      /** Bytes the fingerprint is taken from (decoded `data`, or the UTF-8 of `stringData`). */
      bytes: Uint8Array;
      binary: boolean;
      invalidBase64: boolean;
    }
  | { type: 'generator-literal'; path: JsonPath; generator: string; key: string; value: string }
  /** A SealedSecret `encryptedData` value: must be ciphertext. */
  | { type: 'sealed-data'; path: JsonPath; key: string; value: string }
  /**
   * A literal where external-secrets expects a reference or a template: ExternalSecret `target.template.data`,
   * a SecretStore `fake` provider value, a `webhook` provider header.
   */
  | { type: 'plain-in-reference'; path: JsonPath; where: string; key: string; value: string }
  | {
      type: 'generator-source';
      path: JsonPath;
      generator: string;
      source: 'files' | 'envs';
      key?: string;
      ref: string;
    };

const MAX_DEPTH = 100;
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const MAX_LAST_APPLIED = 1024 * 1024;
const MAX_INLINE_PATCH = 256 * 1024;

interface Frame {
  node: unknown;
  path: (string | number)[];
  key: string;
  reference: boolean;
  sealedSpec: boolean;
}

export interface WalkOptions {
  /** The document is a kustomization file (name-based: `kind` is optional there). */
  kustomization?: boolean;
  /** Most nodes visited (aliases are shared objects: a crafted document expands exponentially). */
  maxNodes?: number;
}

/** The walk went over `maxNodes`: the caller reports that the structure could not be read. */
export class WalkBudgetExceeded extends Error {}

export function walkDocument(doc: unknown, options: WalkOptions = {}): Visit[] {
  const out: Visit[] = [];
  const stack: Frame[] = [{ node: doc, path: [], key: '', reference: false, sealedSpec: false }];
  let first = true;
  let budget = options.maxNodes ?? Infinity;
  while (stack.length > 0) {
    if (--budget < 0) throw new WalkBudgetExceeded('walk budget');
    const frame = stack.pop()!;
    const { node, path, key } = frame;
    const top = first;
    first = false;
    if (path.length > MAX_DEPTH) continue;
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) {
        stack.push({ node: node[i], path: [...path, i], key, reference: frame.reference, sealedSpec: false });
      }
      continue;
    }
    if (isScalar(node)) {
      out.push({ type: 'value', path, key, value: String(node), reference: frame.reference });
      continue;
    }
    if (!isMap(node)) continue;
    const kind = typeof node.kind === 'string' ? node.kind : undefined;
    const apiVersion = typeof node.apiVersion === 'string' ? node.apiVersion : undefined;
    // Fields walked here or not at all; most maps have none, so the set is made on the first one.
    let skipped: Set<string> | undefined;
    let reference = frame.reference;

    if (kind && apiVersion) {
      if (kind === 'Secret' && apiVersion === 'v1') {
        for (const field of ['data', 'stringData'] as const) {
          const entries = node[field];
          if (!isMap(entries)) continue;
          skipped = withSkip(skipped, field);
          for (const [k, v] of Object.entries(entries)) {
            if (v === null || v === undefined) continue;
            out.push(secretData(field, k, String(v), [...path, field, k]));
          }
        }
      }
      if (kind === 'SealedSecret' && isMap(node.spec)) {
        skipped = withSkip(skipped, 'spec');
        stack.push({ node: node.spec, path: [...path, 'spec'], key: 'spec', reference, sealedSpec: true });
        const enc = node.spec.encryptedData;
        if (isMap(enc))
          for (const [k, v] of Object.entries(enc))
            if (typeof v === 'string' && v !== '')
              out.push({ type: 'sealed-data', path: [...path, 'spec', 'encryptedData', k], key: k, value: v });
      }
      if (apiVersion.startsWith('external-secrets.io/') || apiVersion.startsWith('generators.external-secrets.io/')) {
        // A SecretStore's provider block holds connection settings: an inline token there is a credential, so
        // its values keep the generic rules; ExternalSecrets and generators hold references.
        if (kind !== 'SecretStore' && kind !== 'ClusterSecretStore') reference = true;
        externalSecretLiterals(kind, node, path, out);
      }
    }
    if (frame.sealedSpec) skipped = withSkip(skipped, 'encryptedData');
    // SOPS: the top-level `sops:` block holds encrypted data keys and MACs, not secrets in clear.
    if (top && isMap(node.sops) && ('mac' in node.sops || 'lastmodified' in node.sops))
      skipped = withSkip(skipped, 'sops');
    if (
      (top && options.kustomization) ||
      (kind === 'Kustomization' && apiVersion?.startsWith('kustomize.config.k8s.io/'))
    ) {
      if (Array.isArray(node.secretGenerator)) {
        skipped = withSkip(skipped, 'secretGenerator');
        generatorVisits(node.secretGenerator, [...path, 'secretGenerator'], out);
      }
      // Inline patches are YAML/JSON in a string: parsed, so an env entry a patch adds pairs its name and value.
      for (const field of ['patches', 'patchesJson6902', 'patchesStrategicMerge']) {
        const list = node[field];
        if (!Array.isArray(list)) continue;
        list.forEach((item, i) => {
          const text =
            typeof item === 'string' ? item : isMap(item) && typeof item.patch === 'string' ? item.patch : undefined;
          if (text === undefined || text.length > MAX_INLINE_PATCH || !/[:\n]/.test(text)) return;
          const parsed = parseYamlSafe(text);
          if (parsed === undefined || typeof parsed !== 'object' || parsed === null) return;
          const at = typeof item === 'string' ? [...path, field, i] : [...path, field, i, 'patch'];
          stack.push({ node: parsed, path: at, key: 'patch', reference, sealedSpec: false });
        });
      }
    }
    // Container env entry: report `DB_PASSWORD: value` at the value.
    if (typeof node.name === 'string' && (typeof node.value === 'string' || typeof node.value === 'number') && !kind) {
      out.push({ type: 'value', path: [...path, 'value'], key: node.name, value: String(node.value), reference });
      skipped = withSkip(skipped, 'value');
    }
    // Keys, not entries: one array per map instead of one per field.
    const keys = Object.keys(node);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i];
      const v = node[k];
      if (skipped?.has(k)) continue;
      if (k === LAST_APPLIED && typeof v === 'string' && v.length <= MAX_LAST_APPLIED) {
        const parsed = parseJson(v);
        if (parsed !== undefined) {
          stack.push({ node: parsed, path: [...path, k], key: k, reference, sealedSpec: false });
          continue;
        }
      }
      stack.push({ node: v, path: [...path, k], key: k, reference, sealedSpec: false });
    }
  }
  return out;
}

/** `set` with `key` added, the set made on first use. */
function withSkip(set: Set<string> | undefined, key: string): Set<string> {
  return (set ?? new Set<string>()).add(key);
}

function secretData(field: 'data' | 'stringData', key: string, raw: string, path: JsonPath): Visit {
  if (field === 'stringData') {
    const bytes = Buffer.from(raw, 'utf8');
    return { type: 'secret-data', path, field, key, text: raw, bytes, binary: false, invalidBase64: false };
  }
  const decoded = decodeBase64(raw);
  if (!decoded) {
    const bytes = Buffer.from(raw, 'utf8');
    return { type: 'secret-data', path, field, key, text: raw, bytes, binary: false, invalidBase64: true };
  }
  const binary = decoded.includes(0) || !isUtf8(decoded);
  return {
    type: 'secret-data',
    path,
    field,
    key,
    text: binary ? '' : decoded.toString('utf8'),
    bytes: decoded,
    binary,
    invalidBase64: false,
  };
}

/** The places of external-secrets objects where a literal is a secret in clear text. */
function externalSecretLiterals(kind: string, node: Record<string, unknown>, path: JsonPath, out: Visit[]): void {
  const spec = isMap(node.spec) ? node.spec : undefined;
  if (!spec) return;
  const at = (...rest: (string | number)[]): (string | number)[] => [...path, 'spec', ...rest];
  const literal = (where: string, key: string, value: unknown, p: (string | number)[]): void => {
    if (typeof value === 'string' && value.trim() !== '')
      out.push({ type: 'plain-in-reference', path: p, where, key, value });
  };
  if (kind === 'ExternalSecret' || kind === 'ClusterExternalSecret' || kind === 'PushSecret') {
    const esSpec = kind === 'ClusterExternalSecret' && isMap(spec.externalSecretSpec) ? spec.externalSecretSpec : spec;
    const base = esSpec === spec ? at() : at('externalSecretSpec');
    const target = isMap(esSpec.target) ? esSpec.target : undefined;
    const template = target && isMap(target.template) ? target.template : undefined;
    if (template && isMap(template.data))
      for (const [k, v] of Object.entries(template.data))
        literal('ExternalSecret target.template.data', k, v, [...base, 'target', 'template', 'data', k]);
  }
  if (kind === 'SecretStore' || kind === 'ClusterSecretStore') {
    const provider = isMap(spec.provider) ? spec.provider : undefined;
    if (!provider) return;
    const fake = isMap(provider.fake) ? provider.fake : undefined;
    if (fake && Array.isArray(fake.data))
      fake.data.forEach((entry, i) => {
        if (!isMap(entry)) return;
        const key = typeof entry.key === 'string' ? entry.key : `#${i}`;
        literal('SecretStore fake provider', key, entry.value, at('provider', 'fake', 'data', i, 'value'));
        if (isMap(entry.valueMap))
          for (const [k, v] of Object.entries(entry.valueMap))
            literal('SecretStore fake provider', k, v, at('provider', 'fake', 'data', i, 'valueMap', k));
      });
    const webhook = isMap(provider.webhook) ? provider.webhook : undefined;
    if (webhook && isMap(webhook.headers))
      for (const [k, v] of Object.entries(webhook.headers))
        if (/auth|token|key|secret|password|cookie/i.test(k))
          literal('SecretStore webhook header', k, v, at('provider', 'webhook', 'headers', k));
  }
}

function generatorVisits(generators: unknown[], path: (string | number)[], out: Visit[]): void {
  generators.forEach((g, i) => {
    if (!isMap(g)) return;
    const name = typeof g.name === 'string' ? g.name : `#${i}`;
    const base = [...path, i];
    const list = (field: string): unknown[] =>
      Array.isArray(g[field]) ? (g[field] as unknown[]) : typeof g[field] === 'string' ? [g[field]] : [];
    list('literals').forEach((lit, j) => {
      if (typeof lit !== 'string') return;
      const eq = lit.indexOf('=');
      const key = eq > 0 ? lit.slice(0, eq) : lit;
      const value = eq > 0 ? lit.slice(eq + 1) : '';
      out.push({
        type: 'generator-literal',
        path: [...base, 'literals', j],
        generator: name,
        key,
        value: unquote(value),
      });
    });
    list('files').forEach((f, j) => {
      if (typeof f !== 'string') return;
      const eq = f.indexOf('=');
      out.push({
        type: 'generator-source',
        path: [...base, 'files', j],
        generator: name,
        source: 'files',
        key: eq > 0 ? f.slice(0, eq) : undefined,
        ref: eq > 0 ? f.slice(eq + 1) : f,
      });
    });
    for (const field of ['envs', 'env']) {
      list(field).forEach((f, j) => {
        if (typeof f !== 'string') return;
        out.push({ type: 'generator-source', path: [...base, field, j], generator: name, source: 'envs', ref: f });
      });
    }
  });
}

/** kustomize strips one pair of matching quotes around a literal's value. */
function unquote(v: string): string {
  if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))))
    return v.slice(1, -1);
  return v;
}

/** Anchors, aliases, tags, merge keys: what only the careful parser (with its alias cap) may read. */
const UNUSUAL_YAML = /(?:^|[\s[{,:-])[&*!][^\s]|<<\s*:/m;

/**
 * One YAML (or JSON) document from a string (an inline patch); undefined when it does not parse, holds several
 * documents or repeats a key. Plain patches go through js-yaml's core schema (the `yaml` library's CST took a
 * seventh of the repository scan on the medium bench repo, issue 20); anything with anchors, aliases or tags keeps
 * the `yaml` parser and its alias cap, so a billion-laughs patch cannot make the walk explode.
 */
function parseYamlSafe(text: string): unknown {
  try {
    if (UNUSUAL_YAML.test(text)) return parseYaml(text, { maxAliasCount: 50, prettyErrors: false }) as unknown;
    return jsyaml.load(text, { schema: jsyaml.CORE_SCHEMA }) as unknown;
  } catch {
    return undefined; // its lines are still scanned by every content rule; kustomize fails the render on it
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined; // the caller walks the annotation as a plain string value instead
  }
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Date);
}

function isScalar(v: unknown): v is string | number | bigint {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint';
}

/** Parses a dotenv-style file (`KEY=value`, `export KEY=value`, comments) into entries with their 1-based lines. */
export function parseEnvFile(text: string): { key: string; value: string; line: number }[] {
  const out: { key: string; value: string; line: number }[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) return;
    out.push({ key: m[1], value: unquote(m[2].trim()), line: i + 1 });
  });
  return out;
}
