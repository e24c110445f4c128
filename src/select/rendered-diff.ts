/**
 * The rendered diff between two checkouts: per overlay, which resources were added, removed or changed, with a
 * unified diff of their YAML. Pure: the `diff` command renders both sides and prints what these functions return.
 *
 * Secret values never reach the output: `data`/`stringData` of a v1 Secret are replaced by a keyed hash that is
 * stable within one run (so a changed value still shows as a changed line) and useless for guessing the value.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { identityKey } from '../parse/index.js';
import { maskSecretValues } from '../redact/index.js';
import type { Resource, ResourceId } from '../types.js';
// The line diff is shared with promote (one Myers implementation in the codebase).
import { unifiedDiff } from '../promote/diff.js';

export interface DiffSide {
  /** The overlay existed on this side (a folder with a kustomization that discovery found). */
  present: boolean;
  /** Rendered and parsed without findings. */
  ok: boolean;
  /** Why the render failed, when it did. */
  error?: string;
  resources: Resource[];
}

export interface ResourceChange {
  change: 'added' | 'removed' | 'changed';
  id: ResourceId;
  /** Unified diff of the resource's YAML, old → new (`--- a/<Kind>/<ns>/<name>`, `/dev/null` for an added or removed side). */
  diff: string;
}

export interface OverlayDiff {
  path: string;
  status: 'changed' | 'unchanged' | 'added' | 'removed' | 'error';
  /** Render failures, per side. */
  errors: { side: 'base' | 'now'; message: string }[];
  resources: ResourceChange[];
}

export interface RenderedDiff {
  base: { ref: string; commit: string };
  overlays: OverlayDiff[];
  /** Overlays not rendered because none of their inputs changed. */
  unaffected: number;
}

export interface DiffOptions {
  /** HMAC key for redacting Secret values; random per run unless a test pins it. */
  redactionKey?: Buffer;
}

export function diffOverlay(path: string, base: DiffSide, now: DiffSide, options: DiffOptions = {}): OverlayDiff {
  const key = options.redactionKey ?? randomBytes(32);
  const errors: OverlayDiff['errors'] = [];
  if (base.present && base.error !== undefined) errors.push({ side: 'base', message: base.error });
  if (now.present && now.error !== undefined) errors.push({ side: 'now', message: now.error });
  const before = byIdentity(base.present ? base.resources : []);
  const after = byIdentity(now.present ? now.resources : []);
  const changes: ResourceChange[] = [];
  for (const [k, r] of before) {
    const next = after.get(k);
    const oldYaml = toYaml(r.object, key);
    if (!next) {
      changes.push({
        change: 'removed',
        id: r.id,
        diff: unifiedDiff(oldYaml, '', { fromLabel: `a/${label(r.id)}`, toLabel: '/dev/null' }),
      });
      continue;
    }
    const diff = unifiedDiff(oldYaml, toYaml(next.object, key), {
      fromLabel: `a/${label(r.id)}`,
      toLabel: `b/${label(next.id)}`,
    });
    if (diff !== '') changes.push({ change: 'changed', id: next.id, diff });
  }
  for (const [k, r] of after) {
    if (!before.has(k))
      changes.push({
        change: 'added',
        id: r.id,
        diff: unifiedDiff('', toYaml(r.object, key), { fromLabel: '/dev/null', toLabel: `b/${label(r.id)}` }),
      });
  }
  changes.sort((a, b) => ORDER[a.change] - ORDER[b.change] || describe(a.id).localeCompare(describe(b.id)));
  // A side that failed to render has no resources: listing everything as added/removed would be noise, not a diff.
  const failed = errors.length > 0;
  const status: OverlayDiff['status'] = failed
    ? 'error'
    : !base.present
      ? 'added'
      : !now.present
        ? 'removed'
        : changes.length > 0
          ? 'changed'
          : 'unchanged';
  return { path, status, errors, resources: failed ? [] : changes };
}

const ORDER: Record<ResourceChange['change'], number> = { removed: 0, changed: 1, added: 2 };

function byIdentity(resources: Resource[]): Map<string, Resource> {
  const out = new Map<string, Resource>();
  for (const r of resources) out.set(identityKey(r.id), r);
  return out;
}

function label(id: ResourceId): string {
  return [id.kind, id.namespace, id.name].filter((p) => p !== undefined && p !== '').join('/');
}

/** `Kind namespace/name (apiVersion)`. */
export function describe(id: ResourceId): string {
  return `${id.kind} ${id.namespace ? `${id.namespace}/` : ''}${id.name} (${id.apiVersion})`;
}

function toYaml(object: Record<string, unknown>, key: Buffer): string {
  return stringify(redact(object, key), { lineWidth: 0, aliasDuplicateObjects: false });
}

/** A Secret's values as a keyed hash: stable within one run (a changed value shows as a changed line), not guessable. */
function redact(object: Record<string, unknown>, key: Buffer): Record<string, unknown> {
  return maskSecretValues(
    object,
    (v) => `<redacted ${createHmac('sha256', key).update(String(v)).digest('hex').slice(0, 12)}>`,
  );
}

/** The masks `redact` writes, for a redactor that must leave them as they are. */
export const SECRET_MASK = /<redacted [0-9a-f]{12}>/;

export interface FormatOptions {
  /** Longest diff printed per resource, in lines; the rest is summarised (PR comments have a size limit). */
  maxLinesPerResource?: number;
}

const SIGN: Record<ResourceChange['change'], string> = { added: '+', removed: '-', changed: '~' };

function summary(o: OverlayDiff): string {
  if (o.status === 'error') return 'render failed';
  if (o.status === 'unchanged') return 'no rendered change';
  const n = (c: ResourceChange['change']): number => o.resources.filter((r) => r.change === c).length;
  const parts = [`${n('changed')} changed`, `${n('added')} added`, `${n('removed')} removed`].filter(
    (p) => !p.startsWith('0 '),
  );
  return `${o.status === 'added' ? 'new overlay: ' : o.status === 'removed' ? 'overlay removed: ' : ''}${parts.join(', ')}`;
}

function clip(diff: string, max: number): { text: string; omitted: number } {
  const lines = diff.replace(/\n$/, '').split('\n');
  if (lines.length <= max) return { text: lines.join('\n'), omitted: 0 };
  return { text: lines.slice(0, max).join('\n'), omitted: lines.length - max };
}

function headline(d: RenderedDiff): string {
  const changed = d.overlays.filter((o) => o.status !== 'unchanged').length;
  const same = d.overlays.length - changed;
  return `${changed} overlay(s) with rendered changes since ${d.base.ref} (${d.base.commit.slice(0, 12)}); ${same} affected but rendering the same; ${d.unaffected} not affected`;
}

export function formatDiffText(d: RenderedDiff, options: FormatOptions = {}): string {
  const max = options.maxLinesPerResource ?? 400;
  const out: string[] = [headline(d)];
  for (const o of d.overlays) {
    if (o.status === 'unchanged') continue;
    out.push('', `=== ${o.path}: ${summary(o)}`);
    for (const e of o.errors) out.push(`  ! render failed (${e.side}): ${e.message.split('\n').join('\n    ')}`);
    for (const r of o.resources) {
      out.push(`  ${SIGN[r.change]} ${describe(r.id)} ${r.change}`);
      const { text, omitted } = clip(r.diff, max);
      out.push(...text.split('\n').map((l) => `    ${l}`));
      if (omitted > 0) out.push(`    … ${omitted} more line(s)`);
    }
  }
  return `${out.join('\n')}\n`;
}

export function formatDiffMarkdown(d: RenderedDiff, options: FormatOptions = {}): string {
  const max = options.maxLinesPerResource ?? 200;
  const out: string[] = ['### kfm-gitops rendered diff', '', headline(d).replace(d.base.ref, `\`${d.base.ref}\``)];
  const shown = d.overlays.filter((o) => o.status !== 'unchanged');
  if (shown.length === 0) out.push('', 'No rendered resource changes.');
  for (const o of shown) {
    out.push(
      '',
      `<details${o.status === 'error' ? ' open' : ''}><summary><code>${html(o.path)}</code>: ${html(summary(o))}</summary>`,
      '',
    );
    for (const e of o.errors) out.push(`> **render failed (${e.side})**: ${html(e.message).split('\n').join(' ')}`, '');
    for (const r of o.resources) {
      const { text, omitted } = clip(r.diff, max);
      const fence = '`'.repeat(Math.max(3, longestBacktickRun(text) + 1));
      out.push(`**${SIGN[r.change]} ${html(describe(r.id))}** ${r.change}`, '', `${fence}diff`, text, fence);
      if (omitted > 0) out.push(`_… ${omitted} more line(s)_`);
      out.push('');
    }
    out.push('</details>');
  }
  return `${out.join('\n')}\n`;
}

function longestBacktickRun(text: string): number {
  let best = 0;
  for (const m of text.matchAll(/`+/g)) best = Math.max(best, m[0].length);
  return best;
}

function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
