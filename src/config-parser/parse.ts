// Entry point of the config parser: preprocess (lexer engineer's preprocess.ts) → dispatch over the keyword
// tables → resolve into the immutable DaemonConfig → lints. Pure: all I/O goes through the injected ConfigHost.

import { DiagnosticSink, SuggestionCache, type SuggestWork } from './diagnostics.js';
import { extraCloseLines, walk, type WalkResult } from './dispatch.js';
import { rootTable } from './keywords/root.js';
import { newRootDraft, type ParseEnv } from './keywords/state.js';
import type { Line } from './keywords/table.js';
import { lint } from './lints.js';
import { preprocess, type PreprocessOptions } from './preprocess.js';
import type { ConfigHost } from './host.js';
import { resolve } from './resolve.js';
import type { DaemonConfig, Diagnostic, ParseResult } from './types.js';

export interface ParseOptions extends PreprocessOptions {
  /** Interface names present on the host; undefined = do not check (keepalived checks them unless dynamic_interfaces). */
  readonly hostInterfaces?: readonly string[];
  /** Counts the parser's "did you mean" work (tests bound the cost by counting, not by the clock). */
  readonly work?: SuggestWork;
}

export interface ParseLinesOptions {
  readonly hostInterfaces?: readonly string[] | undefined;
  /** Every file read (for DaemonConfig.files). */
  readonly files?: readonly string[];
  /** `file:line` of lines with an unmatched double quote (from the preprocessor's diagnostics). */
  readonly unmatchedQuoteLines?: ReadonlySet<string>;
  /** For files keywords read themselves (`auth_hmac` key files); without it such a keyword is refused. */
  readonly host?: ConfigHost;
  /** Counts the parser's "did you mean" work (tests bound the cost by counting, not by the clock). */
  readonly work?: SuggestWork;
}

/**
 * Deep-freezes plain data (arrays and records). Arrays are walked by index (their only enumerable own keys
 * here), records by Object.keys; only objects are visited (most values are strings and numbers).
 */
function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object') freezeObject(v);
  return v;
}

function freezeObject(v: object): void {
  if (ArrayBuffer.isView(v) || Object.isFrozen(v)) return;
  Object.freeze(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (x !== null && typeof x === 'object') freezeObject(x);
    }
    return;
  }
  const keys = Object.keys(v);
  for (let i = 0; i < keys.length; i++) {
    const x = (v as Record<string, unknown>)[keys[i]!];
    if (x !== null && typeof x === 'object') freezeObject(x);
  }
}

/**
 * Parses already preprocessed logical lines (every '{' / '}' on its own line). Never throws on input.
 * config is undefined only when a keyword missed its argument (keepalived exits 2 there).
 */
export function parseLines(lines: readonly Line[], opts: ParseLinesOptions = {}): ParseResult {
  const sink = new DiagnosticSink();
  const env: ParseEnv = { root: newRootDraft(), hostInterfaces: opts.hostInterfaces, sink, fatal: false, noticed: new Set(), suggestions: new SuggestionCache(opts.work), extraClose: extraCloseLines(lines),
    ...(opts.unmatchedQuoteLines ? { unmatchedQuoteLines: opts.unmatchedQuoteLines } : {}), ...(opts.host ? { host: opts.host } : {}) };
  const r: WalkResult = walk(lines, 0, rootTable, env.root, 0, env, false);
  void r;
  if (env.fatal) return { config: undefined, diagnostics: scrubSecrets(sink.list, lines) };
  const config: DaemonConfig = resolve(env.root, sink, opts.files ?? []);
  for (const d of lint(config)) sink.list.push(d);
  return { config: deepFreeze(config), diagnostics: scrubSecrets(sink.list, lines) };
}

/**
 * Secrets never appear in diagnostics: every word following an `auth_pass` keyword anywhere in the input is
 * (and every inline `auth_hmac` `key` value) replaced by `<redacted>` in messages, hints and subjects (even when a broken block made it land elsewhere).
 */
export function scrubSecrets(diags: readonly Diagnostic[], lines: readonly Line[]): Diagnostic[] {
  if (diags.length === 0) return [];
  const secrets = new Set<string>();
  for (const l of lines) {
    if (l.tokens[0]?.text === 'auth_pass') for (const t of l.tokens.slice(1)) if (t.text.length > 0) secrets.add(t.text);
    // An inline `auth_hmac` key (`key ID VALUE`); a `file:` path is not a secret.
    if (l.tokens[0]?.text === 'key') for (const t of l.tokens.slice(2)) if (t.text.length > 0 && !t.text.startsWith('file:')) secrets.add(t.text);
  }
  if (secrets.size === 0) return [...diags];
  const list = [...secrets].sort((a, b) => b.length - a.length);
  const scrub = (s: string): string => list.reduce((acc, x) => acc.split(x).join('<redacted>'), s);
  return diags.map((d) => {
    const out: { -readonly [K in keyof Diagnostic]: Diagnostic[K] } = { ...d, message: scrub(d.message) };
    if (d.hint !== undefined) out.hint = scrub(d.hint);
    if (d.subject !== undefined) out.subject = scrub(d.subject);
    return out;
  });
}

/** Reads, preprocesses and parses `mainFile`. Diagnostics: the preprocessor's first, then ours. */
export function parseConfig(mainFile: string, host: ConfigHost, opts: ParseOptions): ParseResult {
  const pre = preprocess(mainFile, host, opts);
  const unmatchedQuoteLines = new Set(pre.diagnostics.filter((d) => d.code === 'unmatched-quote' && d.pos).map((d) => `${d.pos!.file}:${d.pos!.line}`));
  const res = parseLines(pre.lines, { hostInterfaces: opts.hostInterfaces, files: pre.files, unmatchedQuoteLines, host, ...(opts.work ? { work: opts.work } : {}) });
  const diagnostics: Diagnostic[] = [...pre.diagnostics, ...res.diagnostics];
  return { config: res.config, diagnostics };
}
