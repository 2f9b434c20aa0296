// The shape of a keyword table (ARCHITECTURE.md §3): keyword → handler (draft, ctx). Each block has its own
// draft (the object being built for that block, passed in explicitly): there is no global "current block".

import type { KeepalivedErrorClass, Severity, SourcePos } from '../types.js';
import type { ParseEnv } from './state.js';

/** One token of a logical line (same shape as preprocess.ts's Token). */
export interface LineToken {
  readonly text: string;
  readonly col: number;
  readonly quoted: boolean;
}

/** One logical line (same shape as preprocess.ts's LogicalLine): every '{' and '}' is its own line. */
export interface Line {
  readonly tokens: readonly LineToken[];
  readonly pos: SourcePos;
}

export interface ReportOptions {
  /** Index of the token the diagnostic is about (0 = keyword); default 0. */
  readonly tok?: number;
  readonly hint?: string;
  readonly subject?: string;
}

/** What a handler sees: the line's tokens (strvec: [0] = keyword / item), a reporter and the parse environment. */
export interface KwCtx {
  readonly line: Line;
  readonly tokens: readonly LineToken[];
  /** Text of token i, or undefined. */
  arg(i: number): string | undefined;
  /** Position of token i (falls back to the line). */
  at(i: number): SourcePos;
  report(severity: Severity, code: string, kaClass: KeepalivedErrorClass | undefined, message: string, opts?: ReportOptions): void;
  readonly env: ParseEnv;
}

interface Base {
  /** Number of arguments after the keyword keepalived reads unconditionally (missing ⇒ fatal MISSING_PARAMETER). */
  readonly args?: number;
  /** Short description (documentation, `--explain`). */
  readonly doc?: string;
}

/** A keyword taking its arguments on its own line. */
export interface PlainKeyword<D> extends Base {
  readonly kind: 'plain';
  readonly handle: (draft: D, ctx: KwCtx) => void;
}

/** A keyword followed by `{ item … }`: each line inside goes to `item` (tokens[0] = the item). */
export interface ValueBlockKeyword<D> extends Base {
  readonly kind: 'values';
  /** Called once on the keyword line (optional). */
  readonly handle?: (draft: D, ctx: KwCtx) => void;
  readonly item: (draft: D, ctx: KwCtx) => void;
  /** Called after the closing '}' (optional). */
  readonly close?: (draft: D, ctx: KwCtx) => void;
}

/** A keyword opening a sub-block with its own table. `open` returns the child draft, or undefined to skip the block. */
export interface BlockKeyword<D, C> extends Base {
  readonly kind: 'block';
  readonly table: () => KeywordTable<C>;
  readonly open: (draft: D, ctx: KwCtx) => C | undefined;
  readonly close?: (draft: D, child: C, ctx: KwCtx) => void;
}

/** A keyword keepalived's VRRP process knows but skips with its block (LVS, BFD, …). */
export interface SkippedKeyword extends Base {
  readonly kind: 'skip';
  /** Why we skip it (the info notice). */
  readonly why: string;
  /** Optional checks on the skipped block's inner lines (without its braces), reported on the keyword line. */
  readonly check?: (inner: readonly Line[], ctx: KwCtx) => void;
}

export type KeywordDef<D> =
  | PlainKeyword<D>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  | BlockKeyword<D, any>
  | ValueBlockKeyword<D>
  | SkippedKeyword;

export type KeywordTable<D> = Readonly<Record<string, KeywordDef<D>>>;

/** Helpers to write tables tersely. */
export const plain = <D>(handle: (draft: D, ctx: KwCtx) => void, args = 0, doc?: string): PlainKeyword<D> =>
  doc === undefined ? { kind: 'plain', handle, args } : { kind: 'plain', handle, args, doc };
