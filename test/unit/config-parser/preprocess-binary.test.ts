// The fixture test/fixtures/preprocess/cmp/main.conf run through the real host, against what keepalived
// 2.2.7 printed for it: `keepalived -t -i myid -f main.conf` reports every top-level line's first word as
// `Unknown keyword '…'` (VRRP child's view, which reads the consolidated copy), so the sequence of first
// words below is the binary's output, recorded on this machine.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { preprocess } from '../../../src/config-parser/preprocess.js';
import { createConfigHost } from '../../../src/edges/config-host.js';

const dir = fileURLToPath(new URL('../../fixtures/preprocess/cmp/', import.meta.url));

describe('preprocess vs keepalived 2.2.7 (fixture cmp/main.conf)', () => {
  const r = preprocess(`${dir}main.conf`, createConfigHost({}, () => '/'), { configId: 'myid', allConfig: false });
  it('produces the same first words in the same order as the binary (2.2.7)', () => {
    const firsts = r.lines.map((l) => l.tokens[0]!.text);
    expect(firsts).toEqual([
      'kw_1', 'kw_2', 'kw_3', 'k1_1', 'k1_2', 'k2_1', 'k2_2', 'h9', 'ha', 'hb', 'd3', 'd2', 'x1_2', 'x3_4', 'l_p', 'l_q',
      'kw_yes', 'foo', 'm1', 'm2', 'm3', 'esc', 'q#uoted', 'kw_', 'yy_foo',
      'in_sub_a', 'in_inc2', 'in_sub_b', 'after_include', 'kw_myid', 'bad', '{', 'brace', '}', 'x',
    ]);
  });
  it('reports the invalid ~SEQ twice like the binary: "Invalid ~SEQ values" then "Invalid ~SEQ specification" (2.2.7)', () => {
    const seq = r.diagnostics.filter((d) => d.code === 'seq-invalid');
    expect(seq.map((d) => [d.message, d.kaClass, d.pos?.line])).toEqual([
      ["Invalid ~SEQ values '~SEQ(z,1,0,3) nope'", 'GENERAL_ERROR', 25],
      ["Invalid ~SEQ specification '~SEQ(z,1,0,3) nope'", 'GENERAL_ERROR', 25],
    ]);
  });
  it('resolves includes relative to the including file and lists every file read, main first', () => {
    expect(r.files).toEqual([`${dir}main.conf`, `${dir}sub/a.conf`, `${dir}inc2.conf`, `${dir}sub/b.conf`]);
    const inc2 = r.lines.find((l) => l.tokens[0]!.text === 'in_inc2')!;
    expect(inc2.tokens[1]!.text).toBe(dir.replace(/\/$/, '')); // ${_PWD} = directory of the file being read
    expect(inc2.pos).toEqual({ file: `${dir}inc2.conf`, line: 1, col: 1 });
  });
  it('gives the physical line of generated lines (the ~SEQ line)', () => {
    expect(r.lines[1]!.pos.line).toBe(1);
    expect(r.lines[3]!.pos.line).toBe(2);
  });
});
