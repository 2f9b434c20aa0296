// keepalived's shell-like split of script / notify command strings (reference §3.13 "Command parsing"):
// whitespace separates words, '…' and "…" group, backslash escapes (\n \t \\ \" \' \xHH \NNN \cC).

import type { CommandSpec } from './types.js';

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07', b: '\b', e: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'", ' ': ' ',
};

/** Reads one backslash escape starting after the `\` at `i`; returns the text and the next index. */
function readEscape(s: string, i: number): [string, number] {
  const c = s[i];
  if (c === undefined) return ['\\', i];
  if (c in SIMPLE_ESCAPES) return [SIMPLE_ESCAPES[c]!, i + 1];
  if (c === 'x') {
    const m = /^[0-9a-fA-F]{1,2}/.exec(s.slice(i + 1));
    if (m) return [String.fromCharCode(parseInt(m[0], 16)), i + 1 + m[0].length];
    return ['x', i + 1];
  }
  if (c >= '0' && c <= '7') {
    const m = /^[0-7]{1,3}/.exec(s.slice(i))!;
    return [String.fromCharCode(parseInt(m[0], 8) & 0xff), i + m[0].length];
  }
  if (c === 'c' && i + 1 < s.length) return [String.fromCharCode(s.charCodeAt(i + 1) & 0x1f), i + 2];
  return [c, i + 1];
}

/**
 * Splits a command string into argv. Never throws: an unterminated quote runs to the end of the string
 * (the caller reports it when it cares). Returns `[]` for an empty / blank string.
 */
export function splitCommand(raw: string): string[] {
  const argv: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  let i = 0;
  while (i < raw.length) {
    const c = raw[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else cur += c;
      i++;
    } else if (quote === '"') {
      if (c === '"') {
        quote = undefined;
        i++;
      } else if (c === '\\') {
        const [t, n] = readEscape(raw, i + 1);
        cur += t;
        i = n;
      } else {
        cur += c;
        i++;
      }
    } else if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
      if (inWord) argv.push(cur);
      cur = '';
      inWord = false;
      i++;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
      i++;
    } else if (c === '\\') {
      const [t, n] = readEscape(raw, i + 1);
      cur += t;
      inWord = true;
      i = n;
    } else {
      cur += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) argv.push(cur);
  return argv;
}

/** True when the string has an unterminated quote (reported, the split still used). */
export function hasUnterminatedQuote(raw: string): boolean {
  let quote: string | undefined;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (quote === undefined) {
      if (c === '\\') i++;
      else if (c === '"' || c === "'") quote = c;
    } else if (c === quote) quote = undefined;
    else if (quote === '"' && c === '\\') i++;
  }
  return quote !== undefined;
}

/**
 * Builds a CommandSpec from a keyword's arguments: `CMD [USER [GROUP]]` (a leading ':' on the group is
 * kept off). Does not check that the program exists or is secure (the runtime does).
 */
export function commandSpec(raw: string, user?: string, group?: string): CommandSpec {
  const spec: { raw: string; argv: string[]; user?: string; group?: string } = { raw, argv: splitCommand(raw) };
  if (user !== undefined) spec.user = user;
  if (group !== undefined) spec.group = group.startsWith(':') ? group.slice(1) : group;
  return spec;
}
