// The keepalived.conf line pipeline (reference keepalived.md §1.2–§1.6, §8.1), as keepalived 2.2.7's
// lib/parser.c `read_line()` runs it: read a line (fgets with a 1024-byte buffer) → strip CR/LF →
// decomment → `@id`/`@^id` filter → `$NAME=` definitions (multi-line with `\`) → `~SEQ`/`~SEQx`/`~LST`
// → `$NAME`/`${NAME}` substitution (re-decomment, re-scan) → `include*` → brace splitting → words.
// Pure: files, globs and the environment come through the injected ConfigHost.
//
// Verified against /usr/sbin/keepalived 2.2.7 (`keepalived -t -f FILE`), see the tests named "(2.2.7)".

import type { Diagnostic, KeepalivedErrorClass, Severity, SourcePos } from './types.js';
import type { ConfigHost } from './host.js';
import {
  byteStringToText,
  bytesToByteString,
  decomment,
  isBlank,
  plainDecommentEnd,
  skipBlanks,
  splitAtBrace,
  textToByteString,
  tokenizeInto,
} from './lexer.js';

export interface Token {
  readonly text: string;
  /** 1-based column of the token in its physical line (best effort after `$` substitution). */
  readonly col: number;
  readonly quoted: boolean;
}
export interface LogicalLine {
  readonly tokens: readonly Token[];
  /** pos.col = col of the first token. */
  readonly pos: SourcePos;
}
export interface PreprocessOptions {
  /** -i/--config-id; default computed by the caller (hostname up to the first dot). */
  readonly configId: string;
  /** -e/--all-config: all include checks on. */
  readonly allConfig: boolean;
  /** For `${_RANDOM}`: a number in [0, 1). Default: always 0. */
  readonly random?: () => number;
  /** Lower expansion limits (tests); each defaults to the exported MAX_… constant. */
  readonly limits?: Partial<ExpansionLimits>;
}
/** The expansion limits (see the MAX_… constants for what each bounds). */
export interface ExpansionLimits {
  readonly generatedLines: number;
  readonly expansionBytes: number;
  readonly expansionDepth: number;
  readonly substitutions: number;
  readonly inputBytes: number;
}
export interface PreprocessResult {
  readonly lines: readonly LogicalLine[];
  readonly diagnostics: readonly Diagnostic[];
  /** Every file read, main first (main as given, included files as absolute paths). */
  readonly files: readonly string[];
  /** How much expansion work was done (what the limits below are counted against). */
  readonly work: ExpansionWork;
}
export interface ExpansionWork {
  /** Lines emitted by `~SEQ`/`~LST`/multi-line expansions (against MAX_GENERATED_LINES). */
  readonly generatedLines: number;
  /** Bytes built by substitutions and emitted by expansions (against MAX_EXPANSION_BYTES). */
  readonly expansionBytes: number;
  /** Definition uses replaced, in all passes of all lines. */
  readonly substitutions: number;
  /** Bytes read from all files (against MAX_INPUT_BYTES). */
  readonly inputBytes: number;
}

// ───────────────────────────── limits (our own; keepalived has none) ─────────────────────────────
//
// havipd: keepalived 2.2.7 and 2.4.3 (lib/parser.c) bound an expansion only by MAXBUF (one substituted line
// stays under 1024 bytes) and by memory: `replace_param()` has no counter, `multiline_stack_push()` allocates
// without a limit, `add_seq()` takes any range. A definition that uses itself therefore hangs keepalived
// (`$A=$A`: `-t` never ends) or exhausts its memory (a self-using multi-line definition: "Keepalived: Cannot
// allocate memory", exit 204: 2.2.7 after ~9 s, 2.4.3 after ~23 s, under a 1 GB ulimit). havipd stops instead and
// reports where (file:line of the physical line being expanded) as a GENERAL_ERROR, so `-t` exits 5 (the daemon
// logs it, as keepalived's other general errors). A limit that trips drops the rest of that expansion (the
// byte, line and ~SEQ-depth limits: of every later one too) and reading the file goes on.

/** keepalived's MAXBUF: fgets reads at most MAXBUF-1 bytes at a time. */
export const MAXBUF = 1024;
/** Most items one `~SEQ` may produce. */
export const MAX_SEQ_ITEMS = 100_000;
/** Most lines all `~SEQ`/`~LST`/multi-line expansions together may produce. */
export const MAX_GENERATED_LINES = 50_000;
/**
 * Most bytes all expansions together may produce: every line built by a substitution (intermediate ones
 * included, so this bounds the work as well as the output) and every line a `~SEQ`/`~LST`/multi-line
 * expansion emits.
 */
export const MAX_EXPANSION_BYTES = 4 * 1024 * 1024;
/** Most logical lines in the output. */
export const MAX_OUTPUT_LINES = 2_000_000;
/** Deepest nesting of multi-line definition expansions, and of active `~SEQ`/`~LST` loops. */
export const MAX_EXPANSION_DEPTH = 64;
/** Most replacements in one substitution pass, and re-scans of one line. */
export const MAX_SUBSTITUTIONS = 10_000;
/** Deepest include nesting. */
export const MAX_INCLUDE_DEPTH = 64;
/** Most files read in total. */
export const MAX_FILES = 10_000;
/** Most bytes read from all files together (a file included again and again is read again each time). */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

// include check bits (lib/parser.h include_t)
const INCLUDE_R = 1;
const INCLUDE_M = 2;
const INCLUDE_W = 4;
const INCLUDE_B = 8;
const INCLUDE_ALL = INCLUDE_R | INCLUDE_M | INCLUDE_W | INCLUDE_B;

/**
 * True for the diagnostics that, like keepalived's `had_config_file_error()`, make `-t` (and start-up)
 * exit 6: include problems while an include check (`includer`…`includea`, `include_check`, `-e`) is on.
 */
export function isConfigFileError(d: Diagnostic): boolean {
  return d.kaClass === 'FILE_NOT_FOUND' && d.code.startsWith('include-');
}

// ───────────────────────────── paths (pure, POSIX) ─────────────────────────────

function normalizePath(p: string): string {
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
      continue;
    }
    out.push(part);
  }
  return (abs ? '/' : '') + out.join('/') || (abs ? '/' : '.');
}
function joinPath(dir: string, p: string): string {
  return p.startsWith('/') ? p : `${dir.replace(/\/+$/, '')}/${p}`;
}
function dirName(p: string): string {
  const i = p.replace(/\/+$/, '').lastIndexOf('/');
  if (i < 0) return '.';
  if (i === 0) return '/';
  return p.slice(0, i);
}

const GLOB_META = /[*?[]/;

/** True if the pattern has a `{` not escaped by `\` (keepalived `have_brace()`). */
function hasBrace(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++;
    else if (pattern[i] === '{') return true;
  }
  return false;
}

/** csh-style brace expansion as glibc GLOB_BRACE does it (alternatives in written order, nested allowed). */
export function expandBraces(pattern: string, limit = 10_000): string[] {
  let open = -1;
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '\\') {
      i++;
      continue;
    }
    if (pattern[i] === '{') {
      open = i;
      break;
    }
  }
  if (open < 0) return [pattern];
  let depth = 0;
  let close = -1;
  const commas: number[] = [];
  for (let i = open; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) {
        close = i;
        break;
      }
    } else if (c === ',' && depth === 1) commas.push(i);
  }
  if (close < 0) return [pattern]; // glibc: unbalanced brace → GLOB_NOMATCH; treated as a literal here
  const pre = pattern.slice(0, open);
  const post = pattern.slice(close + 1);
  const bounds = [open, ...commas, close];
  const out: string[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const alt = pattern.slice(bounds[k]! + 1, bounds[k + 1]!);
    for (const e of expandBraces(pre + alt + post, limit)) {
      out.push(e);
      if (out.length >= limit) return out;
    }
  }
  return out;
}

// ───────────────────────────── C helpers ─────────────────────────────

const isAlpha = (c: string | undefined): boolean => c !== undefined && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) && c.length === 1;
const isAlnum = (c: string | undefined): boolean => isAlpha(c) || (c !== undefined && c >= '0' && c <= '9' && c.length === 1);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

function spanBlanks(s: string, i: number): number {
  while (isBlank(s[i])) i++;
  return i;
}

const LONG_MAX = 9223372036854775807;

/** C `strtol(s + i, &end, 0)`: leading white space, sign, 0x / 0 prefixes; no digits → 0 and end = i. */
function strtol0(s: string, i: number): { value: number; end: number } {
  let p = i;
  while (p < s.length && ' \t\n\v\f\r'.includes(s[p]!)) p++;
  let neg = false;
  if (s[p] === '+' || s[p] === '-') {
    neg = s[p] === '-';
    p++;
  }
  let base = 10;
  if (s[p] === '0' && (s[p + 1] === 'x' || s[p + 1] === 'X') && /[0-9a-fA-F]/.test(s[p + 2] ?? '')) {
    base = 16;
    p += 2;
  } else if (s[p] === '0') base = 8;
  const start = p;
  let v = 0;
  for (; p < s.length; p++) {
    const d = parseInt(s[p]!, 16);
    if (Number.isNaN(d) || d >= base) break;
    v = Math.min(v * base + d, LONG_MAX);
  }
  if (p === start) return { value: 0, end: i };
  return { value: neg ? -v : v, end: p };
}

function strtoulDec(s: string, i: number): { value: number; end: number } {
  let p = spanBlanks(s, i);
  const start = p;
  let v = 0;
  while (isDigit(s[p])) v = Math.min(v * 10 + (s.charCodeAt(p++) - 48), Number.MAX_SAFE_INTEGER);
  return p === start ? { value: 0, end: i } : { value: v, end: p };
}

// ───────────────────────────── definitions, ~SEQ, ~LST ─────────────────────────────

interface Def {
  value: string;
  multiline: boolean;
  fn?: (params: string | undefined) => string;
  maxParams: number;
  /** keepalived 2.3+: fewest parameters when some are given, and whether they must be numbers. */
  minParams?: number;
  numbersOnly?: boolean;
}

interface Seq {
  kind: 'seq';
  variable: string;
  next: number;
  last: number;
  step: number;
  hex: boolean;
  text: string;
}
interface Lst {
  kind: 'lst';
  params: string[];
  sets: string[][];
  nextSet: number;
  text: string;
}

interface FileState {
  display: string;
  abs: string;
  /** The physical line pieces (splitLines), and the line number of each. */
  lines: PhysicalLines;
  idx: number;
}
/** Two parallel arrays rather than an object per line (the preprocessor's hot path allocates little). */
interface PhysicalLines {
  readonly texts: string[];
  readonly lineNos: number[];
}
interface IncludeEntry {
  pattern: string;
  includeType: number;
  savIncludeCheck: number;
  matches: string[];
  next: number;
  numMatches: number;
  file: FileState | undefined;
}


/**
 * Runs keepalived's line pipeline over `mainFile` and its includes. Never throws on bad input.
 *
 * Reports, besides the lexical problems: `Extra '}' found` (keepalived reports it in `read_line()`).
 * It does NOT report missing `}` at the end of input: the keyword layer does (count the brace lines).
 */
export function preprocess(mainFile: string, host: ConfigHost, opts: PreprocessOptions): PreprocessResult {
  return new Preprocessor(host, opts).run(mainFile);
}

class Preprocessor {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly lines: LogicalLine[] = [];
  private readonly files: string[] = [];
  private readonly defs = new Map<string, Def>();
  private readonly seqs: (Seq | Lst)[] = [];
  private readonly multilineStack: { rest: string; seqDepth: number }[] = [];
  private readonly stack: IncludeEntry[] = [];
  private readonly configId: string;
  private readonly limits: ExpansionLimits;
  private includeCheck: number;
  private multilineRest: string | undefined;
  private multilineSeqDepth = 0;
  /** The text after a brace that finishLine split off, read as the next line, and where it starts. */
  private residue: string | undefined;
  private residueFile = '';
  private residueLine = 0;
  private residueCol = 1;
  /** Where the text readLine() returned last starts (what a Buf's pos was; no object per line). */
  private outFile = '';
  private outLine = 0;
  private outCol = 1;
  /** readLine()'s multi-line `$NAME=` definition in progress (reset by each call). */
  private rlDef: Def | undefined;
  private rlMultilineDef = false;
  private readonly tokenScratch: Token[] = [];
  private blockDepth = 0;
  private generated = 0;
  private expansionBytes = 0;
  /** Set once an expansion limit tripped: no more substitutions or expansions from then on. */
  private expansionStopped = false;
  private substitutions = 0;
  private inputBytes = 0;
  private filesRead = 0;
  /** The physical line being read (its position is built only when a diagnostic needs it). */
  private curFile = '';
  private curLine = 0;
  private readonly cwd: string;

  constructor(
    private readonly host: ConfigHost,
    private readonly opts: PreprocessOptions,
  ) {
    this.configId = textToByteString(opts.configId);
    this.limits = {
      generatedLines: opts.limits?.generatedLines ?? MAX_GENERATED_LINES,
      expansionBytes: opts.limits?.expansionBytes ?? MAX_EXPANSION_BYTES,
      expansionDepth: opts.limits?.expansionDepth ?? MAX_EXPANSION_DEPTH,
      substitutions: opts.limits?.substitutions ?? MAX_SUBSTITUTIONS,
      inputBytes: opts.limits?.inputBytes ?? MAX_INPUT_BYTES,
    };
    this.includeCheck = opts.allConfig ? INCLUDE_ALL : 0;
    this.cwd = normalizePath(host.cwd());
    const rnd = opts.random ?? ((): number => 0);
    this.defs.set('_PWD', { value: '', multiline: false, maxParams: 0, fn: () => textToByteString(this.currentDir()) });
    this.defs.set('_INSTANCE', { value: '', multiline: false, maxParams: 0, fn: () => this.configId });
    this.defs.set('_RANDOM', { value: '', multiline: false, maxParams: 2, numbersOnly: true, fn: (p) => randomValue(p, rnd) });
    // keepalived 2.3+: ${_ENV NAME} is the environment variable's value (empty when unset).
    this.defs.set('_ENV', { value: '', multiline: false, minParams: 1, maxParams: 1, fn: (p) => (p === undefined ? '' : textToByteString(host.env(p) ?? '')) });
    this.defs.set('_HASH', { value: '#', multiline: false, maxParams: 0 });
    this.defs.set('_BANG', { value: '!', multiline: false, maxParams: 0 });
  }

  // ───── diagnostics ─────

  /** The position of the physical line being read, column 1. */
  private curPos(): SourcePos {
    return { file: this.curFile, line: this.curLine, col: 1 };
  }

  private report(
    severity: Severity,
    code: string,
    kaClass: KeepalivedErrorClass | undefined,
    message: string,
    pos: SourcePos | undefined = this.curFile ? this.curPos() : undefined,
    hint?: string,
  ): void {
    if (this.diagnostics.length >= 10_000) return;
    const d: Diagnostic = hint === undefined ? { severity, code, kaClass, pos, message } : { severity, code, kaClass, pos, message, hint };
    this.diagnostics.push(d);
  }

  /** keepalived `file_config_error()`: an error (class FILE_NOT_FOUND) only if the check is on. */
  private fileError(type: number, code: string, message: string, inactiveSeverity: Severity = 'warning'): void {
    const top = this.stack[this.stack.length - 1];
    const active = ((this.includeCheck | (top ? top.includeType : 0)) & type) !== 0;
    if (active) this.report('error', code, 'FILE_NOT_FOUND', message);
    else this.report(inactiveSeverity, code, undefined, message, undefined, 'keepalived only logs this; an include check (includer, includea, include_check, -e) makes it an error');
  }

  private currentDir(): string {
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const f = this.stack[i]!.file;
      if (f) return dirName(f.abs);
    }
    return this.cwd;
  }

  // ───── entry ─────

  run(mainFile: string): PreprocessResult {
    const abs = normalizePath(joinPath(this.cwd, mainFile));
    // keepalived check_conf_file(): the main file is a glob too.
    const matches = this.globMatches(abs, 0);
    if (matches === undefined || matches.length === 0) {
      this.report(
        'error',
        'config-file-missing',
        this.opts.allConfig ? 'FILE_NOT_FOUND' : undefined,
        `Config files missing '${mainFile}'.`,
        undefined,
        'keepalived -t exits 0 here unless -e is given; the daemon exits 6',
      );
      return this.result();
    }
    if (matches.length > 1) {
      this.report('warning', 'config-file-multiple', 'MULTIPLE_FILES', `WARNING, multiple configuration file matches of ${mainFile}, starting with ${matches[0]}`);
    }
    // keepalived check_conf_file(): every match must be a readable regular non-executable file.
    for (const m of matches) {
      const st = m.endsWith('/') ? undefined : this.host.stat(m);
      if (st === undefined || !st.ok || st.kind !== 'file' || st.executable) {
        const what = st === undefined ? 'is a directory' : 'is not a regular non-executable file';
        this.report('error', 'config-file-not-regular', this.opts.allConfig ? 'FILE_NOT_FOUND' : undefined, `Configuration file '${byteStringToText(m)}' ${what} - skipping`, undefined, 'keepalived -t exits 0 here unless -e is given; the daemon exits 6');
        return this.result();
      }
    }
    const entry: IncludeEntry = {
      pattern: mainFile,
      includeType: INCLUDE_R | INCLUDE_M | INCLUDE_W,
      savIncludeCheck: this.includeCheck,
      matches,
      next: 0,
      numMatches: 0,
      file: undefined,
    };
    this.stack.push(entry);
    if (!this.openNext(entry, mainFile, abs)) {
      this.stack.pop();
      this.fileError(INCLUDE_R, 'include-open-failed', 'Failed to open configuration file');
      return this.result();
    }
    this.loop();
    return this.result();
  }

  private result(): PreprocessResult {
    const work: ExpansionWork = { generatedLines: this.generated, expansionBytes: this.expansionBytes, substitutions: this.substitutions, inputBytes: this.inputBytes };
    return { lines: this.lines, diagnostics: this.diagnostics, files: this.files, work };
  }

  // ───── files and globs ─────

  /**
   * keepalived `open_and_check_glob()`: the matches of `pattern` (absolute), or undefined after reporting.
   * Missing literal paths and missing directories are found with stat, as glibc's GLOB_ALTDIRFUNC hooks do.
   */
  private globMatches(pattern: string, includeType: number): string[] | undefined {
    const alternatives = hasBrace(pattern) ? expandBraces(pattern) : [pattern];
    let missingFiles = 0;
    let missingDirs = 0;
    let haveWildcards = false;
    const out: string[] = [];
    for (const alt of alternatives) {
      const unescaped = alt.replace(/\\(.)/g, '$1');
      if (!GLOB_META.test(alt)) {
        const st = this.host.stat(unescaped);
        if (st.ok) out.push(st.kind === 'dir' ? `${unescaped}/` : unescaped);
        else missingFiles++;
        continue;
      }
      haveWildcards = true;
      let found: readonly string[];
      try {
        found = this.host.glob(alt);
      } catch {
        found = [];
      }
      if (found.length === 0) {
        // Was a directory missing on the way to the first wildcard?
        const metaAt = alt.search(GLOB_META);
        const dir = dirName(alt.slice(0, metaAt + 1));
        const st = this.host.stat(dir.replace(/\\(.)/g, '$1'));
        if (!st.ok || st.kind !== 'dir') missingDirs++;
      }
      for (const f of found) {
        const st = this.host.stat(f);
        out.push(st.ok && st.kind === 'dir' ? `${f}/` : f);
        if (out.length > MAX_FILES) break;
      }
    }
    if (out.length === 0) {
      if (missingFiles || missingDirs) this.fileErrorFor(includeType, hasBrace(pattern) ? INCLUDE_B : INCLUDE_M, 'include-missing', `Config files missing '${byteStringToText(pattern)}'.`);
      else if (haveWildcards && ((this.includeCheck | includeType) & INCLUDE_W))
        this.fileErrorFor(includeType, INCLUDE_W, 'include-no-match', `No config files matched '${byteStringToText(pattern)}'.`);
      else if (haveWildcards) this.report('info', 'include-no-match', undefined, `No config files matched '${byteStringToText(pattern)}'.`);
      return includeType === 0 && this.stack.length === 0 ? [] : undefined;
    }
    if (missingFiles || missingDirs) {
      this.fileErrorFor(includeType, INCLUDE_B, 'include-some-missing', `Some config files missing: "${byteStringToText(pattern)}".`);
      if ((this.includeCheck | includeType) & INCLUDE_B) return undefined;
    }
    return out;
  }

  /** fileError, but for an entry not pushed yet (the main file). */
  private fileErrorFor(includeType: number, type: number, code: string, message: string): void {
    if (this.stack.length === 0) {
      // main-file check: reported by run() as config-file-missing
      if (code === 'include-missing' || code === 'include-no-match') return;
      const active = ((this.includeCheck | includeType) & type) !== 0;
      this.report(active ? 'error' : 'warning', code, active ? 'FILE_NOT_FOUND' : undefined, message);
      return;
    }
    this.fileError(type, code, message);
  }

  /** keepalived `open_conf_file()`: open the next usable match of `entry`. */
  private openNext(entry: IncludeEntry, _pattern: string, mainAbs?: string): boolean {
    while (entry.next < entry.matches.length) {
      const match = entry.matches[entry.next++]!;
      if (match.endsWith('/')) {
        this.fileError(INCLUDE_R, 'include-is-directory', `Configuration file '${byteStringToText(match)}' is a directory - skipping`);
        continue;
      }
      const st = this.host.stat(match);
      if (!st.ok || st.kind !== 'file' || st.executable) {
        this.fileError(INCLUDE_R, 'include-not-regular-file', `Configuration file '${byteStringToText(match)}' is not a regular non-executable file - skipping`);
        continue;
      }
      const abs = normalizePath(match);
      const open = this.stack.some((e) => e.file?.abs === abs);
      if (open) {
        // keepalived recurses until it runs out of file descriptors (EMFILE), then skips; we stop at once.
        // keepalived-compat: its recursion ends in errors (duplicate blocks, EMFILE), so -t exits 5, or 6
        // with an include check; the loop is reported with the class that gives the same exit code.
        // Test: test/unit/config-parser/preprocess.test.ts "detects an include loop A → B → A and goes on (binary recurses until EMFILE) (ours)"; test/cli/cli.test.ts "an include loop".
        const top = this.stack[this.stack.length - 1];
        const checked = ((this.includeCheck | (top ? top.includeType : 0)) & INCLUDE_R) !== 0;
        this.report('error', 'include-loop', checked ? 'FILE_NOT_FOUND' : 'GENERAL_ERROR', `Configuration file '${byteStringToText(match)}' is already being read (include loop) - skipping`);
        continue;
      }
      if (this.stack.length > MAX_INCLUDE_DEPTH) {
        this.fileError(INCLUDE_R, 'include-too-deep', `Configuration file '${byteStringToText(match)}' open problem (includes nested more than ${MAX_INCLUDE_DEPTH} deep) - skipping`);
        continue;
      }
      if (this.filesRead >= MAX_FILES) {
        this.fileError(INCLUDE_R, 'include-too-many-files', `Configuration file '${byteStringToText(match)}' open problem (more than ${MAX_FILES} files read) - skipping`);
        continue;
      }
      const data = this.host.readFile(match);
      if (!data.ok) {
        this.fileError(INCLUDE_R, 'include-open-failed', `Configuration file '${byteStringToText(match)}' open problem (${data.errno}) - skipping`);
        continue;
      }
      if (this.inputBytes + data.data.length > this.limits.inputBytes) {
        // havipd: keepalived reads on; a small file that includes a big one many times would be a memory bomb.
        this.report('error', 'input-too-large', 'GENERAL_ERROR', `Configuration file '${byteStringToText(match)}' not read: the files read so far and it hold more than ${this.limits.inputBytes} bytes`, undefined, 'include each file once; havipd limits the total it reads');
        continue;
      }
      this.inputBytes += data.data.length;
      this.filesRead++;
      const display = mainAbs !== undefined && this.stack.length === 1 && abs === mainAbs ? byteStringToText(textToByteString(entry.pattern)) : byteStringToText(abs);
      if (!this.files.includes(display)) this.files.push(display);
      entry.file = { display, abs, lines: this.splitLines(data.data, display), idx: 0 };
      entry.numMatches++;
      return true;
    }
    return false;
  }

  /** fgets(buf, 1024) emulation: physical lines in pieces of at most 1023 bytes, CR/LF stripped, cut at NUL. */
  private splitLines(data: Uint8Array, display: string): PhysicalLines {
    const s = bytesToByteString(data);
    const texts: string[] = [];
    const lineNos: number[] = [];
    const out = { push: (l: { text: string; line: number }): void => void (texts.push(l.text), lineNos.push(l.line)) };
    let lineNo = 0;
    let start = 0;
    let nextNul = s.indexOf('\0');
    while (start < s.length) {
      let nl = s.indexOf('\n', start);
      const hasNl = nl >= 0;
      if (!hasNl) nl = s.length;
      lineNo++;
      const end = hasNl ? nl + 1 : nl;
      if (nextNul >= 0 && nextNul < start) nextNul = s.indexOf('\0', start);
      if (end - start < MAXBUF - 1 && (nextNul < 0 || nextNul >= end)) {
        // Fast path, same result as the loop below: one piece (shorter than fgets' buffer) and no NUL.
        let len = end;
        let c: number;
        while (len > start && ((c = s.charCodeAt(len - 1)) === 10 || c === 13)) len--;
        texts.push(len - start === s.length ? s : s.slice(start, len));
        lineNos.push(lineNo);
        start = end;
        continue;
      }
      const full = s.slice(start, end);
      const step = MAXBUF - 1;
      for (let off = 0; off < full.length; off += step) {
        let piece = full.slice(off, off + step);
        const nul = piece.indexOf('\0');
        // havipd: follows keepalived 2.4.3 read_line(): a piece that does not end the line is refused whole —
        // "line too long" when it filled the buffer, "embedded NULs" when a NUL cut it short (2.2.7 kept the
        // piece, up to the NUL, as a line of its own). A NUL in a last line without '\n' still just cuts it.
        const atEof = !hasNl && off + step >= full.length;
        if (nul >= 0 && !atEof) {
          this.report('error', 'nul-byte', 'GENERAL_ERROR', 'configuration appears to have embedded NULs - ignoring line', { file: display, line: lineNo, col: off + nul + 1 });
          out.push({ text: '', line: lineNo });
          continue;
        }
        if (nul < 0 && piece.length === step && !piece.endsWith('\n')) {
          // One diagnostic per physical line (keepalived repeats it for every 1023 bytes).
          if (off === 0) this.report('error', 'line-too-long', 'GENERAL_ERROR', `line too long - ignoring (keepalived reads ${step} bytes at a time: each full piece is refused, the rest of the line is read as a line of its own)`, { file: display, line: lineNo, col: 1 });
          continue;
        }
        if (nul >= 0) {
          this.report('warning', 'nul-byte', undefined, 'NUL byte in the last line: keepalived ignores the rest of the line after it', { file: display, line: lineNo, col: off + nul + 1 });
          piece = piece.slice(0, nul);
        }
        let len = piece.length;
        while (len > 0 && (piece[len - 1] === '\n' || piece[len - 1] === '\r')) len--;
        out.push({ text: piece.slice(0, len), line: lineNo });
      }
      start = hasNl ? nl + 1 : nl;
    }
    return { texts, lineNos };
  }

  /** keepalived `get_next_file()`: the current file ended. False at the end of everything. */
  private nextFile(): boolean {
    const entry = this.stack[this.stack.length - 1]!;
    this.includeCheck = entry.savIncludeCheck;
    entry.file = undefined;
    if (this.openNext(entry, entry.pattern)) return true;
    this.stack.pop();
    return this.stack.length > 0;
  }

  /** keepalived `check_include()`. True if `text` was an include directive (handled). */
  private checkInclude(text: string): boolean {
    if (!text.startsWith('include') || text.length <= 7) return false;
    const c7 = text[7]!;
    let type: number;
    let p: number;
    if (' \t\n\v\f\r'.includes(c7)) {
      type = 0;
      p = 8;
    } else if (text.length > 8 && ' \t\n\v\f\r'.includes(text[8]!) && 'rmwba'.includes(c7)) {
      p = 9;
      type = c7 === 'r' ? INCLUDE_R : c7 === 'a' ? INCLUDE_ALL : c7 === 'w' ? INCLUDE_R | INCLUDE_M | INCLUDE_W : c7 === 'm' ? INCLUDE_R | INCLUDE_M : INCLUDE_R | INCLUDE_B;
    } else return false;
    p = spanBlanks(text, p);
    const pattern = text.slice(p);
    const abs = normalizePath(joinPath(this.currentDir(), pattern));
    const entry: IncludeEntry = { pattern: byteStringToText(pattern), includeType: type, savIncludeCheck: this.includeCheck, matches: [], next: 0, numMatches: 0, file: undefined };
    this.stack.push(entry);
    if (pattern === '') {
      this.fileError(INCLUDE_R, 'include-missing', `Config files missing ''.`);
      this.stack.pop();
      return true;
    }
    const matches = this.globMatches(abs, type);
    if (matches === undefined) {
      this.stack.pop();
      return true;
    }
    entry.matches = matches;
    if (!this.openNext(entry, pattern)) {
      this.includeCheck = entry.savIncludeCheck;
      this.stack.pop();
    }
    return true;
  }

  // ───── the read_line() loop ─────

  private loop(): void {
    for (;;) {
      const text = this.readLine();
      if (text === undefined) return;
      const before = this.lines.length;
      this.emit(text);
      const last = this.lines[this.lines.length - 1];
      if (last && this.lines.length > before && last.tokens[0]?.text === 'include_check') this.includeCheckSet(last.tokens.slice(1).map((t) => t.text));
      if (this.lines.length >= MAX_OUTPUT_LINES) {
        this.report('error', 'too-many-lines', 'GENERAL_ERROR', `more than ${MAX_OUTPUT_LINES} configuration lines; the rest is ignored`);
        return;
      }
    }
  }

  /**
   * keepalived `include_check_set()` (global_defs `include_check [[+|-]read|match|wildcard_match|brace_match]…`):
   * its effect on later includes. Applied wherever the keyword appears; its messages are the keyword layer's.
   */
  private includeCheckSet(words: readonly string[]): void {
    if (words.length === 0) {
      this.includeCheck = INCLUDE_ALL;
      return;
    }
    words.forEach((word, i) => {
      const sign = word[0] === '-' ? -1 : word[0] === '+' ? 1 : 0;
      if (sign === 0) {
        if (i !== 0) return;
        this.includeCheck = 0;
      }
      const name = sign === 0 ? word : word.slice(1);
      const flag = name === 'read' ? INCLUDE_R : name === 'match' ? INCLUDE_M : name === 'wildcard_match' ? INCLUDE_W : name === 'brace_match' ? INCLUDE_B : 0;
      if (!flag) return;
      if (sign === 0) this.includeCheck = INCLUDE_R | flag;
      else if (sign > 0) this.includeCheck |= flag;
      else this.includeCheck &= ~flag;
    });
  }

  /**
   * Reads the next physical line of the innermost file (skipping blank ones), decommented; undefined at the
   * very end. Sets outFile/outLine/outCol to where the text starts.
   */
  private physicalLine(): string | undefined {
    for (;;) {
      if (this.stack.length === 0) return undefined;
      const entry = this.stack[this.stack.length - 1]!;
      const file = entry.file;
      if (!file || file.idx >= file.lines.texts.length) {
        if (!this.nextFile()) return undefined;
        continue;
      }
      const idx = file.idx++;
      const raw = file.lines.texts[idx]!;
      this.curFile = file.display;
      this.curLine = file.lines.lineNos[idx]!;
      if (raw.length === 0) {
        this.endDefOnBlank();
        continue;
      }
      const start = skipBlanks(raw, 0);
      const end = plainDecommentEnd(raw, start);
      if (end >= 0) {
        // No quote and no backslash: decomment twice in one step (lexer.ts, property-tested against it).
        if (end === start) continue;
        this.outFile = this.curFile;
        this.outLine = this.curLine;
        this.outCol = start + 1;
        return start === 0 && end === raw.length ? raw : raw.slice(start, end);
      }
      const dc = decomment(raw);
      if (dc.unterminatedQuote) this.report('error', 'unterminated-quote', 'GENERAL_ERROR', `Unterminated quote '${byteStringToText(dc.quotedForError)}'`, { file: this.curFile, line: this.curLine, col: dc.leadingRemoved + 1 });
      if (dc.text === '') continue;
      // keepalived-compat: the VRRP child reads the parent's consolidated copy of the configuration, whose
      // lines are already decommented, and decomments them again: `\#` outside quotes ends up a comment.
      // Test: test/unit/config-parser/preprocess.test.ts "comments, quotes, braces, words (2.2.7)" (\\# outside quotes).
      const dc2 = decomment(dc.text);
      if (dc2.text === '') continue;
      this.outFile = this.curFile;
      this.outLine = this.curLine;
      this.outCol = dc.leadingRemoved + 1;
      return dc2.text;
    }
  }

  /** A blank physical line ends a multi-line `$NAME=` definition that readLine() is reading. */
  private endDefOnBlank(): void {
    if (this.rlMultilineDef) {
      this.rlMultilineDef = false;
      const def = this.rlDef;
      if (def && def.value.length === 0) def.multiline = false;
    }
  }

  /** Counts one line emitted by an expansion; false (after reporting once) when over a limit. */
  private countGenerated(bytes: number): boolean {
    if (this.expansionStopped) return this.stopExpansion();
    if (++this.generated > this.limits.generatedLines) {
      this.report('error', 'expansion-too-large', 'GENERAL_ERROR', `~SEQ/~LST/multi-line definitions expand to more than ${this.limits.generatedLines} lines; the rest of the expansion is dropped`, undefined, 'keepalived has no limit here; split the expansion, or generate the file');
      return this.stopExpansion();
    }
    return this.charge(bytes);
  }

  /** Counts `bytes` of expansion; false (after reporting once) when over MAX_EXPANSION_BYTES. */
  private charge(bytes: number): boolean {
    if (this.expansionStopped) return this.stopExpansion();
    this.expansionBytes += bytes;
    if (this.expansionBytes <= this.limits.expansionBytes) return true;
    this.report('error', 'expansion-too-large', 'GENERAL_ERROR', `parameter substitutions and ~SEQ/~LST/multi-line expansions produce more than ${this.limits.expansionBytes} bytes; the rest of the expansion is dropped`, undefined, 'keepalived has no limit here; a definition that grows on every use, or nested ~SEQ, multiply quickly');
    return this.stopExpansion();
  }

  /** Drops every pending expansion, and stops all later ones. Returns false. */
  private stopExpansion(): false {
    this.expansionStopped = true;
    this.seqs.length = 0;
    this.multilineRest = undefined;
    this.multilineStack.length = 0;
    this.multilineSeqDepth = 0;
    return false;
  }

  /** The next logical line's text, or undefined at the very end; outFile/outLine/outCol say where it starts. */
  private readLine(): string | undefined {
    this.rlDef = undefined;
    this.rlMultilineDef = false;
    for (;;) {
      let text: string;
      if (this.residue) {
        text = this.residue;
        this.residue = undefined;
        this.outFile = this.residueFile;
        this.outLine = this.residueLine;
        this.outCol = this.residueCol;
      } else if (this.seqs.length > this.multilineSeqDepth) {
        const seq = this.seqs[this.seqs.length - 1]!;
        if (this.countGenerated(seq.text.length + 1)) {
          if (seq.kind === 'seq') {
            const val = seq.hex ? seq.next.toString(16) : String(seq.next);
            this.defs.set(seq.variable, { value: val, multiline: false, maxParams: 0 });
            text = seq.text;
            seq.next += seq.step;
            if ((seq.step > 0 && seq.next > seq.last) || (seq.step < 0 && seq.next < seq.last)) this.seqs.pop();
          } else {
            const set = seq.sets[seq.nextSet]!;
            seq.params.forEach((name, k) => this.defs.set(name, { value: set[k] ?? '', multiline: false, maxParams: 0 }));
            text = seq.text;
            if (++seq.nextSet >= seq.sets.length) this.seqs.pop();
          }
        } else continue;
        this.outAtCurrentLine();
      } else if (this.multilineRest !== undefined) {
        const rest = this.multilineRest;
        const nl = rest.indexOf('\n');
        if (!this.countGenerated((nl < 0 ? rest.length : nl) + 1)) continue;
        if (nl < 0) {
          text = rest;
          const popped = this.multilineStack.pop();
          if (popped) {
            this.multilineRest = popped.rest;
            this.multilineSeqDepth = popped.seqDepth;
          } else {
            this.multilineRest = undefined;
            this.multilineSeqDepth = 0;
          }
        } else {
          text = rest.slice(0, nl);
          this.multilineRest = rest.slice(nl + 1);
        }
        this.outAtCurrentLine();
      } else {
        const t = this.physicalLine();
        if (t === undefined) return undefined;
        text = t;
      }

      // multi-line $NAME= definition in progress
      const def = this.rlDef;
      if (this.rlMultilineDef && def) {
        let len = text.length;
        let piece = text;
        if (len > 0 && text[len - 1] === '\\') {
          len--;
          while (len >= 1 && isBlank(text[len - 1])) len--;
          piece = `${text.slice(0, len)}\n`;
          len++;
        } else {
          this.rlMultilineDef = false;
          if (def.value.length === 0) def.multiline = false;
        }
        if (len >= 2 || (len > 0 && !this.rlMultilineDef)) def.value += piece.slice(0, len);
        continue;
      }
      if (text.length === 0) continue;

      let rechecks = 0;
      let recheck: boolean;
      let cycle: CycleCheck | undefined;
      do {
        recheck = false;
        if (text[0] === '@') {
          const rev = text[1] === '^';
          const ofs = rev ? 2 : 1;
          let sp = ofs;
          while (sp < text.length && !isBlank(text[sp])) sp++;
          if (sp >= text.length) {
            text = '';
            break;
          }
          const matches = text.slice(ofs, sp) === this.configId;
          if (matches === rev) {
            text = '';
            break;
          }
          text = text.slice(spanBlanks(text, sp));
        }
        if (text[0] === '$') {
          const d = this.checkDefinition(text);
          if (d) {
            this.rlDef = d;
            if (d.multiline) this.rlMultilineDef = true;
            text = '';
            break;
          }
        }
        if (text.startsWith('~SEQ') || text.startsWith('~LST')) {
          if (text[1] === 'S') {
            if (!this.addSeq(text)) this.report('error', 'seq-invalid', 'GENERAL_ERROR', `Invalid ~SEQ specification '${byteStringToText(text)}'`, undefined, 'expected ~SEQ(var, end), ~SEQ(var, start, end) or ~SEQ(var, start, step, end)');
          } else if (!this.addLst(text)) {
            this.report('error', 'lst-invalid', 'GENERAL_ERROR', `Invalid ~LST specification '${byteStringToText(text)}'`, undefined, 'expected ~LST(var, v1, v2, ...) or ~LST({var1,var2}, {a1,a2}, ...)');
          }
          text = '';
          break;
        }
        if (text[0] === '~') break;
        if (text.includes('$')) {
          const r = this.replaceParam(text, MAXBUF);
          if (!r.found) break;
          text = r.text;
          const dc = decomment(text);
          if (dc.unterminatedQuote) this.report('error', 'unterminated-quote', 'GENERAL_ERROR', `Unterminated quote '${byteStringToText(dc.quotedForError)}'`);
          text = dc.text;
          if (text[0] === '@' || text.includes('$')) recheck = true;
          // Each re-scan depends on the text alone: the same text twice is a loop keepalived never leaves.
          if (recheck && ++rechecks > this.limits.substitutions) {
            this.reportLoop(text, false);
            break;
          }
          if (recheck && (cycle ??= new CycleCheck(-1, '')).repeats(0, text)) {
            this.reportLoop(text, true);
            break;
          }
        }
      } while (recheck);

      if (text === '') continue;
      if (this.checkInclude(text)) continue;
      return this.finishLine(text);
    }
  }

  /** A line from a ~SEQ/~LST or multi-line expansion starts at column 1 of the physical line being read. */
  private outAtCurrentLine(): void {
    this.outFile = this.curFile;
    this.outLine = this.curLine;
    this.outCol = 1;
  }

  /** Brace split, trailing blanks, and keepalived's `Extra '}' found` check, on the text readLine() returns. */
  private finishLine(input: string): string {
    let text = input;
    // No brace at all (most lines): nothing to split, as splitAtBrace would find.
    const split = text.indexOf('{') < 0 && text.indexOf('}') < 0 ? undefined : splitAtBrace(text);
    if (split) {
      this.residue = split.residue;
      this.residueFile = this.outFile;
      this.residueLine = this.outLine;
      this.residueCol = this.outCol + split.residueOffset;
      text = split.head;
    }
    let len = text.length;
    while (len > 0 && isBlank(text[len - 1])) len--;
    if (len < text.length) text = text.slice(0, len);
    if (text === '{') this.blockDepth++;
    else if (text === '}') {
      if (this.blockDepth-- < 1) {
        this.report('error', 'extra-close-brace', 'UNEXPECTED_EOB', "Extra '}' found", { file: this.outFile, line: this.outLine, col: this.outCol }, 'remove it, or add the missing block start');
        this.blockDepth = 0;
      }
    }
    return text;
  }

  /** Splits the text readLine() returned into words and adds the logical line (outFile/outLine/outCol: where). */
  private emit(text: string): void {
    // Words go to a reused array first, then a copy of exactly their number is kept (an array grown by push
    // from empty holds room for 17, and there is one per line).
    const scratch = this.tokenScratch;
    scratch.length = 0;
    const unmatched = tokenizeInto(text, this.outCol, scratch);
    const tokens: Token[] = scratch.slice();
    if (unmatched) {
      this.report('error', 'unmatched-quote', 'UNMATCHED_QUOTE', `Unmatched quote: '${byteStringToText(text)}'`, { file: this.outFile, line: this.outLine, col: this.outCol }, 'close the double quote; words after an unmatched quote are ignored');
    }
    if (tokens.length === 0) return;
    this.lines.push({ tokens, pos: { file: this.outFile, line: this.outLine, col: tokens[0]!.col } });
  }

  // ───── $NAME definitions and substitution ─────

  /** keepalived `check_definition()`: `$NAME=value` (no blank before `=`). */
  private checkDefinition(text: string): Def | undefined {
    if (!isAlpha(text[1]) && text[1] !== '_') return undefined;
    let p = 2;
    while (p < text.length && text[p] !== '=') {
      if (!isAlnum(text[p]) && text[p] !== '_') return undefined;
      p++;
    }
    if (text[p] !== '=') return undefined;
    const name = text.slice(1, p);
    let v = spanBlanks(text, p + 1);
    let value = text.slice(v);
    let multiline = false;
    if (value.endsWith('\\')) {
      let len = value.length;
      while (len >= 2 && isBlank(value[len - 2])) len--;
      if (len < 2) {
        v += len;
        value = '';
      } else value = `${value.slice(0, len - 1)}\n`;
      multiline = true;
    }
    const existing = this.defs.get(name);
    const def: Def = { value, multiline, maxParams: existing?.maxParams ?? 0 };
    this.defs.set(name, def);
    return def;
  }

  /**
   * A definition use (or a chain of them) that never ends (`cycle`: the line came back to a state it was in;
   * keepalived 2.2.7 hangs or runs out of memory), or that needs more replacements than the limit.
   */
  private reportLoop(line: string, cycle: boolean): void {
    const shown = byteStringToText(line.slice(0, 200));
    if (cycle) {
      this.report('error', 'substitution-loop', 'GENERAL_ERROR', `parameter substitution does not terminate on line '${shown}'`, undefined, 'a definition expands to itself ($A=$A, or $A=$B with $B=$A); keepalived 2.2.7 hangs or runs out of memory here');
    } else {
      this.report('error', 'substitution-loop', 'GENERAL_ERROR', `parameter substitution on line '${shown}' needs more than ${this.limits.substitutions} replacements`, undefined, 'definitions that use others many times over multiply; keepalived has no limit here');
    }
  }

  /** keepalived `find_definition()` for a use at `text[i]` (just after the `$`). */
  private findUse(text: string, i: number): { def: Def; end: number; params: string | undefined } | undefined {
    let braces = false;
    let n = i;
    if (text[n] === '{') {
      braces = true;
      n++;
    }
    if (!isAlpha(text[n]) && text[n] !== '_') return undefined;
    let p = n + 1;
    while (p < text.length && (isAlnum(text[p]) || text[p] === '_')) p++;
    const name = text.slice(n, p);
    let paramStart = -1;
    let paramEnd = -1;
    // havipd: follows keepalived 2.4.3 find_definition(): parameters are words (letters, digits, '_') separated
    // by blanks, counted, and numbers only where the definition says so (2.2.7 took digits and spaces only).
    let numbersOnly = true;
    let numParams = 0;
    if (braces) {
      let inParam = false;
      while (p < text.length && (text[p] === ' ' || text[p] === '\t' || isAlnum(text[p]) || text[p] === '_')) {
        if (text[p] !== ' ' && text[p] !== '\t') {
          if (paramStart < 0) paramStart = p;
          paramEnd = p;
          if (!isDigit(text[p])) numbersOnly = false;
          if (!inParam) numParams++;
          inParam = true;
        } else inParam = false;
        p++;
      }
      if (paramStart >= 0 && paramEnd + 1 !== p) return undefined;
      if (text[p] !== '}') return undefined;
    } else if (p < text.length && !' \t,)'.includes(text[p]!)) return undefined;
    const allowMultiline = braces ? n + name.length + 1 === text.length : p === text.length;
    const def = this.defs.get(name);
    if (!def || (def.multiline && !allowMultiline)) return undefined;
    if (paramStart >= 0 && def.maxParams === 0) return undefined;
    if (paramStart >= 0 && def.numbersOnly && !numbersOnly) {
      this.report('error', 'definition-params', 'GENERAL_ERROR', `Definition ${name} requires numeric parameters only.`);
      return undefined;
    }
    if (paramStart >= 0 && (numParams > def.maxParams || numParams < (def.minParams ?? 0))) {
      this.report('error', 'definition-params', 'GENERAL_ERROR', `Definition ${name} requires between ${def.minParams ?? 0} and ${def.maxParams} parameters, ${numParams} specified.`);
      return undefined;
    }
    return { def, end: braces ? p + 1 : p, params: paramStart >= 0 ? text.slice(paramStart, paramEnd + 1) : undefined };
  }

  /**
   * keepalived `replace_param()`: replaces uses left to right, re-scanning each replacement in place; stops
   * (keeping what was done) when the line would reach `maxLen` bytes; stops after a value starting with `~`.
   *
   * havipd: where keepalived would never stop, it stops and reports, leaving the multi-line state as it was
   * before the call (`aborted`): a use whose replacement brings the line back to a state it was in
   * (`substitution-loop`, found by Brent's cycle detection, so `$IF=$IF` costs two replacements, not ten
   * thousand), multi-line expansions nested more than MAX_EXPANSION_DEPTH deep (`expansion-too-deep`), more
   * than MAX_SUBSTITUTIONS replacements, or the expansion budget (`expansion-too-large`).
   */
  private replaceParam(input: string, maxLen: number): { found: boolean; text: string; multiline: boolean; aborted: boolean } {
    let text = input;
    let cur = 0;
    let found = false;
    let multilinePtr = this.multilineRest;
    let nextPtr: string | undefined = multilinePtr;
    let usedMultiline = false;
    let count = 0;
    if (this.expansionStopped) return { found: false, text, multiline: false, aborted: false };
    const stackAtEntry = this.multilineStack.length;
    const seqDepthAtEntry = this.multilineSeqDepth;
    const abort = (): { found: boolean; text: string; multiline: boolean; aborted: boolean } => {
      if (!this.expansionStopped) {
        this.multilineStack.length = stackAtEntry;
        this.multilineSeqDepth = seqDepthAtEntry;
      }
      return { found: false, text, multiline: usedMultiline, aborted: true };
    };
    // The scan is deterministic in (text, cur): the same pair twice means keepalived loops for ever.
    let cycle: CycleCheck | undefined;
    let firstCur = -1;
    let firstText = '';
    for (;;) {
      cur = text.indexOf('$', cur);
      if (cur < 0 || cur + 1 >= text.length) break;
      const use = this.findUse(text, cur + 1);
      if (!use) {
        cur++;
        continue;
      }
      if (++count === 1) {
        firstCur = cur;
        firstText = text;
      } else if (count > this.limits.substitutions || (cycle ??= new CycleCheck(firstCur, firstText)).repeats(cur, text)) {
        this.reportLoop(input, count <= this.limits.substitutions);
        return abort();
      }
      const def = use.def;
      if (def.multiline && multilinePtr !== undefined) {
        if (this.multilineStack.length >= this.limits.expansionDepth) {
          this.report('error', 'expansion-too-deep', 'GENERAL_ERROR', `multi-line definitions nested more than ${this.limits.expansionDepth} deep on line '${byteStringToText(input.slice(0, 200))}'; the expansion is dropped`, undefined, 'a multi-line definition that uses itself never ends; keepalived 2.2.7 runs out of memory here');
          return abort();
        }
        this.multilineStack.push({ rest: multilinePtr, seqDepth: this.multilineSeqDepth });
      }
      found = true;
      nextPtr = multilinePtr;
      if (def.multiline) this.multilineSeqDepth = this.seqs.length;
      const value = def.fn ? def.fn(use.params) : def.value;
      let replacing: string;
      if (def.multiline) {
        const nl = value.indexOf('\n');
        replacing = nl < 0 ? value : value.slice(0, nl);
        nextPtr = nl < 0 ? '' : value.slice(nl + 1);
        multilinePtr = nextPtr;
        usedMultiline = true;
      } else replacing = value;
      const newLen = text.length - (use.end - cur) + replacing.length;
      if (newLen >= maxLen) {
        this.report('warning', 'substitution-too-long', undefined, `Parameter substitution on line '${byteStringToText(input)}' would exceed maximum line length`, undefined, `keepalived lines are limited to ${maxLen - 1} bytes; it keeps the line as substituted so far`);
        return { found: false, text, multiline: usedMultiline, aborted: false };
      }
      if (!this.charge(newLen + 1)) return abort();
      this.substitutions++;
      text = text.slice(0, cur) + replacing + text.slice(use.end);
      if (value[spanBlanks(value, 0)] === '~') break;
    }
    if (found) this.multilineRest = nextPtr;
    return { found, text, multiline: usedMultiline, aborted: false };
  }

  // ───── ~SEQ and ~LST ─────

  /** True (after reporting) when a new `~SEQ`/`~LST` would nest more than MAX_EXPANSION_DEPTH loops, or expansion stopped. */
  private seqTooDeep(buf: string): boolean {
    if (this.expansionStopped) return true;
    if (this.seqs.length < this.limits.expansionDepth) return false;
    this.report('error', 'expansion-too-deep', 'GENERAL_ERROR', `~SEQ/~LST loops nested more than ${this.limits.expansionDepth} deep at '${byteStringToText(buf.slice(0, 200))}'; the expansion is dropped`, undefined, 'keepalived has no limit here; nested loops multiply the lines they produce');
    this.stopExpansion();
    return true;
  }

  /** keepalived `add_seq()`. */
  private addSeq(buf: string): boolean {
    const err = (msg: string): false => {
      this.report('error', 'seq-invalid', 'GENERAL_ERROR', `${msg} '${byteStringToText(buf)}'`);
      return false;
    };
    let p = 4;
    let hex = false;
    if (buf[p] === 'x') {
      p++;
      hex = true;
    }
    p = spanBlanks(buf, p);
    if (buf[p++] !== '(') return false;
    p = spanBlanks(buf, p);
    const varStart = p;
    while (p < buf.length && !' \t,)'.includes(buf[p]!)) p++;
    const variable = buf.slice(varStart, p);
    p = spanBlanks(buf, p);
    if (p >= buf.length || buf[p] === ')' || p === varStart) return err('Invalid ~SEQ definition');
    p++;
    p = spanBlanks(buf, p);
    const endSeq = buf.indexOf(')', p);
    if (endSeq < 0) return err('Invalid ~SEQ definition');
    if (endSeq + 1 - p + 1 > 3 * 20 + 3 + 1) return err('~SEQ parameter strings too long');
    const savedRest = this.multilineRest;
    this.multilineRest = undefined;
    const r = this.replaceParam(buf.slice(p, endSeq + 1), 3 * 20 + 3 + 1);
    const multi = r.multiline;
    this.multilineRest = savedRest;
    if (multi) return err('~SEQ parameter is multiline definition');
    const s = r.text;
    let start: number;
    let step: number;
    let end: number;
    let q = 0;
    const one = strtol0(s, q);
    q = spanBlanks(s, one.end);
    if (s[q] === ')') {
      end = one.value;
      step = end < 1 ? -1 : 1;
      start = end < 0 ? -1 : 1;
    } else {
      if (s[q] !== ',') return err('Invalid ~SEQ definition');
      const two = strtol0(s, q + 1);
      q = spanBlanks(s, two.end);
      if (s[q] === ')') {
        start = one.value;
        end = two.value;
        step = start <= end ? 1 : -1;
      } else {
        if (s[q] !== ',') return err('Invalid ~SEQ definition');
        const three = strtol0(s, q + 1);
        q = spanBlanks(s, three.end);
        if (s[q] !== ')') return err('Invalid ~SEQ definition');
        start = one.value;
        step = two.value;
        end = three.value;
        if (step === 0 || (start < end && step < 0) || (start > end && step > 0)) return err('Invalid ~SEQ values');
      }
    }
    if (hex && (start < 0 || end < 0)) return err('~SEQx is only valid for positive numbers');
    const items = Math.floor((end - start) / step) + 1;
    if (items > MAX_SEQ_ITEMS) {
      this.report('error', 'seq-too-many-items', 'GENERAL_ERROR', `~SEQ would produce ${items} lines (limit ${MAX_SEQ_ITEMS}) '${byteStringToText(buf.slice(0, 200))}'`, undefined, 'split it, or use a smaller range');
      return true;
    }
    const text = buf.slice(spanBlanks(buf, endSeq + 1));
    if (items <= 0) return true;
    if (this.seqTooDeep(buf)) return true;
    this.seqs.push({ kind: 'seq', variable, next: start, last: end, step, hex, text });
    return true;
  }

  /** keepalived `add_lst()`. */
  private addLst(buf: string): boolean {
    let p = spanBlanks(buf, 4);
    if (buf[p++] !== '(') return false;
    p = spanBlanks(buf, p);
    let endChar = ',';
    if (buf[p] === '{') {
      endChar = '}';
      p = spanBlanks(buf, p + 1);
    }
    const params: string[] = [];
    let numVars = 0;
    for (;;) {
      const s = p;
      while (p < buf.length && !' \t,}'.includes(buf[p]!)) p++;
      params.push(buf.slice(s, p));
      p = spanBlanks(buf, p);
      if (buf[p] === endChar) break;
      if (buf[p] !== ',') return false;
      p = spanBlanks(buf, p + 1);
      numVars++;
      if (numVars > 10_000) return false;
    }
    if (buf[p] === '}') p = spanBlanks(buf, p + 1);
    if (buf[p++] !== ',') return false;
    p = spanBlanks(buf, p);
    const sets: string[][] = [];
    for (;;) {
      endChar = ',';
      if (buf[p] === '{') {
        endChar = '}';
        p = spanBlanks(buf, p + 1);
      }
      const values: string[] = [];
      let numValues = 0;
      for (;;) {
        const s = p;
        while (p < buf.length && !' \t,})'.includes(buf[p]!)) p++;
        values.push(buf.slice(s, p));
        p = spanBlanks(buf, p);
        if (buf[p] === endChar || (buf[p] === ')' && endChar === ',')) break;
        if (buf[p] !== ',') return false;
        p = spanBlanks(buf, p + 1);
        if (++numValues > numVars) {
          this.report('error', 'lst-invalid', 'GENERAL_ERROR', `~LST specification has too many values '${byteStringToText(buf)}'`);
          return false;
        }
      }
      for (; numValues < numVars; numValues++) values.push('');
      sets.push(values);
      if (sets.length > MAX_SEQ_ITEMS) {
        this.report('error', 'seq-too-many-items', 'GENERAL_ERROR', `~LST has more than ${MAX_SEQ_ITEMS} values`);
        return true;
      }
      if (buf[p] === '}' && endChar === '}') p = spanBlanks(buf, p + 1);
      if (buf[p] === ')') break;
      if (buf[p] !== ',') return false;
      p = spanBlanks(buf, p + 1);
    }
    const text = buf.slice(spanBlanks(buf, p + 1));
    if (this.seqTooDeep(buf)) return true;
    this.seqs.push({ kind: 'lst', params, sets, nextSet: 0, text });
    return true;
  }
}

/** keepalived `get_random()`: `${_RANDOM}` = 0..32767, `${_RANDOM MIN}`, `${_RANDOM MIN MAX}`. */
function randomValue(params: string | undefined, rnd: () => number): string {
  let min = 0;
  let max = 32767;
  if (params !== undefined) {
    const a = strtoulDec(params, 0);
    min = a.value;
    if (a.end < params.length) max = strtoulDec(params, a.end).value;
  }
  let r = rnd();
  if (!(r >= 0 && r < 1)) r = 0;
  const span = max - min + 1;
  const val = span > 0 ? min + Math.floor(r * span) : min + Math.floor(r * 2147483648);
  // keepalived prints into a buffer sized for the digits of MAX, so longer values are cut.
  return String(val).slice(0, String(max).length);
}

/**
 * Brent's cycle detection over a deterministic sequence of states (a scan position and a line): `repeats`
 * is true once a state equals one seen before, at most about twice the cycle's start plus its length later.
 * O(1) memory; each call compares with one saved state.
 */
class CycleCheck {
  private savedPos: number;
  private savedText: string;
  private power = 2;
  private lam = 1;

  /** Starts with the first state already seen (as `repeats(pos, text)` on a new check would). */
  constructor(pos: number, text: string) {
    this.savedPos = pos;
    this.savedText = text;
  }

  repeats(pos: number, text: string): boolean {
    if (pos === this.savedPos && text === this.savedText) return true;
    if (this.lam === this.power) {
      this.savedPos = pos;
      this.savedText = text;
      this.power *= 2;
      this.lam = 0;
    }
    this.lam++;
    return false;
  }
}
