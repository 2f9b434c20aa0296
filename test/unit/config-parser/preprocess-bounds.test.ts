// The preprocessor's expansion limits (issue 8 §3, issue 14 §3): definitions that use themselves, nested
// multi-line expansions, nested ~SEQ, and byte budgets. keepalived 2.2.7 and 2.4.3 have no such limits: on
// the issue-8 file both grow until malloc fails ("Keepalived: Cannot allocate memory", exit 204 under a
// 1 GB ulimit, after 9 s and 23 s here); on `$IF=$IF` both never end (killed by `timeout`); the million-line
// ~SEQ file takes them 70 s (2.2.7) and 38 s (2.4.3) on this machine. These are our own bounds: "(ours)".
import { describe, expect, it } from 'vitest';
import {
  MAX_EXPANSION_BYTES,
  MAX_EXPANSION_DEPTH,
  MAX_GENERATED_LINES,
  MAX_SUBSTITUTIONS,
  preprocess,
  type ExpansionLimits,
  type PreprocessResult,
} from '../../../src/config-parser/preprocess.js';
import { FakeConfigHost } from '../../support/fake-config-host.js';
import { ISSUE14_NESTED_SEQ, ISSUE8_SELF_MULTILINE } from '../../support/config-reproducers.js';

const MAIN = '/etc/keepalived/keepalived.conf';
function run(text: string, extra: Record<string, string | Uint8Array> = {}, limits?: Partial<ExpansionLimits>): PreprocessResult {
  const host = new FakeConfigHost({ [MAIN]: text, ...extra });
  return preprocess(MAIN, host, { configId: 'node1', allConfig: false, ...(limits ? { limits } : {}) });
}
const words = (r: PreprocessResult): string[] => r.lines.map((l) => l.tokens.map((t) => t.text).join('|'));
const where = (r: PreprocessResult): [string, string | undefined, number | undefined][] =>
  r.diagnostics.map((d) => [d.code, d.kaClass, d.pos?.line]);


describe('definitions that use themselves (ours)', () => {
  it('issue 8 §3: the self-using multi-line definition is reported at its use (file:line), the rest goes on', () => {
    const r = run(ISSUE8_SELF_MULTILINE);
    expect(where(r)).toEqual([['substitution-loop', 'GENERAL_ERROR', 7]]);
    expect(r.diagnostics[0]!.pos!.file).toBe(MAIN);
    expect(r.diagnostics[0]!.message).toContain("'$A'");
    // $B still expands; nothing of $A's expansion is left pending.
    expect(words(r)).toEqual(['$A', 'x', 'y']);
    expect(r.work.substitutions).toBeLessThanOrEqual(3);
    expect(r.work.expansionBytes).toBeLessThan(100);
    expect(r.work.generatedLines).toBe(1);
  });

  it.each([
    ['$A=$A', '$A=$A\nrouter_id $A\n', 2],
    ['a two-definition cycle', '$A=$B\n$B=$A\nrouter_id $A\n', 3],
    ['a cycle through ${NAME}', '$A=${B}\n$B=${A}\nx ${A}\n', 3],
    ['a three-definition cycle', '$A=$B\n$B=$C\n$C=$A\nx $A\n', 4],
  ])('%s is a substitution-loop at the line that uses it, found in a few steps', (_n, text, line) => {
    const r = run(`${text}next\n`);
    expect(where(r)).toEqual([['substitution-loop', 'GENERAL_ERROR', line]]);
    expect(words(r).at(-1)).toBe('next');
    expect(r.work.substitutions).toBeLessThan(10);
  });

  it('a terminating expansion that needs more than MAX_SUBSTITUTIONS replacements on one line is stopped too', () => {
    // ${A14} → 2^14 uses of the empty ${A0}: keepalived ends after ~32 000 replacements, havipd stops at 10 000.
    const defs = ['$A0=', ...Array.from({ length: 14 }, (_, k) => `$A${k + 1}=\${A${k}}\${A${k}}`)].join('\n');
    const r = run(`${defs}\nx \${A14}\nnext\n`);
    expect(where(r)).toEqual([['substitution-loop', 'GENERAL_ERROR', 16]]);
    expect(r.diagnostics[0]!.message).toBe(`parameter substitution on line 'x \${A14}' needs more than ${MAX_SUBSTITUTIONS} replacements`);
    expect(words(r).at(-1)).toBe('next');
    expect(r.work.substitutions).toBe(MAX_SUBSTITUTIONS);
  });

  it('a multi-line definition that grows by using itself stops at the depth limit', () => {
    const r = run('$A=\\\n x$A \\\n $A\n$A\nnext\n');
    expect(where(r)).toEqual([['expansion-too-deep', 'GENERAL_ERROR', 4]]);
    expect(r.diagnostics[0]!.message).toContain(String(MAX_EXPANSION_DEPTH));
    expect(words(r).at(-1)).toBe('next');
    expect(r.work.substitutions).toBeLessThanOrEqual(MAX_EXPANSION_DEPTH + 1);
  });

  it('keepalived-compat: a growing single-line self-reference still stops at the line length with a warning only', () => {
    const r = run('$A=x$A\nrouter_id $A\n');
    expect(where(r)).toEqual([['substitution-too-long', undefined, 2]]);
  });

  it('non-looping recursion is untouched: chains, repeated uses, multi-line definitions using others', () => {
    const r = run('$C=c\n$B=$C$C\n$A=${B}x $C\n$M=\\\n m1 $A \\\n $N\n$N=\\\n n1 \\\n n2\nk $A $A\n$M\n');
    expect(words(r)).toEqual(['k|$C$Cx|c|$C$Cx|c', 'm1|$C$Cx|c', 'n1', 'n2']);
    expect(r.diagnostics).toEqual([]);
  });
});

describe('$IF=$IF on many lines costs the same per use (ours: linear)', () => {
  const config = (uses: number, value: string): string => `$IF=${value}\n${'  interface $IF\n'.repeat(uses)}`;

  it.each([[250], [1000], [4000]])('%i uses of a self-referencing $IF: one replacement and one diagnostic per use', (uses) => {
    const r = run(config(uses, '$IF'));
    expect(r.work.substitutions).toBe(uses);
    expect(r.diagnostics.length).toBe(uses);
    expect(r.diagnostics.every((d, i) => d.code === 'substitution-loop' && d.pos?.line === i + 2)).toBe(true);
  });

  it('the work grows linearly with the uses (4x the uses, 4x the work), for a loop and for a plain value', () => {
    for (const value of ['$IF', 'eth0']) {
      const small = run(config(1000, value)).work;
      const big = run(config(4000, value)).work;
      expect(big.substitutions).toBe(4 * small.substitutions);
      expect(big.expansionBytes).toBe(4 * small.expansionBytes);
    }
  });
});

describe('~SEQ expansion bounds (ours)', () => {
  it('issue 14 §3: a million-line nested ~SEQ stops at the line limit, reported at its line, the file goes on', () => {
    const r = run(ISSUE14_NESTED_SEQ);
    expect(where(r)).toEqual([['expansion-too-large', 'GENERAL_ERROR', 1]]);
    expect(r.diagnostics[0]!.message).toContain(`${MAX_GENERATED_LINES} lines`);
    expect(r.work.generatedLines).toBeLessThanOrEqual(MAX_GENERATED_LINES + 1);
    expect(r.lines.length).toBeLessThanOrEqual(MAX_GENERATED_LINES + 1);
    expect(words(r).slice(0, 2)).toEqual(['1|1', '1|2']);
    expect(words(r).at(-1)).toBe('after');
  });

  it('after a limit trips, later expansions are dropped too (the config is refused anyway)', () => {
    const r = run(`${ISSUE14_NESTED_SEQ}~SEQ(k,1,3) v$k\n`, {}, { generatedLines: 50 });
    expect(where(r)).toEqual([['expansion-too-large', 'GENERAL_ERROR', 1]]);
    expect(r.diagnostics[0]!.message).toContain('more than 50 lines');
    // 50 generated lines: the outer ~SEQ's first line (which starts the inner one), then 49 of the inner one
    expect(r.lines.length).toBe(49 + 1);
    expect(words(r).at(-1)).toBe('after');
  });

  it('~SEQ loops nested deeper than the limit are refused before they multiply', () => {
    const line = `${Array.from({ length: MAX_EXPANSION_DEPTH + 2 }, (_, k) => `~SEQ(v${k},2)`).join(' ')} leaf\nafter\n`;
    const r = run(line);
    expect(where(r)).toEqual([['expansion-too-deep', 'GENERAL_ERROR', 1]]);
    expect(r.work.generatedLines).toBeLessThanOrEqual(MAX_EXPANSION_DEPTH + 1);
    expect(words(r)).toEqual(['after']);
  });
});

describe('byte budgets (ours)', () => {
  it('a long value used on many lines stops at the expansion byte limit, reported at the line where it trips', () => {
    const value = 'v'.repeat(1000);
    const limit = 100_000;
    const r = run(`$L=${value}\n${'$L\n'.repeat(200)}after\n`, {}, { expansionBytes: limit });
    expect(where(r)).toEqual([['expansion-too-large', 'GENERAL_ERROR', 2 + Math.floor(limit / 1001)]]);
    expect(r.diagnostics[0]!.message).toContain(`${limit} bytes`);
    expect(r.work.expansionBytes).toBeLessThanOrEqual(limit + 1001);
    const outBytes = r.lines.reduce((n, l) => n + l.tokens.reduce((m, t) => m + t.text.length, 0), 0);
    // the lines expanded before the limit, then the uses left as they are
    expect(outBytes).toBe(Math.floor(limit / 1001) * 1000 + (200 - Math.floor(limit / 1001)) * 2 + 'after'.length);
  });

  it('the default expansion byte limit holds for a long value used on many lines', () => {
    const value = 'v'.repeat(1000);
    const uses = Math.ceil(MAX_EXPANSION_BYTES / 1001) + 10;
    const r = run(`$L=${value}\n${'$L\n'.repeat(uses)}`);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['expansion-too-large']);
    expect(r.work.expansionBytes).toBeLessThanOrEqual(MAX_EXPANSION_BYTES + 1001);
  });

  it('a file included again and again stops at the input byte limit, each skipped include reported', () => {
    const big = `${'# comment\n'.repeat(100)}in_big\n`;
    const main = `${'include big.conf\n'.repeat(8)}after\n`;
    const limit = main.length + 5 * big.length;
    const r = run(main, { '/etc/keepalived/big.conf': big }, { inputBytes: limit });
    expect(where(r)).toEqual([6, 7, 8].map((line) => ['input-too-large', 'GENERAL_ERROR', line]));
    expect(words(r)).toEqual([...Array<string>(5).fill('in_big'), 'after']);
    expect(r.work.inputBytes).toBe(limit);
  });
});
