// Property: decomment()'s fast path (no quote, no backslash) gives exactly what keepalived's character loop
// gives, written out here as the reference (fast-check, seed recorded).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decomment } from '../../src/config-parser/lexer.js';

/** keepalived `decomment()` character by character (the general path, for any line). */
function reference(line: string): { text: string; leadingRemoved: number; unterminatedQuote: boolean } {
  let start = 0;
  while (line[start] === ' ' || line[start] === '\t') start++;
  const str = line.slice(start);
  let out = '';
  let quote = false;
  let cont = false;
  let skipAt = -1;
  for (let i = 0; i < str.length; i++) {
    const ch = str[i]!;
    if (ch === '"') {
      if (skipAt < 0) quote = !quote;
      out += ch;
    } else if (ch === '\\') {
      if (i + 1 >= str.length) {
        cont = true;
        break;
      }
      const next = str[++i]!;
      out += !quote && (next === '#' || next === '!') ? next : ch + next;
    } else {
      if (!quote && skipAt < 0 && (ch === '!' || ch === '#')) skipAt = out.length;
      out += ch;
    }
  }
  if (skipAt >= 0) out = out.slice(0, skipAt);
  let end = out.length;
  while (end > 0 && (out[end - 1] === ' ' || out[end - 1] === '\t')) end--;
  out = out.slice(0, end);
  if (cont) out += '\\';
  return { text: out, leadingRemoved: start, unterminatedQuote: quote };
}

describe('decomment', () => {
  it('equals the character loop on lines with and without quotes and backslashes (seed 0x44434d31)', () => {
    const ch = fc.constantFrom(' ', '\t', 'a', 'b', '#', '!', '$', '{', '"', '\\', '\f');
    fc.assert(
      fc.property(fc.array(ch, { maxLength: 60 }).map((cs) => cs.join('')), (line) => {
        const got = decomment(line);
        expect({ text: got.text, leadingRemoved: got.leadingRemoved, unterminatedQuote: got.unterminatedQuote }).toEqual(reference(line));
      }),
      { seed: 0x4443_4d31, numRuns: 2000 },
    );
  });
});
