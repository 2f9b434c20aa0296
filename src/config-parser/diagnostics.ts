// Diagnostic builders for the config parser (reference §1.8): a sink that collects diagnostics instead of
// throwing, and the "did you mean" suggestion by edit distance among the keywords valid at one level.

import type { Diagnostic, KeepalivedErrorClass, Severity, SourcePos } from './types.js';

export interface DiagnosticInput {
  readonly severity: Severity;
  readonly code: string;
  readonly kaClass: KeepalivedErrorClass | undefined;
  readonly message: string;
  readonly pos?: SourcePos | undefined;
  readonly hint?: string | undefined;
  readonly subject?: string | undefined;
}

/** Builds a `Diagnostic` (drops undefined optional fields so the JSON stays small). */
export function makeDiagnostic(d: DiagnosticInput): Diagnostic {
  const out: { -readonly [K in keyof Diagnostic]: Diagnostic[K] } = {
    severity: d.severity,
    code: d.code,
    kaClass: d.kaClass,
    pos: d.pos,
    message: d.message,
  };
  if (d.hint !== undefined) out.hint = d.hint;
  if (d.subject !== undefined) out.subject = d.subject;
  return out;
}

/** Collects diagnostics in report order. */
export class DiagnosticSink {
  readonly list: Diagnostic[] = [];
  add(d: DiagnosticInput): void {
    this.list.push(makeDiagnostic(d));
  }
}

/** Replaces control characters so a message about binary input cannot garble the terminal or a log. */
export function printable(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** At most this many characters of a message are printed (a 10 MB token must not flood the terminal). */
export const MAX_MESSAGE = 400;

export function clip(s: string): string {
  return s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE)}… (${s.length - MAX_MESSAGE} more characters)` : s;
}

/**
 * One diagnostic as `FILE:LINE:COL: severity: message [code]`, plus an indented `hint:` line when there is
 * a hint; sanitised (control characters escaped) and clipped. Without a position the location is the main
 * file name (or `havipd`). The one form `havipd -t`, the daemon's start-up refusal and its logs print.
 */
export function formatDiagnostic(d: Diagnostic, mainFile?: string): string {
  const where = d.pos ? `${d.pos.file}:${d.pos.line}:${d.pos.col}` : (mainFile ?? 'havipd');
  // Messages name their instance once, whether or not they carry it already.
  const subject = d.subject !== undefined && !d.message.startsWith(`(${d.subject}) `) ? `(${d.subject}) ` : '';
  let out = `${printable(where)}: ${d.severity}: ${subject}${printable(clip(d.message))} [${d.code}]`;
  if (d.hint !== undefined && d.hint !== '') out += `\n    hint: ${printable(clip(d.hint))}`;
  return out;
}

/** Levenshtein distance (small strings: keyword names). */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** Work done by `suggestKeyword` (dynamic-programming cells filled), for tests that bound the parser's cost by counting. */
export interface SuggestWork {
  cells: number;
}

/**
 * The edit distance when it is at most `limit`, else `limit + 1`. Only the diagonal band of width
 * 2·limit+1 is filled and a row whose minimum exceeds the limit stops the scan, so one call costs at most
 * `a.length · (2·limit + 1)` cells however long `b` is.
 */
export function editDistanceWithin(a: string, b: string, limit: number, work?: SuggestWork): number {
  const over = limit + 1;
  if (Math.abs(a.length - b.length) > limit) return over;
  const n = b.length;
  let prev = new Array<number>(n + 1).fill(over);
  for (let j = 0; j <= Math.min(n, limit); j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const cur = new Array<number>(n + 1).fill(over);
    cur[0] = i <= limit ? i : over;
    let rowMin = cur[0];
    const hi = Math.min(n, i + limit);
    for (let j = Math.max(1, i - limit); j <= hi; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1), over);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (work) work.cells += hi - Math.max(1, i - limit) + 1;
    if (rowMin > limit) return over;
    prev = cur;
  }
  return Math.min(prev[n]!, over);
}

/**
 * The nearest keyword to an unknown `word`, or undefined when none is close.
 * Handles a missing space (`vrrp_instanceVI_1` → `vrrp_instance VI_1`) and case slips (`MASTER` vs `master`
 * is a value, not a keyword, so only keyword tables are searched here).
 * Cost: one prefix test per candidate plus at most `word.length · (2·limit + 1)` cells per candidate of a
 * near length (limit ≤ 3), whatever the word's length (a 1023-byte token costs the prefix tests only).
 */
export function suggestKeyword(word: string, candidates: readonly string[], work?: SuggestWork): string | undefined {
  // A keyword glued to its argument: the longest candidate that is a strict prefix.
  let glued: string | undefined;
  for (const c of candidates) {
    if (word.length > c.length && word.startsWith(c) && (glued === undefined || c.length > glued.length)) glued = c;
  }
  if (glued !== undefined) return `${glued} ${word.slice(glued.length)}`;
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 4)));
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    // The edit distance is at least the length difference: skip what cannot be near.
    if (Math.abs(c.length - lower.length) > limit) continue;
    const d = c === lower ? 0.5 : editDistanceWithin(lower, c, limit, work);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= limit ? best : undefined;
}

/**
 * Suggestions remembered for one parse: a word unknown in one keyword table gets the same answer every
 * time, so a config repeating an unknown keyword (50 000 nested `vrrp_instance` lines from a ~SEQ) costs one
 * search, not one per line. At most `MAX_CACHED` words per parse are remembered (then each is searched,
 * still bounded per call).
 */
export class SuggestionCache {
  static readonly MAX_CACHED = 4096;
  readonly work: SuggestWork;
  private readonly keys = new WeakMap<object, readonly string[]>();
  private readonly memo = new WeakMap<object, Map<string, string | undefined>>();
  private size = 0;

  constructor(work?: SuggestWork) {
    this.work = work ?? { cells: 0 };
  }

  suggest(word: string, table: object): string | undefined {
    let m = this.memo.get(table);
    if (m?.has(word)) return m.get(word);
    let keys = this.keys.get(table);
    if (keys === undefined) {
      keys = Object.keys(table);
      this.keys.set(table, keys);
    }
    const s = suggestKeyword(word, keys, this.work);
    if (this.size < SuggestionCache.MAX_CACHED) {
      if (m === undefined) {
        m = new Map();
        this.memo.set(table, m);
      }
      m.set(word, s);
      this.size++;
    }
    return s;
  }
}
