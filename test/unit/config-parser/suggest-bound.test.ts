// Issue 14 §3: 50 000 nested unclosed `vrrp_instance` blocks (fuzz case configs-stall-s1-i1966) took ~6 s
// because every line's unknown keyword ran a full "did you mean" search (an unbounded edit distance against
// every keyword of the table). The search is now banded (cost bounded per candidate) and remembered per
// word and table for the parse. Bounded by counting the work (dynamic-programming cells), not by the clock.
import { describe, expect, it } from 'vitest';
import { editDistance, editDistanceWithin, suggestKeyword, type SuggestWork } from '../../../src/config-parser/diagnostics.js';
import { vrrpInstanceTable } from '../../../src/config-parser/keywords/vrrp-instance.js';
import { Rng } from '../../fuzz/rng.js';
import { parseText } from '../../support/parse-text.js';

const KEYWORDS = Object.keys(vrrpInstanceTable);

describe('bounded edit distance', () => {
  it('agrees with the full edit distance up to the limit and says limit+1 beyond it', () => {
    const rng = new Rng(14);
    const alphabet = 'abc_';
    const word = (): string => Array.from({ length: rng.int(9) }, () => alphabet[rng.int(alphabet.length)]).join('');
    for (let k = 0; k < 3000; k++) {
      const a = word();
      const b = word();
      const limit = 1 + rng.int(3);
      const full = editDistance(a, b);
      expect(editDistanceWithin(a, b, limit), `${a} ${b} ${limit}`).toBe(full <= limit ? full : limit + 1);
    }
  });

  it('costs at most length × (2·limit + 1) cells per candidate, and nothing for a word of no near length', () => {
    const w: SuggestWork = { cells: 0 };
    expect(suggestKeyword('vrrp_instance', KEYWORDS, w)).toBeUndefined();
    const near = KEYWORDS.filter((c) => Math.abs(c.length - 13) <= 3).length;
    expect(w.cells).toBeGreaterThan(0);
    expect(w.cells).toBeLessThanOrEqual(near * 13 * 7);
    const long: SuggestWork = { cells: 0 };
    expect(suggestKeyword('x'.repeat(1023), KEYWORDS, long)).toBeUndefined();
    expect(long.cells).toBe(0);
    expect(suggestKeyword('virtual_routr_id', KEYWORDS)).toBe('virtual_router_id');
    expect(suggestKeyword('priorty', KEYWORDS)).toBe('priority');
  });
});

describe('unknown keywords repeated in nested unclosed blocks (fuzz configs-stall-s1-i1966)', () => {
  const nested = (n: number, name: (i: number) => string): string =>
    `${Array.from({ length: n }, (_, i) => `vrrp_instance ${name(i)} {`).join('\n')}\ntrack_script VI_-2147483649 {\n`;

  it('one search per unknown word and table: 20 000 lines cost what 20 do, and every line is still reported', () => {
    const small: SuggestWork = { cells: 0 };
    const big: SuggestWork = { cells: 0 };
    const r20 = parseText(nested(20, (i) => `V${i}`), { work: small });
    const r20k = parseText(nested(20_000, (i) => `V${i}`), { work: big });
    expect(small.cells).toBeGreaterThan(0);
    expect(big.cells).toBe(small.cells);
    const unknown = (r: typeof r20): number => r.diagnostics.filter((d) => d.code === 'unknown-keyword').length;
    expect(unknown(r20)).toBe(19);
    expect(unknown(r20k)).toBe(19_999);
    expect(r20k.diagnostics.filter((d) => d.code === 'unexpected-open-brace')).toHaveLength(19_999);
  });

  it('distinct unknown words: the work grows linearly with the lines (bounded per word)', () => {
    const w1: SuggestWork = { cells: 0 };
    const w10: SuggestWork = { cells: 0 };
    // `priorityN`-like words are near keywords (the banded search runs for each); 10× the lines = 10× the work at most
    const line = (n: number): string => Array.from({ length: n }, (_, i) => `vrrp_instance V {\nprio${i % 10}rity${i} 5`).join('\n');
    parseText(`${line(500)}\n`, { work: w1 });
    parseText(`${line(5000)}\n`, { work: w10 });
    expect(w1.cells).toBeGreaterThan(0);
    expect(w10.cells).toBeLessThanOrEqual(10 * w1.cells + KEYWORDS.length * 20 * 7);
  });
});
