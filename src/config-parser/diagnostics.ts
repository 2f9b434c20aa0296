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

/**
 * The nearest keyword to an unknown `word`, or undefined when none is close.
 * Handles a missing space (`vrrp_instanceVI_1` → `vrrp_instance VI_1`) and case slips (`MASTER` vs `master`
 * is a value, not a keyword, so only keyword tables are searched here).
 */
export function suggestKeyword(word: string, candidates: readonly string[]): string | undefined {
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
    // The edit distance is at least the length difference: skip what cannot be near (a 1023-byte token
    // against every keyword would otherwise cost ~25 M steps).
    if (Math.abs(c.length - lower.length) > limit) continue;
    const d = c === lower ? 0.5 : editDistance(lower, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= limit ? best : undefined;
}
