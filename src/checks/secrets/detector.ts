/**
 * Runs the credential rules over a text in time linear in its length.
 *
 * 1. Keyword pre-filter: one Aho-Corasick pass (case-folded, over char codes) finds every occurrence of every
 *    rule's keywords at once. A rule whose keywords do not occur costs nothing more.
 * 2. Gates: a rule with a `gate` keeps only the hits after which its shape can follow (an assignment, `://user:pw@`,
 *    `"auth": "…`; gate.ts, shape-gate.ts — necessary conditions, proven against RE2 by differential tests); a rule
 *    left without hits is done, before any line index, window or RE2 program is made.
 *    Windows: around each keyword hit, a window of at most `before + after` characters (cut at the line for
 *    single-line rules); overlapping windows are merged, so the windows of one rule never cover a character twice;
 *    a gated rule keeps the windows that hold a passing hit.
 * 3. Matching: re2js (RE2, linear time) — first a capture-free `test()` (DFA, fast), and only when it says yes, a
 *    `matcher()` pass for the groups (re2js's capture engine is ~100× slower than its DFA). Windows longer than a
 *    chunk (a few times the longest match) are cut into overlapping chunks, so the capture pass only runs on small
 *    pieces that hold a match.
 * 4. Boundaries are checked on the full text (a window may cut a token; the text cannot).
 *
 * Both passes are capped by budgets proportional to the text's length (DFA: 16 passes; captures: a quarter of the
 * text, at least 512 KB). Real files stay far below; a crafted one that exhausts a budget stops the detector, which
 * says so (the caller reports KFM-SEC-007: fail closed, never silently partial).
 */
import { RE2JS } from 're2js';
import type { CharClass, ContentRule } from '../../rules/secret-patterns.js';
import { CONTENT_RULES } from '../../rules/secret-patterns.js';
import { foldCredentialKeys } from './fold.js';
import { allRejectable, gatedHits, isKeyChar, windowsWithHits, type GatedHits } from './gate.js';
import { shapedHits } from './shape-gate.js';
import { isPlaceholder, looksLikeGenericSecret, lowerSameLength } from './text.js';

/** A detected credential. `value` is the secret itself: callers hash it at once and never store or print it. */
export interface Candidate {
  rule: ContentRule;
  /** Secret range in the scanned text (after PEM body extension). */
  start: number;
  end: number;
  /** Where a finding points: the match start for multi-line formats (the `-----BEGIN` line), else `start`. */
  at: number;
  /** The secret, normalised (PEM bodies without layout). */
  value: string;
}

export interface DetectorStats {
  /** Characters read by the keyword pass (once per text). */
  keywordChars: number;
  /** Capture-free `test()` calls and characters they read. */
  testCalls: number;
  testChars: number;
  /** Capture passes (`matcher().find()` loops) and characters they read. */
  matcherCalls: number;
  matcherChars: number;
  /** Characters read by the assignment gate of the generic rules (gate.ts). */
  gateChars: number;
  /** Windows the gates kept from RE2 (no match can hold any of their hits); a rule none of whose hits passed counts
   * its hits (no window was built). */
  gatedOut: number;
  candidates: number;
}

export interface DetectOptions {
  /** Skip the generic assignment rules (inside ExternalSecret references). */
  skipGeneric?: boolean;
  /** Only these rules (by id); default all. */
  only?: ReadonlySet<string>;
  /** Lowercased text searched for a rule's `requires` words; default the text itself. */
  context?: () => string;
  /** Extra placeholder words from the config. */
  stopWords?: readonly string[];
  /** `lowerSameLength(text)`, when the caller has it already. */
  lower?: string;
}

export interface DetectResult {
  candidates: Candidate[];
  /** True when the work budget ran out before the text was fully scanned. */
  truncated: boolean;
  /** Number of rules whose keywords occur in the text (0: nothing here can match any rule). */
  rulesWithHits: number;
}

interface CompiledRule {
  rule: ContentRule;
  /** Compiled at the rule's first keyword hit: most texts hit few rules, and compiling all of them cost ~0.1 s of
   * every cold run (a pattern that does not compile fails the rules test, which runs each rule). */
  re?: RE2JS;
  isToken: (code: number) => boolean;
  overlap: number;
  chunk: number;
  /** Indexes of the rule's keywords in the shared keyword index. */
  keywordIds: number[];
}

/** Smallest chunk a long window is cut into (the chunk is at least twice the rule's longest match). */
const MIN_CHUNK = 1024;
/** Most candidates one rule may produce in one text (beyond that the text is noise or a dump: budget stop). */
const MAX_CANDIDATES_PER_RULE = 2000;
/** Longest PEM body followed; keys are a few KB. */
const MAX_PEM_BODY = 64 * 1024;

const CHAR_CLASSES: Record<CharClass, (c: number) => boolean> = {
  alnum: (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122),
  b64: (c) => CHAR_CLASSES.alnum(c) || c === 43 || c === 47,
  b64url: (c) => CHAR_CLASSES.alnum(c) || c === 45 || c === 95,
  azure: (c) => CHAR_CLASSES.alnum(c) || c === 45 || c === 95 || c === 126 || c === 46,
  crypt: (c) => CHAR_CLASSES.alnum(c) || c === 46 || c === 47,
};

class BudgetExceeded extends Error {}

let shared: Detector | undefined;

/** The redactor's detector of the built-in rules, built once per process (compiling them measured ~0.3 s). */
export function sharedDetector(): Detector {
  return (shared ??= new Detector());
}

export class Detector {
  readonly rules: readonly ContentRule[];
  private readonly compiled: CompiledRule[];
  readonly stats: DetectorStats = {
    keywordChars: 0,
    testCalls: 0,
    testChars: 0,
    matcherCalls: 0,
    matcherChars: 0,
    gateChars: 0,
    gatedOut: 0,
    candidates: 0,
  };

  private readonly keywords: KeywordIndex;
  /** For each keyword id, the indexes of the rules that use it. */
  private readonly rulesOfKeyword: number[][];

  /** `gate: false` runs RE2 on every window: the slow path the differential tests compare the gate against. */
  private readonly useGates: boolean;

  constructor(rules: readonly ContentRule[] = CONTENT_RULES, options: { gate?: boolean } = {}) {
    this.rules = rules;
    this.useGates = options.gate ?? true;
    for (const r of rules) {
      // The gate reads the key forward from the keyword's start: a keyword with another character would say no
      // where the regex says yes.
      if (r.gate === 'assignment' && !r.keywords.every((k) => [...k].every((ch) => isKeyChar(ch.charCodeAt(0)))))
        throw new Error(`rule ${r.id}: a gated keyword holds a character outside [A-Za-z0-9_.-]`);
    }
    const all = [...new Set(rules.flatMap((r) => r.keywords))];
    this.keywords = new KeywordIndex(all);
    this.compiled = rules.map((rule) => {
      const overlap = rule.before + rule.after + 64;
      return {
        rule,
        isToken: CHAR_CLASSES[rule.boundary?.chars ?? 'alnum'],
        overlap,
        chunk: Math.max(MIN_CHUNK, 2 * overlap),
        keywordIds: rule.keywords.map((k) => all.indexOf(k)),
      };
    });
    this.rulesOfKeyword = all.map(() => []);
    this.compiled.forEach((c, i) => c.keywordIds.forEach((k) => this.rulesOfKeyword[k].push(i)));
  }

  /** The keyword pass's per-keyword hit lists, reused by every call (taken while a call runs: re-entry gets its own). */
  private scratch: (number[] | undefined)[] | undefined;

  detect(text: string, options: DetectOptions = {}): DetectResult {
    const positions = this.scratch ?? new Array<number[] | undefined>(this.keywords.keywords.length);
    this.scratch = undefined;
    const touched: number[] = [];
    try {
      const wide = this.keywords.scanInto(text, positions, touched);
      const found = this.detectHits(text, positions, touched, options, text);
      // A text with characters outside ASCII may spell a credential key the ASCII rules cannot read (`пароль:`,
      // `ｐａｓｓｗｏｒｄ:`): read again with those keys folded onto ASCII (fold.ts; values are not rewritten), and
      // the candidates of both readings merged.
      const folded = wide ? foldCredentialKeys(text) : undefined;
      if (folded === undefined) return found;
      for (const k of touched.splice(0)) positions[k] = undefined;
      this.keywords.scanInto(folded, positions, touched);
      const more = this.detectHits(folded, positions, touched, options, text);
      return {
        candidates: resolveOverlaps([...found.candidates, ...more.candidates]),
        truncated: found.truncated || more.truncated,
        rulesWithHits: Math.max(found.rulesWithHits, more.rulesWithHits),
      };
    } finally {
      for (const k of touched) positions[k] = undefined;
      this.scratch = positions;
    }
  }

  private detectHits(
    text: string,
    positions: readonly (number[] | undefined)[],
    touched: readonly number[],
    options: DetectOptions,
    source: string,
  ): DetectResult {
    this.stats.keywordChars += text.length;
    const budget: Budget = { dfa: 16 * text.length + 1024 * 1024, capture: Math.max(512 * 1024, text.length >> 2) };
    const found: Candidate[] = [];
    let truncated = false;
    let lineBreaks: number[] | undefined;
    let contextLower: string | undefined;
    // Only rules with a keyword hit are visited (most texts — most scalars — have none).
    const hitRules = new Set<number>();
    for (const k of touched) for (const r of this.rulesOfKeyword[k]) hitRules.add(r);
    const rulesWithHits = hitRules.size;
    if (rulesWithHits === 0) return { candidates: [], truncated: false, rulesWithHits };
    for (const index of [...hitRules].sort((a, b) => a - b)) {
      const c = this.compiled[index];
      const { rule } = c;
      if (options.only && !options.only.has(rule.id)) continue;
      if (options.skipGeneric && rule.generic) continue;
      const hits = mergeHits(c.keywordIds.map((id) => positions[id]));
      if (rule.requires) {
        contextLower ??= options.context ? options.context() : (options.lower ?? lowerSameLength(text));
        if (!rule.requires.every((w) => contextLower!.includes(w))) continue;
      }
      if (rule.near) {
        contextLower ??= options.context ? options.context() : (options.lower ?? lowerSameLength(text));
        if (!rule.near.test(contextLower)) continue;
      }
      // The gate runs on the hits before any window is built: a rule none of whose hits can start a match costs no
      // line index, no windows and no RE2 program (compiled at the first window that gets through).
      let gated: GatedHits | undefined;
      let passing: readonly number[] | undefined;
      if (rule.gate !== undefined && this.useGates) {
        if (rule.gate === 'assignment') {
          const steps = { n: 0 };
          gated = gatedHits(text, hits, steps);
          this.stats.gateChars += steps.n;
          passing = gated.hits;
        } else {
          passing = shapedHits(rule.gate, text, hits);
        }
        if (passing.length === 0) {
          this.stats.gatedOut += hits.length;
          continue;
        }
      }
      if (!rule.multiline) lineBreaks ??= newlineOffsets(text);
      let windows = buildWindows(hits, text.length, rule, rule.multiline ? undefined : lineBreaks);
      if (passing !== undefined) {
        const kept = windowsWithHits(windows, passing);
        this.stats.gatedOut += (windows.length - kept.length) / 2;
        windows = kept;
        if (windows.length === 0) continue;
      }
      try {
        this.scanWindows(c, text, windows, budget, found, options, source, gated);
      } catch (err) {
        if (!(err instanceof BudgetExceeded)) throw err;
        truncated = true;
        break;
      }
    }
    return { candidates: resolveOverlaps(found), truncated, rulesWithHits };
  }

  private scanWindows(
    c: CompiledRule,
    text: string,
    windows: number[],
    budget: Budget,
    out: Candidate[],
    options: DetectOptions,
    source: string,
    gated?: GatedHits,
  ): void {
    let produced = 0;
    let lastEnd = -1;
    const cursor = { h: 0 };
    const emit = (cand: Candidate): void => {
      out.push(cand);
      this.stats.candidates++;
      if (++produced > MAX_CANDIDATES_PER_RULE) throw new BudgetExceeded();
    };
    for (let w = 0; w < windows.length; w += 2) {
      const ws = windows[w];
      const we = windows[w + 1];
      // A generic rule's window in which every value the regex could capture is one the rule drops (a SealedSecret's
      // `password: AgB…` ciphertext, `SECRET_NAME: db-secret`): the capture pass would only produce refused
      // candidates. Only windows of one chunk: the chunk loop's overlap bookkeeping (lastEnd) needs the matches of
      // every chunk it ran.
      // Not in a reading with folded keys: the values the skip would judge are the folded text's, the candidates are
      // the source's (fold.ts may fold a key-like value).
      if (
        gated &&
        source === text &&
        c.rule.generic &&
        we - ws <= c.chunk + c.overlap &&
        allRejectable(gated, ws, we, cursor, options.stopWords, c.rule.shortPasswords)
      ) {
        this.stats.gatedOut++;
        continue;
      }
      for (let cs = ws; cs < we; cs += c.chunk) {
        const zoneEnd = Math.min(we, cs + c.chunk);
        const ce = Math.min(we, zoneEnd + c.overlap);
        const chunk = text.slice(cs, ce);
        this.stats.testCalls++;
        this.stats.testChars += chunk.length;
        budget.dfa -= chunk.length;
        if (budget.dfa < 0) throw new BudgetExceeded();
        const re = (c.re ??= RE2JS.compile(c.rule.pattern));
        if (re.test(chunk)) {
          budget.capture -= chunk.length;
          if (budget.capture < 0) throw new BudgetExceeded();
          this.stats.matcherCalls++;
          this.stats.matcherChars += chunk.length;
          const m = re.matcher(chunk);
          while (m.find()) {
            const ms = cs + m.start();
            // Matches starting in the next chunk's zone are found there; this chunk only overlaps to finish its own.
            if (ms >= zoneEnd && zoneEnd < we) break;
            // A match already seen through the previous chunk's overlap (or a suffix of one).
            if (ms < lastEnd) continue;
            lastEnd = cs + m.end();
            const cand = this.candidate(c, text, cs, m, options, source);
            if (cand) emit(cand);
          }
        }
        if (ce >= we) break;
      }
    }
  }

  private candidate(
    c: CompiledRule,
    text: string,
    offset: number,
    m: ReturnType<RE2JS['matcher']>,
    options: DetectOptions,
    source: string,
  ): Candidate | undefined {
    const { rule } = c;
    let group = -1;
    for (const g of rule.secretGroups) {
      if (m.group(g) !== null && m.start(g) >= 0) {
        group = g;
        break;
      }
    }
    if (group === -1) return undefined;
    const start = offset + m.start(group);
    let end = offset + m.end(group);
    const b = rule.boundary;
    if (b) {
      const leftAt = b.left === 'match' ? offset + m.start() : b.left === 'secret' ? start : -1;
      if (leftAt > 0 && c.isToken(text.charCodeAt(leftAt - 1))) return undefined;
      if (b.right && end < text.length && c.isToken(text.charCodeAt(end))) return undefined;
    }
    // The value as written (`source`): a reading with folded keys (fold.ts) found it, but never rewrote it.
    let value: string;
    if (rule.body === 'pem') {
      end = extendPemBody(text, end);
      value = normalizePem(source.slice(start, end));
    } else {
      value = source.slice(start, end);
    }
    if (rule.generic) {
      if (!looksLikeGenericSecret(value, options.stopWords, rule.shortPasswords)) return undefined;
    } else if (rule.placeholderCheck !== false && isPlaceholder(value)) {
      // The config's stop words (written by whoever writes the repository) tune the generic rules only: a
      // `stopWords: [ghp]` must not silence every GitHub token.
      return undefined;
    }
    if (rule.validate) {
      const groups: (string | null)[] = [];
      for (let g = 0; g <= m.groupCount(); g++) groups.push(m.group(g));
      if (!rule.validate(value, groups)) return undefined;
    }
    return { rule, start, end, value, at: rule.multiline ? offset + m.start() : start };
  }
}

interface Budget {
  /** Characters the DFA (`test()`) may still read. */
  dfa: number;
  /** Characters the capture pass may still read. */
  capture: number;
}

/** Sorted start offsets of the hits of several keywords. */
function mergeHits(lists: readonly (readonly number[] | undefined)[]): readonly number[] {
  const present = lists.filter((l): l is readonly number[] => l !== undefined && l.length > 0);
  if (present.length === 0) return [];
  if (present.length === 1) return present[0];
  return Array.from(new Float64Array(present.flat()).sort());
}

/**
 * Aho-Corasick automaton over ASCII keywords, case-folded: one pass over the text reports every occurrence of every
 * keyword (overlaps included) in time linear in the text plus the hits. Characters outside ASCII reset the state
 * (keywords are ASCII), except the two that RE2's `(?i)` folds onto ASCII letters: U+017F (long s) reads as `s`
 * and U+212A (Kelvin sign) as `k`, so `paſſword: …` is a hit wherever `(?i)password` matches it.
 */
export class KeywordIndex {
  private readonly delta: Int32Array;
  private readonly outputs: number[][];
  private readonly lengths: number[];
  /** 1 where a state reports a keyword: the hot loop tests a byte, not an array. */
  private readonly reports: Uint8Array;

  constructor(readonly keywords: readonly string[]) {
    this.lengths = keywords.map((k) => k.length);
    const goto: Map<number, number>[] = [new Map()];
    const out: number[][] = [[]];
    keywords.forEach((kw, id) => {
      let s = 0;
      for (const ch of kw.toLowerCase()) {
        const code = ch.charCodeAt(0);
        if (code >= 128) throw new Error(`keyword ${JSON.stringify(kw)} is not ASCII`);
        let next = goto[s].get(code);
        if (next === undefined) {
          next = goto.length;
          goto.push(new Map());
          out.push([]);
          goto[s].set(code, next);
        }
        s = next;
      }
      out[s].push(id);
    });
    const states = goto.length;
    const delta = new Int32Array(states * 128);
    const fail = new Int32Array(states);
    const queue: number[] = [];
    // The root's row: its own edges, every other character back to the root (the array starts at 0).
    for (const [c, next] of goto[0]) {
      delta[c] = next;
      queue.push(next);
    }
    // Breadth first, so a state's failure row is final before the state is: the row is that row (one native copy),
    // then the state's own edges (a loop over 128 characters per state, each a Map lookup, took ~15 ms per Detector).
    for (let head = 0; head < queue.length; head++) {
      const s = queue[head];
      out[s] = [...out[s], ...out[fail[s]]];
      delta.copyWithin(s * 128, fail[s] * 128, fail[s] * 128 + 128);
      for (const [c, next] of goto[s]) {
        fail[next] = delta[fail[s] * 128 + c];
        queue.push(next);
        delta[s * 128 + c] = next;
      }
    }
    // Upper-case letters move like their lower-case twins.
    for (let s = 0; s < states; s++) for (let c = 65; c <= 90; c++) delta[s * 128 + c] = delta[s * 128 + c + 32];
    this.delta = delta;
    this.outputs = out;
    this.reports = Uint8Array.from(out, (o) => (o.length > 0 ? 1 : 0));
  }

  /** Start offsets of every occurrence, per keyword id (undefined: none). */
  scan(text: string): (number[] | undefined)[] {
    const hits: (number[] | undefined)[] = new Array(this.keywords.length);
    this.scanInto(text, hits, []);
    return hits;
  }

  /**
   * `scan` into a caller's array (all slots undefined on entry); the ids that got a hit are appended to `touched`,
   * so the caller visits (and clears) only those — most scalars of a walk hit no keyword at all.
   */
  scanInto(text: string, hits: (number[] | undefined)[], touched: number[]): boolean {
    const { delta, outputs, lengths, reports } = this;
    const n = text.length;
    let s = 0;
    // Whether a character outside ASCII occurred: set only on that (rare) branch, so ASCII text pays nothing.
    let wide = false;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      s =
        c < 128
          ? delta[(s << 7) | c]
          : c === 0x17f
            ? delta[(s << 7) | 115]
            : c === 0x212a
              ? delta[(s << 7) | 107]
              : ((wide = true), 0);
      if (reports[s] === 1) {
        for (const id of outputs[s]) {
          let list = hits[id];
          if (list === undefined) {
            list = hits[id] = [];
            touched.push(id);
          }
          list.push(i - lengths[id] + 1);
        }
      }
    }
    return wide;
  }
}

/** Offsets of every `\n`. */
function newlineOffsets(text: string): number[] {
  const out: number[] = [];
  let i = text.indexOf('\n');
  while (i !== -1) {
    out.push(i);
    i = text.indexOf('\n', i + 1);
  }
  return out;
}

/**
 * Merged windows `[start0, end0, start1, end1, …]` around sorted hits. For single-line rules a window stops at the
 * hit's line; the line lookup walks a pointer forward with the (sorted) hits, so the whole pass is linear.
 */
function buildWindows(
  hits: readonly number[],
  length: number,
  rule: ContentRule,
  breaks: number[] | undefined,
): number[] {
  const out: number[] = [];
  let ptr = 0;
  for (const p of hits) {
    let s = Math.max(0, p - rule.before);
    let e = Math.min(length, p + rule.after);
    if (breaks) {
      while (ptr < breaks.length && breaks[ptr] < p) ptr++;
      const lineStart = ptr > 0 ? breaks[ptr - 1] + 1 : 0;
      const lineEnd = ptr < breaks.length ? breaks[ptr] : length;
      if (s < lineStart) s = lineStart;
      if (e > lineEnd) e = lineEnd;
    }
    const n = out.length;
    if (n > 0 && s <= out[n - 1]) {
      if (e > out[n - 1]) out[n - 1] = e;
    } else {
      out.push(s, e);
    }
  }
  return out;
}

/** Follows a PEM body from `from`: base64 characters, whitespace and `\n`-style escapes, up to the `-----END` line. */
function extendPemBody(text: string, from: number): number {
  const limit = Math.min(text.length, from + MAX_PEM_BODY);
  let i = from;
  let lastBody = from;
  while (i < limit) {
    const c = text.charCodeAt(i);
    if (CHAR_CLASSES.b64(c) || c === 61 /* = */) {
      i++;
      lastBody = i;
    } else if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
    } else if (c === 92 /* \ */ && /[nrt]/.test(text.charAt(i + 1))) {
      i += 2;
    } else {
      break;
    }
  }
  return lastBody;
}

/** A PEM body without its layout, so the same key hashes the same in a YAML block, a JSON string or a .pem file. */
function normalizePem(body: string): string {
  return body.replace(/\\[nrt]/g, '').replace(/\s+/g, '');
}

/**
 * Overlapping candidates describe one secret: keep the most specific rule (higher precedence, then the longer
 * match). A GitHub token in `token: ghp_…` is reported once, as a GitHub token.
 */
function resolveOverlaps(cands: Candidate[]): Candidate[] {
  if (cands.length < 2) return cands;
  const sorted = [...cands].sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Candidate[] = [];
  for (const c of sorted) {
    const last = kept[kept.length - 1];
    if (last && c.start < last.end) {
      if (better(c, last)) kept[kept.length - 1] = c;
      continue;
    }
    kept.push(c);
  }
  return kept;
}

function better(a: Candidate, b: Candidate): boolean {
  if (a.rule.precedence !== b.rule.precedence) return a.rule.precedence > b.rule.precedence;
  return a.end - a.start > b.end - b.start;
}
