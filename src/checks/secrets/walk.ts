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
      /** The document carries SOPS metadata (a top-level `sops:` map with a MAC): its `ENC[…]` values are ciphertext. */
      sops: boolean;
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

/**
 * The `plain-in-reference` places that are templates of a Secret's data: a whole document there (a config file of
 * several lines) is judged by its content, a one-line literal is the secret.
 */
export const TEMPLATE_PLACES: readonly string[] = [
  'ExternalSecret target.template.data',
  'SealedSecret spec.template.data',
  'SealedSecret spec.template.stringData',
];

/** An ExternalSecret `templateFrom[].literal`: a template of the whole data, judged by its content only. */
export const TEMPLATE_LITERAL = 'ExternalSecret target.template.templateFrom.literal';

/** `plain-in-reference` places judged by their content only: a whole template, a webhook's request body. */
export const CONTENT_PLACES: readonly string[] = [
  TEMPLATE_LITERAL,
  'SecretStore webhook body',
  'Webhook generator body',
];

const MAX_DEPTH = 100;
/** A command-line option without its value: `--db-password`, `-token`. */
const OPTION = /^--?[A-Za-z][A-Za-z0-9_.-]*$/;
/** curl's and wget's user option: its value is `user:password`. */
const USER_OPTION = /^(?:-u|--user)$/;
/** Clients whose password follows a short option (`-p`, redis-cli's `-a`) and a subcommand that logs in. */
const SHORT_PASSWORD_CLIENT = /(?:^|\/)(?:mysql|mysqldump|mysqladmin|mariadb|sshpass|redis-cli)$|^login$/;

/**
 * Index of the item holding the password of an argument list of only strings that runs a SHORT_PASSWORD_CLIENT
 * (`-p<password>` glued, or the item after `-p`/`-a`), or -1.
 */
function passwordItem(node: readonly unknown[]): number {
  if (node.length < 2 || node.length > 64 || !node.every((x) => typeof x === 'string')) return -1;
  const items = node as string[];
  if (!items.some((x) => SHORT_PASSWORD_CLIENT.test(x))) return -1;
  for (let i = 0; i < items.length; i++) {
    if (/^-p\S/.test(items[i])) return i;
    if ((items[i] === '-p' || items[i] === '-a') && i + 1 < items.length) return i + 1;
  }
  return -1;
}
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const MAX_LAST_APPLIED = 1024 * 1024;
const MAX_INLINE_PATCH = 256 * 1024;

/**
 * Where a node sits: its parent's place and its own key or index. A path is built only when a caller asks for it
 * (pathOf): copying the parent's path array into every node was most of the rendered walk's garbage (issue 20), and
 * most visits of a rendered resource end without a finding, so their path is never needed.
 */
export interface Place {
  readonly parent: Place | undefined;
  readonly seg: string | number;
  readonly depth: number;
}

/** The path of a leaf: its parent's place and its own key or index (a root scalar, no parent: the empty path). */
export function leafPath(parent: Place | undefined, seg: string | number): (string | number)[] {
  if (parent === undefined) return [];
  const out = pathOf(parent);
  out.push(seg);
  return out;
}

/** The path of a place (the root's is empty). */
export function pathOf(place: Place | undefined): (string | number)[] {
  const depth = place?.depth ?? 0;
  const out = new Array<string | number>(depth);
  for (let p = place, i = depth - 1; p !== undefined && i >= 0; p = p.parent, i--) out[i] = p.seg;
  return out;
}

const child = (parent: Place, seg: string | number): Place => ({ parent, seg, depth: parent.depth + 1 });

/** A node waiting on the walk's stack; it is also the place of its children. */
interface Frame extends Place {
  readonly node: unknown;
  readonly key: string;
  readonly reference: boolean;
  readonly sealedSpec: boolean;
}

const frame = (node: unknown, parent: Place, seg: string | number, key: string, reference: boolean): Frame => ({
  node,
  parent,
  seg,
  depth: parent.depth + 1,
  key,
  reference,
  sealedSpec: false,
});

/** Receives a walk's visits in document order. */
export interface VisitSink {
  /**
   * A `value` visit, unbuilt: its parent's place and its own key or index give its path on demand (leafPath; most
   * scalars need none, so no place is made for them).
   */
  value(key: string, value: string, reference: boolean, parent: Place | undefined, seg: string | number): void;
  /** Every other visit, path built. */
  visit(visit: Visit): void;
}

export interface WalkOptions {
  /** The document is a kustomization file (name-based: `kind` is optional there). */
  kustomization?: boolean;
  /** Most nodes visited (aliases are shared objects: a crafted document expands exponentially). */
  maxNodes?: number;
  /**
   * Scalars that lead their map or sequence are visited as soon as it is read, without a frame on the stack (most
   * nodes of a manifest are such scalars); the order of visits is the same. Default true; false only for the test
   * that proves the order and the budget unchanged (test/secrets/documents.test.ts).
   */
  inlineLeaves?: boolean;
}

/** The walk went over `maxNodes`: the caller reports that the structure could not be read. */
export class WalkBudgetExceeded extends Error {}

/**
 * The walk, visits handed to `sink` in document order. A budget overrun throws after some visits were handed over:
 * a caller that must not act on a partial walk collects first (scan.ts walkFile).
 */
export function walkDocumentInto(doc: unknown, options: WalkOptions, sink: VisitSink): void {
  const root: Frame = { node: doc, parent: undefined, seg: '', depth: 0, key: '', reference: false, sealedSpec: false };
  const sops = isSopsDocument(doc);
  const stack: Frame[] = [root];
  let budget = options.maxNodes ?? Infinity;
  const inline = options.inlineLeaves ?? true;
  while (stack.length > 0) {
    if (--budget < 0) throw new WalkBudgetExceeded('walk budget');
    const here = stack.pop()!;
    const { node, key } = here;
    const top = here === root;
    if (here.depth > MAX_DEPTH) continue;
    if (Array.isArray(node)) {
      // `["--replication-password", "<pw>"]`: a command line's option and its value are two items. The value is
      // judged once more under the option's name, as `--replication-password=<pw>` in one item is; whether the
      // name names a secret and the value looks like one is the detector's call (`-p`, `--token-file` pass).
      if (here.depth < MAX_DEPTH)
        for (let i = 0; i + 1 < node.length; i++) {
          const option = node[i];
          const next = node[i + 1];
          if (typeof option === 'string' && OPTION.test(option) && isScalar(next) && !String(next).startsWith('-'))
            // `["-u", "user:password"]` (curl): the value alone is no credential shape, the option and it are.
            sink.value(
              option.replace(/^-+/, ''),
              USER_OPTION.test(option) ? `${option} ${String(next)}` : String(next),
              here.reference,
              here,
              i + 1,
            );
        }
      // `["mysql", "-uroot", "-p<password>"]`, `["sshpass", "-p", "<password>"]`: a client that takes its password
      // after a short option is known by its name, so the argument list is judged as the command line it is.
      const shortPassword = here.depth < MAX_DEPTH ? passwordItem(node) : -1;
      if (shortPassword !== -1) sink.value('command', node.join(' '), here.reference, here, shortPassword);
      // Leading scalars now: nothing is visited between a sequence and its first items (each still counts in the
      // budget, and is skipped past the depth cap as its frame would be).
      let first = 0;
      if (inline)
        for (; first < node.length && isScalar(node[first]); first++) {
          if (--budget < 0) throw new WalkBudgetExceeded('walk budget');
          if (here.depth < MAX_DEPTH) sink.value(key, String(node[first]), here.reference, here, first);
        }
      for (let i = node.length - 1; i >= first; i--) stack.push(frame(node[i], here, i, key, here.reference));
      continue;
    }
    if (isScalar(node)) {
      sink.value(key, String(node), here.reference, here.parent, here.seg);
      // A YAML file held in a string (a ConfigMap's `jobs.yaml`, Argo CD `helm.values`): its pairs are read as
      // the pairs of a document, so an env entry or a value below its key is judged as in a file of its own.
      if (here.parent !== undefined && isEmbeddedYaml(key, node)) {
        const parsed = parseYamlSafe(node);
        if (parsed !== null && typeof parsed === 'object')
          stack.push(frame(parsed, here.parent, here.seg, key, here.reference));
      }
      continue;
    }
    // `!!binary`: js-yaml hands over the decoded bytes. Judged as the base64 the file holds (decoded again by the
    // judge), as the same value without the tag is; skipping them hid whatever the bytes were.
    if (node instanceof Uint8Array) {
      sink.value(key, Buffer.from(node).toString('base64'), here.reference, here.parent, here.seg);
      continue;
    }
    if (!isMap(node)) continue;
    // The keys say which fields to read: most maps have none of them, and a property read on maps of a thousand
    // shapes (megamorphic) costs more than comparing interned key strings.
    const keys = Object.keys(node);
    // The values in the same order (own enumerable string keys, as Object.keys): one native copy instead of a
    // keyed load per field on maps of many shapes.
    const values = Object.values(node);
    let fields = 0;
    for (let i = 0; i < keys.length; i++) fields |= fieldBit(keys[i]);
    const kind = fields & KIND && typeof node.kind === 'string' ? node.kind : undefined;
    const apiVersion = fields & API_VERSION && typeof node.apiVersion === 'string' ? node.apiVersion : undefined;
    // A JSON Web Key written as YAML (`- kty: EC` … `d: …`): its private members are judged under a name that says
    // whose they are (`kty d`), as KFM-SEC-019 reads a JWK in JSON text; alone, `d: …` is no credential shape.
    const jwk = fields & JWK && typeof node.kty === 'string';
    // Fields walked here or not at all; most maps have none, so the set is made on the first one.
    let skipped: Set<string> | undefined;
    let reference = here.reference;
    // Built once per map that needs it (a Secret, an external-secrets object, a kustomization), not per node.
    let path: (string | number)[] | undefined;
    const pathHere = (): (string | number)[] => (path ??= pathOf(here));

    if (kind && apiVersion) {
      if (kind === 'Secret' && apiVersion === 'v1') {
        for (const field of ['data', 'stringData'] as const) {
          const entries = node[field];
          if (!isMap(entries)) continue;
          skipped = withSkip(skipped, field);
          for (const [k, v] of Object.entries(entries)) {
            if (v === null || v === undefined) continue;
            sink.visit(secretData(field, k, String(v), [...pathHere(), field, k], sops));
          }
        }
      }
      if (kind === 'SealedSecret' && isMap(node.spec)) {
        skipped = withSkip(skipped, 'spec');
        stack.push({ ...frame(node.spec, here, 'spec', 'spec', reference), sealedSpec: true });
        const enc = node.spec.encryptedData;
        if (isMap(enc))
          for (const [k, v] of Object.entries(enc))
            if (typeof v === 'string' && v !== '')
              sink.visit({ type: 'sealed-data', path: [...pathHere(), 'spec', 'encryptedData', k], key: k, value: v });
        // The controller copies `template.data` into the Secret as it is (Go templates over the unsealed keys): only
        // `encryptedData` is ciphertext, a literal in the template is a Secret value in clear text.
        const template = node.spec.template;
        if (isMap(template))
          for (const field of ['data', 'stringData'] as const) {
            const entries = template[field];
            if (!isMap(entries)) continue;
            for (const [k, v] of Object.entries(entries))
              if (isScalar(v) && String(v).trim() !== '')
                sink.visit({
                  type: 'plain-in-reference',
                  path: [...pathHere(), 'spec', 'template', field, k],
                  where: `SealedSecret spec.template.${field}`,
                  key: k,
                  value: String(v),
                });
          }
      }
      if (apiVersion.startsWith('external-secrets.io/') || apiVersion.startsWith('generators.external-secrets.io/')) {
        // A SecretStore's provider block holds connection settings: an inline token there is a credential, so
        // its values keep the generic rules; ExternalSecrets and generators hold references.
        if (kind !== 'SecretStore' && kind !== 'ClusterSecretStore') reference = true;
        externalSecretLiterals(kind, node, pathHere(), sink);
      }
    }
    if (here.sealedSpec) skipped = withSkip(skipped, 'encryptedData');
    // SOPS: the top-level `sops:` block holds encrypted data keys and MACs, not secrets in clear.
    if (top && sops) skipped = withSkip(skipped, 'sops');
    if (
      (top && options.kustomization) ||
      (kind === 'Kustomization' && apiVersion?.startsWith('kustomize.config.k8s.io/'))
    ) {
      for (const field of fieldKeys(node, 'secretGenerator')) {
        const generators = node[field];
        if (!Array.isArray(generators)) continue;
        skipped = withSkip(skipped, field);
        generatorVisits(generators, [...pathHere(), field], sink);
      }
      // Inline patches are YAML/JSON in a string: parsed, so an env entry a patch adds pairs its name and value.
      for (const field of fieldKeys(node, 'patches', 'patchesJson6902', 'patchesStrategicMerge')) {
        const list = node[field];
        if (!Array.isArray(list)) continue;
        list.forEach((item, i) => {
          const texts: [string | undefined, unknown][] =
            typeof item === 'string'
              ? [[undefined, item]]
              : isMap(item)
                ? fieldKeys(item, 'patch').map((k) => [k, item[k]])
                : [];
          for (const [patchKey, text] of texts) {
            if (typeof text !== 'string' || text.length > MAX_INLINE_PATCH || !/[:\n]/.test(text)) continue;
            const parsed = parseYamlSafe(text);
            if (parsed === undefined || typeof parsed !== 'object' || parsed === null) continue;
            const list = child(here, field);
            if (patchKey === undefined) stack.push(frame(parsed, list, i, 'patch', reference));
            else stack.push(frame(parsed, child(list, i), patchKey, 'patch', reference));
          }
        });
      }
    }
    // Container env entry: report `DB_PASSWORD: value` at the value.
    if (
      (fields & ENV_ENTRY) === ENV_ENTRY &&
      !kind &&
      typeof node.name === 'string' &&
      (typeof node.value === 'string' || typeof node.value === 'number')
    ) {
      sink.value(node.name, String(node.value), reference, here, 'value');
      skipped = withSkip(skipped, 'value');
    }
    // Leading scalar fields now, as for a sequence (a parsed annotation is a map: it takes a frame).
    let first = 0;
    if (inline)
      for (; first < keys.length; first++) {
        const k = keys[first];
        if (skipped?.has(k)) continue;
        const v = values[first];
        // An embedded YAML document takes a frame (its parse is pushed from there, in the same order).
        if (!isScalar(v) || k === LAST_APPLIED || isEmbeddedYaml(k, v)) break;
        if (--budget < 0) throw new WalkBudgetExceeded('walk budget');
        if (here.depth < MAX_DEPTH) sink.value(jwk ? jwkMember(k) : k, String(v), reference, here, k);
      }
    // Keys, not entries: one array per map instead of one per field.
    for (let i = keys.length - 1; i >= first; i--) {
      const k = keys[i];
      const v = values[i];
      if (skipped?.has(k)) continue;
      if (k === LAST_APPLIED && typeof v === 'string' && v.length <= MAX_LAST_APPLIED) {
        const parsed = parseJson(v);
        if (parsed !== undefined) {
          stack.push(frame(parsed, here, k, k, reference));
          continue;
        }
      }
      stack.push(frame(v, here, k, jwk ? jwkMember(k) : k, reference));
    }
  }
}

/** The name a JWK's member is judged under: its private parts (`d`, `k`) with the key type's word before them. */
function jwkMember(key: string): string {
  return key === 'd' || key === 'k' ? `kty ${key}` : key;
}

const KIND = 1;
const API_VERSION = 2;
const ENV_ENTRY = 12;
const JWK = 16;
/** The bit of a field the walk reads by name (comparisons of interned strings: cheaper than a Map lookup per key). */
function fieldBit(key: string): number {
  switch (key) {
    case 'kind':
      return KIND;
    case 'apiVersion':
      return API_VERSION;
    case 'name':
      return 4;
    case 'value':
      return 8;
    case 'kty':
      return JWK;
    default:
      return 0;
  }
}

/** `set` with `key` added, the set made on first use. */
function withSkip(set: Set<string> | undefined, key: string): Set<string> {
  return (set ?? new Set<string>()).add(key);
}

/** A document SOPS encrypted: its top-level `sops:` map holds the data keys and the MAC. */
function isSopsDocument(doc: unknown): boolean {
  return isMap(doc) && isMap(doc.sops) && ('mac' in doc.sops || 'lastmodified' in doc.sops);
}

function secretData(field: 'data' | 'stringData', key: string, raw: string, path: JsonPath, sops: boolean): Visit {
  if (field === 'stringData') {
    const bytes = Buffer.from(raw, 'utf8');
    return { type: 'secret-data', path, field, key, text: raw, bytes, binary: false, invalidBase64: false, sops };
  }
  const decoded = decodeBase64(raw);
  if (!decoded) {
    const bytes = Buffer.from(raw, 'utf8');
    return { type: 'secret-data', path, field, key, text: raw, bytes, binary: false, invalidBase64: true, sops };
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
    sops,
  };
}

/** The places of external-secrets objects where a literal is a secret in clear text. */
function externalSecretLiterals(kind: string, node: Record<string, unknown>, path: JsonPath, sink: VisitSink): void {
  const spec = isMap(node.spec) ? node.spec : undefined;
  if (!spec) return;
  const at = (...rest: (string | number)[]): (string | number)[] => [...path, 'spec', ...rest];
  const literal = (where: string, key: string, value: unknown, p: (string | number)[]): void => {
    if (typeof value === 'string' && value.trim() !== '')
      sink.visit({ type: 'plain-in-reference', path: p, where, key, value });
  };
  // A webhook sends its headers and body as written: a literal token in a header is a credential in clear text; a
  // body (`grant_type=client_credentials&client_secret=…`) is judged by its content.
  const webhookLiterals = (what: string, webhook: Record<string, unknown>, p: (string | number)[]): void => {
    if (isMap(webhook.headers))
      for (const [k, v] of Object.entries(webhook.headers))
        if (/auth|token|key|secret|password|cookie/i.test(k)) literal(`${what} header`, k, v, [...p, 'headers', k]);
    literal(`${what} body`, 'body', webhook.body, [...p, 'body']);
  };
  if (kind === 'ExternalSecret' || kind === 'ClusterExternalSecret' || kind === 'PushSecret') {
    const esSpec = kind === 'ClusterExternalSecret' && isMap(spec.externalSecretSpec) ? spec.externalSecretSpec : spec;
    const base = esSpec === spec ? at() : at('externalSecretSpec');
    const target = isMap(esSpec.target) ? esSpec.target : undefined;
    const template = target && isMap(target.template) ? target.template : undefined;
    if (template && isMap(template.data))
      for (const [k, v] of Object.entries(template.data))
        literal(TEMPLATE_PLACES[0], k, v, [...base, 'target', 'template', 'data', k]);
    // A `literal` template is the text of the Secret's data (or labels) with template actions in it: what it holds
    // besides the actions is written into the Secret as it is.
    if (template && Array.isArray(template.templateFrom))
      template.templateFrom.forEach((from, i) => {
        if (isMap(from))
          literal(TEMPLATE_LITERAL, 'literal', from.literal, [
            ...base,
            'target',
            'template',
            'templateFrom',
            i,
            'literal',
          ]);
      });
  }
  // A Fake generator's values are the values an ExternalSecret writes into the Secret (ClusterGenerator: fakeSpec).
  const fakeData =
    kind === 'Fake'
      ? { data: spec.data, at: at('data') }
      : kind === 'ClusterGenerator' && isMap(spec.generator) && isMap(spec.generator.fakeSpec)
        ? { data: spec.generator.fakeSpec.data, at: at('generator', 'fakeSpec', 'data') }
        : undefined;
  if (fakeData && isMap(fakeData.data))
    for (const [k, v] of Object.entries(fakeData.data)) literal('Fake generator data', k, v, [...fakeData.at, k]);
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
    if (isMap(provider.webhook)) webhookLiterals('SecretStore webhook', provider.webhook, at('provider', 'webhook'));
  }
  // A Webhook generator (or a ClusterGenerator's webhookSpec) sends them as a SecretStore's webhook provider does:
  // generators are walked as references (generic rules off), so a literal token there passed.
  if (kind === 'Webhook') webhookLiterals('Webhook generator', spec, at());
  if (kind === 'ClusterGenerator' && isMap(spec.generator) && isMap(spec.generator.webhookSpec))
    webhookLiterals('Webhook generator', spec.generator.webhookSpec, at('generator', 'webhookSpec'));
}

function generatorVisits(generators: unknown[], path: (string | number)[], sink: VisitSink): void {
  generators.forEach((g, i) => {
    if (!isMap(g)) return;
    const name = typeof g.name === 'string' ? g.name : `#${i}`;
    const base = [...path, i];
    /** Every list kustomize reads as one of `fields`, with the key it was found under. */
    const lists = (...fields: string[]): [string, unknown[]][] =>
      fieldKeys(g, ...fields).map((k) => [k, Array.isArray(g[k]) ? (g[k] as unknown[]) : [g[k]]]);
    for (const [field, list] of lists('literals'))
      list.forEach((lit, j) => {
        if (typeof lit !== 'string') return;
        const eq = lit.indexOf('=');
        const key = eq > 0 ? lit.slice(0, eq) : lit;
        const value = eq > 0 ? lit.slice(eq + 1) : '';
        sink.visit({
          type: 'generator-literal',
          path: [...base, field, j],
          generator: name,
          key,
          value: unquote(value),
        });
      });
    for (const [field, list] of lists('files'))
      list.forEach((f, j) => {
        if (typeof f !== 'string') return;
        const eq = f.indexOf('=');
        sink.visit({
          type: 'generator-source',
          path: [...base, field, j],
          generator: name,
          source: 'files',
          key: eq > 0 ? f.slice(0, eq) : undefined,
          ref: eq > 0 ? f.slice(eq + 1) : f,
        });
      });
    for (const [field, list] of lists('envs', 'env'))
      list.forEach((f, j) => {
        if (typeof f !== 'string') return;
        sink.visit({ type: 'generator-source', path: [...base, field, j], generator: name, source: 'envs', ref: f });
      });
  });
}

/**
 * Keys of a kustomization map that kustomize reads as one of `fields`: it decodes the file through Go's JSON, which
 * matches field names case-insensitively with Unicode folding, so `SecretGenerator:`, `secretgenerator:` and
 * `ſecretGenerator:` (long s) are all the secretGenerator, `LITERALS:` its literals (tried with kustomize v5.7.1).
 */
function fieldKeys(map: Record<string, unknown>, ...fields: string[]): string[] {
  const out: string[] = [];
  for (const k of Object.keys(map)) {
    if (fields.includes(k)) out.push(k);
    else if (fields.some((f) => f.length === k.length) && fields.some((f) => f.toLowerCase() === goFold(k)))
      out.push(k);
  }
  return out;
}

/** Go's case folding of an ASCII field name's spellings: lower case, `ſ` (U+017F) as `s` (the Kelvin sign lowers
 * to `k` by itself). */
const goFold = (key: string): string => key.toLowerCase().replace(/\u017f/g, 's');

/** kustomize strips one pair of matching quotes around a literal's value. */
function unquote(v: string): string {
  if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))))
    return v.slice(1, -1);
  return v;
}

/** Keys whose string value is a YAML/JSON document: a file name of a ConfigMap, Helm `values`. */
const EMBEDDED_KEY = /(?:\.ya?ml|\.json)$|^values$/i;

/** A string that may be a YAML/JSON document under a key that says it is one (parsed: walkDocumentInto). */
function isEmbeddedYaml(key: string, value: unknown): value is string {
  if (typeof value !== 'string' || value.length > MAX_INLINE_PATCH || !value.includes(':')) return false;
  // A document on several lines under a key that names one; a JSON object or array on one line under such a key; and
  // under any key, a JSON object or array holding a backslash escape, which no content rule reads through:
  // `config.json: "{\"pass\\u0077ord\": …}"` holds a `password` key once parsed (it passed, exit 0).
  if (EMBEDDED_KEY.test(key)) return value.includes('\n') || JSON_TEXT.test(value);
  return value.includes('\\') && JSON_TEXT.test(value);
}

/** Text that starts a JSON object or array (after blanks). */
const JSON_TEXT = /^\s*[{[]/;

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
