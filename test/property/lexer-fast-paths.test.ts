// Properties: the preprocessor's one-pass helpers in lexer.ts give exactly what the general functions give —
// tokenizeInto = tokenize + byteStringToText + columns; plainDecommentEnd = decomment twice (when it applies);
// bytesToByteString's ASCII path = one code unit per byte (fast-check, seeds recorded).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byteStringToText, bytesToByteString, decomment, plainDecommentEnd, skipBlanks, tokenize, tokenizeInto, type LineToken } from '../../src/config-parser/lexer.js';

/** Lines over the characters that matter to the lexer, plus bytes above 0x7f (a byte string holds them as code units). */
const lineChars = fc.constantFrom(' ', '\t', '\n', '\v', '\f', '\r', 'a', 'b', '#', '!', '$', '{', '}', '"', '\\', '\xc3', '\xa9', '\xff', '\x80');
const line = fc.array(lineChars, { maxLength: 60 }).map((cs) => cs.join(''));

describe('tokenizeInto', () => {
  it('equals tokenize with byteStringToText and colBase + offset (seed 0x544f4b31)', () => {
    fc.assert(
      fc.property(line, fc.integer({ min: 1, max: 300 }), (text, colBase) => {
        const ref = tokenize(text);
        const out: LineToken[] = [];
        const unmatched = tokenizeInto(text, colBase, out);
        expect(unmatched).toBe(ref.unmatchedQuote);
        expect(out).toEqual(ref.tokens.map((t) => ({ text: byteStringToText(t.text), col: colBase + t.offset, quoted: t.quoted })));
      }),
      { seed: 0x544f_4b31, numRuns: 3000 },
    );
  });

  it('appends to what the array already holds', () => {
    const out: LineToken[] = [{ text: 'x', col: 1, quoted: false }];
    expect(tokenizeInto('  a "b c" d', 5, out)).toBe(false);
    expect(out).toEqual([
      { text: 'x', col: 1, quoted: false },
      { text: 'a', col: 7, quoted: false },
      { text: 'b c', col: 9, quoted: true },
      { text: 'd', col: 15, quoted: false },
    ]);
  });
});

describe('plainDecommentEnd', () => {
  it('equals decomment applied twice on lines without quote or backslash, and declines the others (seed 0x50444331)', () => {
    fc.assert(
      fc.property(line, (text) => {
        const start = skipBlanks(text, 0);
        const end = plainDecommentEnd(text, start);
        const once = decomment(text);
        if (text.includes('"') || text.includes('\\')) {
          expect(end).toBe(-1);
          return;
        }
        expect(end).toBeGreaterThanOrEqual(start);
        expect(start).toBe(once.leadingRemoved);
        expect(text.slice(start, end)).toBe(decomment(once.text).text);
        expect(decomment(once.text).leadingRemoved).toBe(0);
      }),
      { seed: 0x5044_4331, numRuns: 3000 },
    );
  });
});

describe('bytesToByteString', () => {
  it('gives one code unit per byte, ASCII or not (seed 0x42594231)', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.uint8Array({ maxLength: 300, max: 0x7f }),
      fc.uint8Array({ minLength: 9000, maxLength: 20000, max: 0x7f }),
    );
    fc.assert(
      fc.property(bytes, (data) => {
        const s = bytesToByteString(data);
        expect(s.length).toBe(data.length);
        for (let i = 0; i < data.length; i++) if (s.charCodeAt(i) !== data[i]) expect([i, s.charCodeAt(i)]).toEqual([i, data[i]]);
      }),
      { seed: 0x4259_4231, numRuns: 300 },
    );
  });
});
