// The datadriven reader / rewriter behind the scenario transcripts: cases, comments, arguments, and a
// rewrite that changes only the expected output.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readDataFile, writeDataFile } from '../support/datadriven.js';
import { fmtTime, parseDuration } from '../support/transcript.js';

const dir = mkdtempSync(join(tmpdir(), 'hv-dd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const text = '# header\n\nconfig addr=10.0.0.1\nline one\nline two\n----\nok\n\n# between\nadvert from=10.0.0.2 prio=110 extra\n----\nold 1\nold 2\n\n# trailer\n';

describe('datadriven files', () => {
  it('reads commands, arguments, input lines, expected output and comments', () => {
    const p = join(dir, 'a.txt');
    writeFileSync(p, text);
    const f = readDataFile(p);
    expect(f.cases.map((c) => [c.cmd, Object.fromEntries(c.args), c.words, c.input, c.expected, c.lineNo])).toEqual([
      ['config', { addr: '10.0.0.1' }, [], ['line one', 'line two'], 'ok', 3],
      ['advert', { from: '10.0.0.2', prio: '110' }, ['extra'], [], 'old 1\nold 2', 10],
    ]);
    expect(f.cases[1]!.pre).toEqual(['', '# between']);
    expect(f.trailer).toEqual(['', '# trailer']);
  });

  it('rewrites only the outputs; the same outputs give the same file', () => {
    const p = join(dir, 'b.txt');
    writeFileSync(p, text);
    writeDataFile(readDataFile(p), ['ok', 'old 1\nold 2']);
    expect(readFileSync(p, 'utf8')).toBe(text);
    writeDataFile(readDataFile(p), ['ok', 'new']);
    expect(readFileSync(p, 'utf8')).toBe(text.replace('old 1\nold 2', 'new'));
  });

  it('a command without ---- is an error', () => {
    const p = join(dir, 'c.txt');
    writeFileSync(p, 'start\n');
    expect(() => readDataFile(p)).toThrow(/without a ---- line/);
  });

  it('durations and times are exact to the microsecond', () => {
    expect([parseDuration('1s'), parseDuration('609.375ms'), parseDuration('40us')]).toEqual([1_000_000, 609_375, 40]);
    expect(() => parseDuration('1m')).toThrow(/bad duration/);
    expect([fmtTime(0), fmtTime(3_609_375), fmtTime(1)]).toEqual(['0.000ms', '3609.375ms', '0.001ms']);
  });
});
