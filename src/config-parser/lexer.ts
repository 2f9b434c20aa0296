// The character-level rules of keepalived.conf (reference keepalived.md §1.2): comment removal, brace
// splitting and word splitting. Pure string functions; the line pipeline that calls them is preprocess.ts.
//
// Strings here are "byte strings": one UTF-16 code unit per file byte (latin1 decoding), so that lengths
// and the 1024-byte line limit are counted in bytes as keepalived counts them. `bytesToUtf8` turns a token
// back into normal text at the end.

/** keepalived's WHITE_SPACE_STR: the characters that separate words. */
const WORD_SEPARATORS = ' \t\f\n\r\v';

/** True for the characters keepalived's tokenizer treats as blanks between words. */
export function isWordSeparator(ch: string | undefined): boolean {
  return ch !== undefined && ch !== '' && WORD_SEPARATORS.includes(ch);
}

/** True for ' ' and '\t' (C `isblank`). */
export function isBlank(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t';
}

export interface DecommentResult {
  /** The line with leading/trailing blanks and any comment removed; a continuation `\` is kept at the end. */
  readonly text: string;
  /** How many leading characters were removed (for column tracking). */
  readonly leadingRemoved: number;
  /** An odd number of `"` before any comment: keepalived reports `Unterminated quote`. */
  readonly unterminatedQuote: boolean;
  /** The text after leading blanks were removed, before comment removal (what keepalived quotes). */
  readonly quotedForError: string;
}

/**
 * keepalived-compat: `decomment()`. `#` or `!` outside double quotes starts a comment; `\#` and `\!`
 * outside quotes become a literal `#`/`!`; any other backslash pair is kept as it is; a backslash as the
 * very last character marks a continuation and is kept (after the trailing blanks before it are removed).
 * Single quotes protect nothing. Only ' ' and '\t' count as leading blanks; trailing ' '/'\t' are removed.
 * Test: test/unit/config-parser/preprocess.test.ts "comments, quotes, braces, words (2.2.7)".
 */
export function decomment(line: string): DecommentResult {
  let start = 0;
  while (isBlank(line[start])) start++;
  const str = line.slice(start);
  if (!str.includes('"') && !str.includes('\\')) {
    // Fast path, same result: no quotes and no escapes, so the comment starts at the first '#' or '!'.
    const hash = str.indexOf('#');
    const bang = str.indexOf('!');
    const cut = hash < 0 ? bang : bang < 0 ? hash : Math.min(hash, bang);
    let end = cut < 0 ? str.length : cut;
    while (end > 0 && isBlank(str[end - 1])) end--;
    return { text: str.slice(0, end), leadingRemoved: start, unterminatedQuote: false, quotedForError: str };
  }
  let out = '';
  let quote = false;
  let cont = false;
  let skipAt = -1; // index in `out` where the comment starts
  let i = 0;
  while (i < str.length) {
    const ch = str[i]!;
    if (ch === '"') {
      if (skipAt < 0) quote = !quote;
      out += ch;
      i++;
      continue;
    }
    if (ch === '\\') {
      if (i + 1 < str.length) {
        const next = str[i + 1]!;
        if (!quote && (next === '#' || next === '!')) {
          out += next;
        } else {
          out += ch + next;
        }
        i += 2;
        continue;
      }
      cont = true;
      break;
    }
    if (!quote && skipAt < 0 && (ch === '!' || ch === '#')) skipAt = out.length;
    out += ch;
    i++;
  }
  const quotedForError = str;
  if (skipAt >= 0) out = out.slice(0, skipAt);
  let end = out.length;
  while (end > 0 && isBlank(out[end - 1])) end--;
  out = out.slice(0, end);
  if (cont) out += '\\';
  return { text: out, leadingRemoved: start, unterminatedQuote: quote, quotedForError };
}

/**
 * keepalived-compat: the brace split at the end of `read_line()`. Finds the first `{` or `}` outside double
 * quotes. If the line starts with a brace, the brace alone is the head and the rest (after blanks) is the
 * residue; otherwise the text before the brace is the head and the brace onwards is the residue.
 * Returns `undefined` when there is nothing to split. `residueOffset` is where the residue starts in `text`.
 * Test: test/unit/config-parser/preprocess.test.ts "comments, quotes, braces, words (2.2.7)".
 */
export function splitAtBrace(text: string): { head: string; residue: string; residueOffset: number } | undefined {
  let p = 0;
  if (text[0] !== '{' && text[0] !== '}') {
    for (;;) {
      while (p < text.length && text[p] !== '{' && text[p] !== '}' && text[p] !== '"') p++;
      if (p >= text.length) return undefined;
      if (text[p] !== '"') break;
      const close = text.indexOf('"', p + 1);
      if (close < 0) return undefined;
      p = close + 1;
    }
  }
  let skip = 0;
  if (p === 0) {
    skip = 1;
    while (isBlank(text[p + skip])) skip++;
  }
  const cut = p + skip;
  if (cut >= text.length) return undefined;
  let residue = text.slice(cut);
  let len = residue.length;
  while (len > 0 && isBlank(residue[len - 1])) len--;
  residue = residue.slice(0, len);
  return { head: text.slice(0, cut), residue, residueOffset: cut };
}

export interface RawToken {
  readonly text: string;
  /** 0-based offset of the token's first character (the opening quote for a quoted token). */
  readonly offset: number;
  readonly quoted: boolean;
}

/**
 * keepalived-compat: `alloc_strvec_r()`. Words are separated by space/tab/FF/NL/CR/VT. A word that starts
 * with `"` runs to the next `"` (quotes removed, no escapes, may be empty or contain blanks); an unquoted
 * word also ends at a `"`. A `"` with no closing partner ends tokenisation: the words before it are kept
 * and `unmatchedQuote` is set (keepalived: `Unmatched quote: '<line>'`, class UNMATCHED_QUOTE).
 * Test: test/unit/config-parser/preprocess.test.ts "comments, quotes, braces, words (2.2.7)".
 */
export function tokenize(text: string): { tokens: RawToken[]; unmatchedQuote: boolean } {
  const tokens: RawToken[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && isWordSeparator(text[i])) i++;
    if (i >= text.length) break;
    const start = i;
    if (text[i] === '"') {
      const close = text.indexOf('"', i + 1);
      if (close < 0) return { tokens, unmatchedQuote: true };
      tokens.push({ text: text.slice(i + 1, close), offset: start, quoted: true });
      i = close + 1;
    } else {
      while (i < text.length && !isWordSeparator(text[i]) && text[i] !== '"') i++;
      tokens.push({ text: text.slice(start, i), offset: start, quoted: false });
    }
  }
  return { tokens, unmatchedQuote: false };
}

/** A token with its 1-based column, as the preprocessor emits it (text already decoded from UTF-8). */
export interface LineToken {
  readonly text: string;
  readonly col: number;
  readonly quoted: boolean;
}

/** keepalived's WHITE_SPACE_STR (' ', '\t', '\n', '\v', '\f', '\r'), and a word's characters (sticky). */
const SEPARATORS = /[ \t\n\v\f\r]*/y;
const WORD = /[^ \t\n\v\f\r"]*/y;

/** Any code unit above 0x7f (a byte string with none is its own UTF-8 decoding). */
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * `tokenize(text)` with each token's text turned into normal text (`byteStringToText`) and its offset into a
 * column (`colBase + offset`), pushed onto `out`; returns `unmatchedQuote`. The same words as `tokenize`, in
 * one pass without the intermediate objects (the preprocessor calls it for every line).
 * Test: test/property/lexer-fast-paths.test.ts (equals tokenize + byteStringToText).
 */
export function tokenizeInto(text: string, colBase: number, out: LineToken[]): boolean {
  const ascii = !NON_ASCII.test(text);
  const n = text.length;
  let i = 0;
  for (;;) {
    // Native regular-expression steps (sticky) instead of a JS loop per character.
    SEPARATORS.lastIndex = i;
    SEPARATORS.test(text);
    i = SEPARATORS.lastIndex;
    if (i >= n) return false;
    const start = i;
    let word: string;
    let quoted: boolean;
    if (text.charCodeAt(i) === 34) {
      const close = text.indexOf('"', i + 1);
      if (close < 0) return true;
      word = text.slice(i + 1, close);
      quoted = true;
      i = close + 1;
    } else {
      WORD.lastIndex = i;
      WORD.test(text);
      i = WORD.lastIndex;
      word = text.slice(start, i);
      quoted = false;
    }
    out.push({ text: ascii ? word : byteStringToText(word), col: colBase + start, quoted });
  }
}

/**
 * The end of what `decomment(decomment(line).text).text` keeps of `line` when `line` holds no `"` and no `\`
 * (nothing to unescape or protect): the text is then `line.slice(start, end)` with `start` its leading blanks
 * (`decomment(line).leadingRemoved`), and a second decomment changes nothing. -1 when the line has a `"` or a
 * `\` (use decomment itself). `start` must be the index of the first character that is not ' ' or '\t'.
 * Test: test/property/lexer-fast-paths.test.ts (equals decomment twice).
 */
export function plainDecommentEnd(line: string, start: number): number {
  if (line.indexOf('"', start) >= 0 || line.indexOf('\\', start) >= 0) return -1;
  const hash = line.indexOf('#', start);
  const bang = line.indexOf('!', start);
  let end = hash < 0 ? (bang < 0 ? line.length : bang) : bang < 0 ? hash : Math.min(hash, bang);
  let c: number;
  while (end > start && ((c = line.charCodeAt(end - 1)) === 32 || c === 9)) end--;
  return end;
}

/** Blanks from lastIndex on (sticky: it always matches, maybe nothing, and leaves lastIndex after them). */
const BLANKS = /[ \t]*/y;

/**
 * The index of the first character of `s` at or after `i` that is not ' ' or '\t' (C `isblank`). One native
 * regular-expression step rather than a loop in JS (each JS step calls several builtins when not optimised).
 */
export function skipBlanks(s: string, i: number): number {
  if (i >= s.length) return i;
  BLANKS.lastIndex = i;
  BLANKS.test(s);
  return BLANKS.lastIndex;
}

/** Bytes → byte string (one code unit per byte), in chunks so that huge inputs do not overflow the stack. */
export function bytesToByteString(data: Uint8Array): string {
  if (data.length > 0) {
    // All ASCII (the usual keepalived.conf): the UTF-8 decoder, native, gives the same string. Any byte above
    // 0x7f decodes to a character above 0x7f (itself part of a sequence, or U+FFFD), so the test is exact.
    const s = utf8.decode(data);
    if (s.length === data.length && !NON_ASCII.test(s)) return s;
  }
  const parts: string[] = [];
  const CHUNK = 8192;
  for (let i = 0; i < data.length; i += CHUNK) {
    // apply() takes the typed array as it is; a spread would iterate it (an iterator result per byte: 5 MB of
    // garbage for a 100 KB file, a tenth of a cold `-t`).
    parts.push(String.fromCharCode.apply(null, data.subarray(i, Math.min(i + CHUNK, data.length)) as unknown as number[]));
  }
  return parts.join('');
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Byte string → text, decoding the bytes as UTF-8 (invalid sequences become U+FFFD). */
export function byteStringToText(s: string): string {
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) return s;
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i) & 0xff;
  return utf8.decode(bytes);
}

/** Text → byte string (UTF-8 encoding), for values that come from outside a file (env, config id, paths). */
export function textToByteString(s: string): string {
  if (/^[\x00-\x7f]*$/.test(s)) return s;
  return bytesToByteString(new TextEncoder().encode(s));
}
