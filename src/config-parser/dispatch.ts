// Walks the logical lines with keepalived's block semantics (2.2.7 and 2.4.3 alike) (lib/parser.c process_stream and
// alloc_value_block; reference §1.7): keyword blocks, value blocks, skipped (inactive) blocks, and the
// quirks — an unknown keyword's block is NOT skipped, a missing argument stops the parse.

import type { KeywordDef, KeywordTable, KwCtx, Line, ReportOptions } from './keywords/table.js';
import type { ParseEnv } from './keywords/state.js';
import type { KeepalivedErrorClass, Severity, SourcePos } from './types.js';

/**
 * Keywords keepalived added after 2.2.7 (the 2.2.8–2.4.3 language): 2.2.7 reports them as unknown, 2.4.3
 * accepts them. havipd follows 2.4.3 and says once, as an info notice, that 2.2.7 would not accept them.
 */
export const NEWER_KEYWORDS: Readonly<Record<string, string>> = {
  no_virtual_ipaddress: '2.2.8',
  v3_checksum_as_v2: '2.2.8',
  timer_expired_backup: '2.2.8',
  thread_timer_expired: '2.2.8',
  json_version: '2.2.8',
  owner_ignore_adverts: '2.3.3',
  vrrp_owner_ignore_adverts: '2.3.3',
  state_dump_file: '2.3.3',
  stats_dump_file: '2.3.3',
  json_dump_file: '2.3.3',
  iproute_usr_dir: '2.3.2',
  iproute_etc_dir: '2.3.2',
  use_symlink_paths: '2.3.0',
  dbus_no_interface_name: '2.3.0',
  snmp_rs_stats_update_interval: '2.3.0',
  snmp_vs_stats_update_interval: '2.3.0',
  vrrp_delay_after_boot: '2.4.0',
  auth_hmac: '2.4.0',
  set_supplementary_groups: '2.4.4',
};

/**
 * Keywords whose keepalived handler re-reads the raw line with its own quote-aware splitter
 * (notify_script_init / alloc_strvec_quoted_escaped): an unmatched quote there drops the command (logged)
 * instead of stopping the parse with a missing parameter.
 */
export const REPARSED_COMMAND_KEYWORDS: ReadonlySet<string> = new Set([
  'notify_master', 'notify_backup', 'notify_fault', 'notify_stop', 'notify', 'notify_master_rx_lower_pri',
  'notify_fifo_script', 'vrrp_notify_fifo_script', 'script',
]);

/**
 * The handler context of one line: one object per line whose methods live on the prototype (an object literal
 * with three arrow functions cost four allocations per line of every configuration).
 */
class LineCtx implements KwCtx {
  readonly tokens: readonly Line['tokens'][number][];

  constructor(
    readonly line: Line,
    readonly env: ParseEnv,
  ) {
    this.tokens = line.tokens;
  }

  arg(i: number): string | undefined {
    return this.line.tokens[i]?.text;
  }

  at(i: number): SourcePos {
    const line = this.line;
    const t = line.tokens[i];
    return t ? { file: line.pos.file, line: line.pos.line, col: t.col } : line.pos;
  }

  report(severity: Severity, code: string, kaClass: KeepalivedErrorClass | undefined, message: string, opts?: ReportOptions): void {
    const line = this.line;
    const t = line.tokens[opts?.tok ?? 0];
    this.env.sink.add({
      severity, code, kaClass, message,
      pos: t ? { file: line.pos.file, line: line.pos.line, col: t.col } : line.pos,
      hint: opts?.hint, subject: opts?.subject,
    });
  }
}

/** Builds the handler context for one line. */
export function makeCtx(line: Line, env: ParseEnv): KwCtx {
  return new LineCtx(line, env);
}

const isOpen = (l: Line | undefined): boolean => l !== undefined && l.tokens.length === 1 && l.tokens[0]!.text === '{' && !l.tokens[0]!.quoted;
const isClose = (l: Line | undefined): boolean => l !== undefined && l.tokens.length === 1 && l.tokens[0]!.text === '}' && !l.tokens[0]!.quoted;

/** Index after the balanced block that starts at `i` (which must be '{'); the end of input if unbalanced. */
export function skipBlock(lines: readonly Line[], i: number): number {
  let depth = 0;
  for (let j = i; j < lines.length; j++) {
    if (isOpen(lines[j])) depth++;
    else if (isClose(lines[j])) {
      depth--;
      if (depth === 0) return j + 1;
    }
  }
  return lines.length;
}

/** The '}' lines at which the textual brace depth would go below zero (keepalived read_line's check). */
export function extraCloseLines(lines: readonly Line[]): Set<object> {
  const out = new Set<object>();
  let depth = 0;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (isOpen(l)) depth++;
    else if (isClose(l)) {
      if (depth < 1) {
        out.add(l);
        depth = 0;
      } else depth--;
    }
  }
  return out;
}

export interface WalkResult {
  /** Index of the first line not consumed. */
  readonly next: number;
  /** True when the block's '}' was found (false at end of input). */
  readonly closed: boolean;
}

function posOf(line: Line): SourcePos {
  const t = line.tokens[0];
  return t ? { file: line.pos.file, line: line.pos.line, col: t.col } : line.pos;
}

/**
 * Processes lines from `start` with `table` filling `draft`. At level 0 it runs to the end of input; at
 * deeper levels it stops after the block's '}'. `needOpen`: the block's '{' is still expected.
 */
export function walk<D>(
  lines: readonly Line[], start: number, table: KeywordTable<D>, draft: D, level: number, env: ParseEnv, needOpen: boolean,
): WalkResult {
  let i = start;
  let expectOpen = needOpen;
  while (i < lines.length && !env.fatal) {
    const line = lines[i]!;
    const first = line.tokens[0];
    if (!first) {
      i++;
      continue;
    }
    if (expectOpen) {
      expectOpen = false;
      if (isOpen(line)) {
        i++;
        continue;
      }
      env.sink.add({
        severity: 'error', code: 'missing-open-brace', kaClass: 'MISSING_BOB', pos: posOf(line),
        message: `expected '{' to open the block before '${first.text}'`,
      });
    } else if (isOpen(line)) {
      env.sink.add({ severity: 'error', code: 'unexpected-open-brace', kaClass: 'UNEXPECTED_BOB', pos: posOf(line), message: "unexpected '{' - ignored (the keyword before it does not open a block here)" });
      i++;
      continue;
    }
    if (isClose(line)) {
      if (level > 0) return { next: i + 1, closed: true };
      // keepalived-compat: a '}' at top level is an unknown keyword ("Extra '}' found", from the textual brace
      // count, is the preprocessor's diagnostic).
      // Test: test/unit/config-parser/dispatch.test.ts "extra '}'".
      env.sink.add({ severity: 'error', code: 'unknown-keyword', kaClass: 'UNKNOWN_KEYWORD', pos: posOf(line), message: "unknown keyword '}'" });
      i++;
      continue;
    }
    const kw = first.text;
    const def: KeywordDef<D> | undefined = Object.prototype.hasOwnProperty.call(table, kw) ? table[kw] : undefined;
    const ctx = makeCtx(line, env);
    if (def === undefined) {
      const newer = NEWER_KEYWORDS[kw];
      const suggestion = newer === undefined ? env.suggestions.suggest(kw, table) : undefined;
      ctx.report('error', 'unknown-keyword', 'UNKNOWN_KEYWORD',
        newer !== undefined
          ? `unknown keyword '${kw}' here (it was added in keepalived ${newer}; 2.2.7 does not know it)`
          : `unknown keyword '${kw}'`,
        suggestion !== undefined ? { hint: `did you mean '${suggestion}'?` } : undefined);
      // keepalived-compat: the unknown keyword's block is not skipped; its '{' is reported as unexpected and its
      // lines apply to the enclosing block.
      // Test: test/unit/config-parser/dispatch.test.ts "unknown block is not skipped: its lines apply to the enclosing block and its '}' closes it".
      i++;
      continue;
    }
    const since = NEWER_KEYWORDS[kw];
    if (since !== undefined) {
      // havipd: follows keepalived 2.4.3, which knows the keyword; 2.2.7 would refuse it (exit 5 under -t).
      ctx.report('info', 'keyword-too-new', undefined,
        `'${kw}' was added in keepalived ${since}; keepalived 2.2.7 reports it as an unknown keyword (havipd and keepalived 2.4.3 accept it)`);
    }
    if (def.kind === 'skip') {
      if (!env.noticed.has(`skip:${kw}`)) {
        env.noticed.add(`skip:${kw}`);
        ctx.report('info', 'block-skipped', undefined, `'${kw}' ${def.why}; skipped as keepalived's VRRP process skips it`);
      }
      i++;
      if (isOpen(lines[i])) {
        const end = skipBlock(lines, i);
        // The inner lines, without the block's own braces (an unclosed block runs to the end of input).
        def.check?.(lines.slice(i + 1, isClose(lines[end - 1]) ? end - 1 : end), ctx);
        i = end;
      }
      continue;
    }
    const need = def.args ?? 0;
    if (line.tokens.length <= need && REPARSED_COMMAND_KEYWORDS.has(kw) && env.unmatchedQuoteLines?.has(`${line.pos.file}:${line.pos.line}`)) {
      // keepalived-compat: the command is dropped (the preprocessor reported the unmatched quote).
      // Test: test/unit/config-parser/dispatch.test.ts "unmatched quote in a notify command is not fatal".
      ctx.report('info', 'command-dropped', undefined, `the '${kw}' command has an unmatched quote - ignored`);
      i++;
      continue;
    }
    if (line.tokens.length <= need) {
      const last = line.tokens[line.tokens.length - 1]!;
      env.sink.add({
        severity: 'error', code: 'missing-parameter', kaClass: 'MISSING_PARAMETER',
        pos: { file: line.pos.file, line: line.pos.line, col: last.col + last.text.length + 1 },
        message: `'${kw}' needs ${need === 1 ? 'a value' : `${need} values`} after it (missing word ${line.tokens.length + 1}); keepalived stops reading the configuration here`,
      });
      env.fatal = true;
      return { next: lines.length, closed: false };
    }
    if (def.kind === 'plain') {
      def.handle(draft, ctx);
      i++;
    } else if (def.kind === 'values') {
      def.handle?.(draft, ctx);
      i++;
      if (isOpen(lines[i])) i++;
      else if (i < lines.length) {
        ctx.report('info', 'value-block-missing-open', undefined, `'{' missing at the beginning of the '${kw}' block`);
      }
      while (i < lines.length && !isClose(lines[i])) {
        const l = lines[i]!;
        if (isOpen(l)) {
          env.sink.add({ severity: 'error', code: 'unexpected-open-brace', kaClass: 'UNEXPECTED_BOB', pos: posOf(l), message: `unexpected '{' inside the '${kw}' list` });
        } else if (l.tokens.length > 0) {
          def.item(draft, makeCtx(l, env));
        }
        i++;
      }
      if (i < lines.length) i++;
      else env.sink.add({ severity: 'error', code: 'missing-close-brace', kaClass: 'MISSING_EOB', pos: ctx.at(0), message: `the '${kw}' block is not closed with '}'` });
      def.close?.(draft, ctx);
    } else {
      const child = def.open(draft, ctx);
      i++;
      if (child === undefined) {
        if (isOpen(lines[i])) i = skipBlock(lines, i);
        continue;
      }
      const r = walk(lines, i, def.table(), child, level + 1, env, true);
      i = r.next;
      if (env.fatal) return { next: lines.length, closed: false };
      if (!r.closed) {
        env.sink.add({ severity: 'error', code: 'missing-close-brace', kaClass: 'MISSING_EOB', pos: ctx.at(0), message: `the '${kw}' block is not closed with '}' before the end of the configuration` });
      }
      def.close?.(draft, child, ctx);
    }
  }
  return { next: i, closed: false };
}
