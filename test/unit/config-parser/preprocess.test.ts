// Table-driven tests of the line pipeline, one block per rule. Each expectation was checked with
// `keepalived -t -f FILE` (2.2.7) on this machine unless the title says "(ours)" (our own bound or advice).
import { describe, expect, it } from 'vitest';
import { isConfigFileError, MAX_SEQ_ITEMS, preprocess, type PreprocessResult } from '../../../src/config-parser/preprocess.js';
import { FakeConfigHost } from '../../support/fake-config-host.js';

const MAIN = '/etc/keepalived/keepalived.conf';
function run(text: string | Uint8Array, extra: Record<string, string> = {}, opts: { configId?: string; allConfig?: boolean; random?: () => number } = {}): PreprocessResult {
  const host = new FakeConfigHost({ [MAIN]: text, ...extra });
  return preprocess(MAIN, host, { configId: opts.configId ?? 'node1', allConfig: opts.allConfig ?? false, random: opts.random });
}
const words = (r: PreprocessResult): string[] => r.lines.map((l) => l.tokens.map((t) => t.text).join('|'));
const codes = (r: PreprocessResult): string[] => r.diagnostics.map((d) => d.code);

describe('comments, quotes, braces, words (2.2.7)', () => {
  it.each([
    ['# and ! start comments', 'a b # c\nd ! e\n', ['a|b', 'd']],
    ['comment chars inside double quotes are kept', 'a "b # c" d\n', ['a|b # c|d']],
    ['single quotes protect nothing', "a 'b # c'\n", ["a|'b"]],
    ['\\# outside quotes: the VRRP child sees a comment (decommented twice)', 'esc\\#x y\n', ['esc']],
    ['braces become lines of their own', 'vrrp_instance VI_1 {\n}\n', ['vrrp_instance|VI_1', '{', '}']],
    ['one-line block', 'virtual_ipaddress { 10.0.0.1/24 10.0.0.2 }\n', ['virtual_ipaddress', '{', '10.0.0.1/24|10.0.0.2', '}']],
    ['braces inside quotes do not split', 'a "x{y}" b\n', ['a|x{y}|b']],
    ['brace inside a word splits it', 'bad{brace}x\n', ['bad', '{', 'brace', '}', 'x']],
    ['an unquoted word ends at a quote', 'a"b c"\n', ['a|b c']],
    ['empty quoted word', 'a "" b\n', ['a||b']],
    ['CRLF line ends', 'a b\r\nc\r\n', ['a|b', 'c']],
    ['tabs, FF and VT separate words', 'a\tb\fc\vd\n', ['a|b|c|d']],
    ['no final newline', 'last line', ['last|line']],
    ['; is an ordinary word', 'virtual_router_id 51 ; priority 100\n', ['virtual_router_id|51|;|priority|100']],
  ])('%s', (_name, text, expected) => {
    expect(words(run(text))).toEqual(expected);
  });

  it('reports Unterminated quote (GENERAL_ERROR) and Unmatched quote (UNMATCHED_QUOTE), keeping the words before it', () => {
    const r = run('global_defs {\n router_id "abc\n}\n');
    expect(words(r)).toEqual(['global_defs', '{', 'router_id', '}']);
    expect(r.diagnostics.map((d) => [d.code, d.kaClass, d.pos?.line, d.message])).toEqual([
      ['unterminated-quote', 'GENERAL_ERROR', 2, `Unterminated quote 'router_id "abc'`],
      ['unterminated-quote', 'GENERAL_ERROR', 2, `Unterminated quote 'router_id "abc'`],
      ['unmatched-quote', 'UNMATCHED_QUOTE', 2, `Unmatched quote: 'router_id "abc'`],
    ].slice(1));
  });

  it("reports Extra '}' found as UNEXPECTED_EOB and still passes the brace on", () => {
    const r = run('}\n');
    expect(words(r)).toEqual(['}']);
    expect(r.diagnostics.map((d) => [d.code, d.kaClass, d.message])).toEqual([['extra-close-brace', 'UNEXPECTED_EOB', "Extra '}' found"]]);
  });

  it('lets the keyword layer see a block that never closes (no diagnostic here)', () => {
    const r = run('vrrp_instance X {\n state MASTER\n');
    expect(words(r)).toEqual(['vrrp_instance|X', '{', 'state|MASTER']);
    expect(r.diagnostics).toEqual([]);
  });

  it('gives columns of tokens', () => {
    const r = run('  vrrp_instance  VI_1 {\n');
    expect(r.lines[0]!.tokens.map((t) => t.col)).toEqual([3, 18]);
    expect(r.lines[0]!.pos).toEqual({ file: MAIN, line: 1, col: 3 });
    expect(r.lines[1]!.tokens[0]!.col).toBe(23);
  });

  it('decodes UTF-8 in tokens', () => {
    expect(words(run('router_id "héllo"\n'))).toEqual(['router_id|héllo']);
  });
});

// keepalived 2.4.3 deliberately differs from 2.2.7 here (2.2.7 kept each piece as a line, without an error).
describe('long lines and NUL bytes (2.4.3 read_line with a 1024-byte buffer; checked with the 2.4.3 binary)', () => {
  it('a line longer than 1023 bytes: the first piece refused ("line too long"), the rest read as a line', () => {
    const r = run(`router_id ${'x'.repeat(1100)} zzz\nafter\n`);
    expect(words(r)).toEqual([`${'x'.repeat(1100 - 1013)}|zzz`, 'after']);
    expect(r.lines[1]!.pos.line).toBe(2);
    expect(codes(r)).toEqual(['line-too-long']);
    expect(r.diagnostics[0]!.kaClass).toBe('GENERAL_ERROR');
  });
  it('a line with a NUL byte is refused whole ("embedded NULs")', () => {
    const r = run(new Uint8Array([...new TextEncoder().encode('router_id a'), 0, ...new TextEncoder().encode('b\nnext\n')]));
    expect(words(r)).toEqual(['next']);
    expect(codes(r)).toEqual(['nul-byte']);
    expect(r.diagnostics[0]!.message).toBe('configuration appears to have embedded NULs - ignoring line');
  });
  it('a NUL in a last line without a newline only cuts it', () => {
    const r = run(new Uint8Array([...new TextEncoder().encode('next\nrouter_id a'), 0, ...new TextEncoder().encode('b')]));
    expect(words(r)).toEqual(['next', 'router_id|a']);
    expect(r.diagnostics[0]!.kaClass).toBeUndefined();
  });
});

describe('@id conditional lines (2.2.7 with -i myid)', () => {
  it.each([
    ['@myid kept', '@myid kw\n', ['kw']],
    ['@other dropped', '@other kw\n', []],
    ['@^myid dropped', '@^myid kw\n', []],
    ['@^other kept', '@^other kw\n', ['kw']],
    ['@myid alone dropped', '@myid\n', []],
    ['${_INSTANCE} is the config id', 'kw_${_INSTANCE}\n', ['kw_myid']],
  ])('%s', (_n, text, expected) => {
    expect(words(run(text, {}, { configId: 'myid' }))).toEqual(expected);
  });
});

describe('$NAME definitions and substitution (2.2.7)', () => {
  it.each([
    ['simple', '$X=foo\n$X bar\n', ['foo|bar']],
    ['braces anywhere', '$X=foo\na${X}b\n', ['afoob']],
    ['$NAME needs a blank , ) or the end after it', '$X=foo\n$Xy $X,\n', ['$Xy|foo,']],
    ['undefined names are left alone', 'a $NOPE ${NOPE2}\n', ['a|$NOPE|$', '{', 'NOPE2', '}']],
    ['blank before = is not a definition', '$X =foo\n', ['$X|=foo']],
    ['use-time recursion', '$Y=$X\n$X=foo\nyy_$Y\n', ['yy_foo']],
    ['redefinition replaces', '$X=a\n$X=b\n$X\n', ['b']],
    ['multi-line definition', '$M=m1 \\\n  m2 \\\n  m3\n$M\n', ['m1', 'm2', 'm3']],
    ['multi-line use only where the reference ends the line', '$M=m1 \\\n m2\nx $M y\n', ['x|$M|y']],
    ['${_HASH} is re-decommented: a comment outside quotes', 'kw_${_HASH}"${_HASH}"\n', ['kw_']],
    ['${_BANG} inside quotes survives', 'kw "${_BANG}"\n', ['kw|!']],
    ['value starting with ~SEQ expands', '$S=~SEQ(i,1,2) v$i\n$S\n', ['v1', 'v2']],
    // keepalived 2.4.3 deliberately differs from 2.2.7 (which left the text, then split it at the braces).
    ['${_ENV X} of an unset variable is empty (2.4.3)', 'a ${_ENV HOME}\n', ['a']],
  ])('%s', (_n, text, expected) => {
    expect(words(run(text))).toEqual(expected);
  });

  it('${_RANDOM MIN MAX} uses the injected random source', () => {
    expect(words(run('r ${_RANDOM 5 9} ${_RANDOM} ${_RANDOM 10}\n', {}, { random: () => 0.5 }))).toEqual(['r|7|16384|16389']);
  });
  it('${_ENV NAME} is the environment variable (keepalived 2.3+); words as parameters, counted', () => {
    const host = new FakeConfigHost({ [MAIN]: 'a ${_ENV HOME} ${_ENV\tHA_VIP}x\nb ${_ENV} ${_ENV A B}\nr ${_RANDOM a}\n' }, { HOME: '/root', HA_VIP: '10.0.0.9' });
    const r = preprocess(MAIN, host, { configId: 'n', allConfig: false });
    expect(words(r)).toEqual(['a|/root|10.0.0.9x', 'b|$', '{', '_ENV|A|B', '}', 'r|$', '{', '_RANDOM|a', '}']);
    expect([...new Set(r.diagnostics.filter((d) => d.code === 'definition-params').map((d) => d.message))]).toEqual([
      'Definition _ENV requires between 1 and 1 parameters, 2 specified.',
      'Definition _RANDOM requires numeric parameters only.',
    ]);
  });
  it('${_PWD} is the directory of the file being read', () => {
    expect(words(run('p ${_PWD}\n'))).toEqual(['p|/etc/keepalived']);
  });
  it('bounds a self-referencing definition $A=$A (binary hangs) (ours)', () => {
    const r = run('$A=$A\nrouter_id $A\nnext\n');
    expect(codes(r)).toContain('substitution-loop');
    expect(words(r).at(-1)).toBe('next');
  });
  it('stops a growing substitution at the line length, keepalived only logs it (2.2.7 rc 0)', () => {
    const r = run('$A=x$A\nrouter_id $A\n');
    expect(r.diagnostics.map((d) => [d.code, d.kaClass])).toEqual([['substitution-too-long', undefined]]);
    expect(r.lines[0]!.tokens[1]!.text.length).toBeLessThan(1024);
  });
});

describe('~SEQ / ~SEQx / ~LST (2.2.7)', () => {
  it.each([
    ['(var,end)', '~SEQ(i,3) k$i\n', ['k1', 'k2', 'k3']],
    ['negative end counts down from -1', '~SEQ(i,-2) k$i\n', ['k-1', 'k-2']],
    ['(var,start,end) downwards', '~SEQ(i,3,1) k$i\n', ['k3', 'k2', 'k1']],
    ['(var,start,step,end)', '~SEQ(i,3,-1,2) d$i\n', ['d3', 'd2']],
    ['hex', '~SEQx(i,9,11) h${i}\n', ['h9', 'ha', 'hb']],
    ['base-0 numbers', '~SEQ(i,0x10,0x11) n$i\n', ['n16', 'n17']],
    ['chained (nested loops)', '~SEQ(i,1,2) ~SEQ(j,1,2) k${i}_${j}\n', ['k1_1', 'k1_2', 'k2_1', 'k2_2']],
    ['parameters may be definitions', '$N=3\n~SEQ(i,2,$N) k$i\n', ['k2', 'k3']],
    ['~LST single variable', '~LST(v, p, q) l_$v\n', ['l_p', 'l_q']],
    ['~LST variable sets', '~LST({a,b},{1,2},{3,4}) x${a}_${b}\n', ['x1_2', 'x3_4']],
    ['~LST missing values are blank', '~LST({a,b},{1},{3,4}) x${a}_${b}\n', ['x1_', 'x3_4']],
    ['~LST with ~SEQ', '~LST(v,a,b) ~SEQ(i,1,2) $v$i\n', ['$v1', '$v2', '$v1', '$v2']],
    ['inside a value block', 'virtual_ipaddress {\n~SEQ(n,1,2) 192.168.200.${n}/24\n}\n', ['virtual_ipaddress', '{', '192.168.200.1/24', '192.168.200.2/24', '}']],
  ])('%s', (_n, text, expected) => {
    expect(words(run(text))).toEqual(expected);
  });

  it.each([
    ['step 0', '~SEQ(z,1,0,3) nope\n', "Invalid ~SEQ values '~SEQ(z,1,0,3) nope'"],
    ['wrong sign', '~SEQ(z,1,-1,3) nope\n', "Invalid ~SEQ values '~SEQ(z,1,-1,3) nope'"],
    ['hex negative', '~SEQx(z,-3,-1) nope\n', "~SEQx is only valid for positive numbers '~SEQx(z,-3,-1) nope'"],
    ['no variable', '~SEQ(,3) nope\n', "Invalid ~SEQ definition '~SEQ(,3) nope'"],
  ])('rejects %s with GENERAL_ERROR then "Invalid ~SEQ specification"', (_n, text, first) => {
    const r = run(text);
    expect(r.lines).toEqual([]);
    expect(r.diagnostics.map((d) => [d.message, d.kaClass])).toEqual([
      [first, 'GENERAL_ERROR'],
      [`Invalid ~SEQ specification '${text.trim()}'`, 'GENERAL_ERROR'],
    ]);
  });

  it('refuses a ~SEQ of a billion items quickly (ours)', () => {
    const t0 = performance.now();
    const r = run('~SEQ(i,1,1000000000) k$i\nafter\n');
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(codes(r)).toEqual(['seq-too-many-items']);
    expect(r.diagnostics[0]!.message).toContain(String(MAX_SEQ_ITEMS));
    expect(words(r)).toEqual(['after']);
  });
  it('bounds nested ~SEQ products (ours)', () => {
    const r = run('~SEQ(i,1,90000) ~SEQ(j,1,90000) k\n');
    expect(codes(r)).toContain('expansion-too-large');
    expect(r.lines.length).toBeLessThan(600_000);
  });
});

describe('include (2.2.7)', () => {
  it('reads globbed files in order, relative to the including file, and comes back', () => {
    const r = run('include conf.d/*.conf\nafter\n', {
      '/etc/keepalived/conf.d/b.conf': 'in_b\n',
      '/etc/keepalived/conf.d/a.conf': 'in_a\ninclude ../x/{y,z}.conf\n',
      '/etc/keepalived/x/y.conf': 'in_y\n',
      '/etc/keepalived/x/z.conf': 'in_z\n',
    });
    expect(words(r)).toEqual(['in_a', 'in_y', 'in_z', 'in_b', 'after']);
    expect(r.files).toEqual([MAIN, '/etc/keepalived/conf.d/a.conf', '/etc/keepalived/x/y.conf', '/etc/keepalived/x/z.conf', '/etc/keepalived/conf.d/b.conf']);
    expect(r.lines[1]!.pos).toEqual({ file: '/etc/keepalived/x/y.conf', line: 1, col: 1 });
    expect(r.diagnostics).toEqual([]);
  });
  it('include after a brace on the same line is still an include', () => {
    expect(words(run('x { include a.conf\n}\n', { '/etc/keepalived/a.conf': 'in_a\n' }))).toEqual(['x', '{', 'in_a', '}']);
  });

  it.each([
    // [directive, expected code, kaClass, config-file error (-t exit 6)]
    ['include /none.conf', 'include-missing', undefined, false],
    ['includea /none.conf', 'include-missing', 'FILE_NOT_FOUND', true],
    ['includem /none.conf', 'include-missing', 'FILE_NOT_FOUND', true],
    ['include /nodir/*.conf', 'include-missing', undefined, false],
    ['includew /nodir/*.conf', 'include-missing', 'FILE_NOT_FOUND', true],
    ['include /etc/keepalived/ex.conf', 'include-not-regular-file', undefined, false],
    ['includer /etc/keepalived/ex.conf', 'include-not-regular-file', 'FILE_NOT_FOUND', true],
    ['include /etc/keepalived/{ex2,e}.conf', 'include-some-missing', undefined, false],
    ['includeb /etc/keepalived/{ex2,e}.conf', 'include-some-missing', 'FILE_NOT_FOUND', true],
    ['includer /etc/keepalived/locked.conf', 'include-open-failed', 'FILE_NOT_FOUND', true],
  ])('%s → %s', (directive, code, kaClass, fileError) => {
    const host = new FakeConfigHost({
      [MAIN]: `${directive}\n`,
      '/etc/keepalived/ex.conf': { data: 'x\n', executable: true },
      '/etc/keepalived/e.conf': 'e\n',
      '/etc/keepalived/locked.conf': { data: '', errno: 'EACCES' },
    });
    const r = preprocess(MAIN, host, { configId: 'n', allConfig: false });
    const d = r.diagnostics.find((x) => x.code === code)!;
    expect(d).toBeDefined();
    expect(d.kaClass).toBe(kaClass);
    expect(r.diagnostics.some(isConfigFileError)).toBe(fileError);
  });

  it('-e turns the checks on for plain include (2.2.7 rc 6)', () => {
    const r = run('include /none.conf\n', {}, { allConfig: true });
    expect(r.diagnostics.map((d) => [d.code, d.kaClass, d.message])).toEqual([['include-missing', 'FILE_NOT_FOUND', "Config files missing '/none.conf'."]]);
    expect(r.diagnostics.some(isConfigFileError)).toBe(true);
  });
  it('global include_check turns checks on for later includes (2.2.7 rc 6)', () => {
    const r = run('global_defs {\n include_check\n}\ninclude /none.conf\n');
    expect(r.diagnostics.some(isConfigFileError)).toBe(true);
    const r2 = run('global_defs {\n include_check\n include_check -match\n}\ninclude /none.conf\n');
    expect(r2.diagnostics.some(isConfigFileError)).toBe(false);
  });
  it('detects an include loop A → B → A and goes on (binary recurses until EMFILE) (ours)', () => {
    const host = new FakeConfigHost({ '/etc/keepalived/a.conf': 'include b.conf\nafter_a\n', '/etc/keepalived/b.conf': 'include a.conf\nfoo_b\n' });
    const r = preprocess('/etc/keepalived/a.conf', host, { configId: 'n', allConfig: false });
    expect(words(r)).toEqual(['foo_b', 'after_a']);
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.kaClass, d.pos?.file, d.pos?.line])).toEqual([['include-loop', 'error', 'GENERAL_ERROR', '/etc/keepalived/b.conf', 1]]);
    const r2 = preprocess('/etc/keepalived/a.conf', host, { configId: 'n', allConfig: true });
    expect(r2.diagnostics.some(isConfigFileError)).toBe(true);
  });
  it('copes with a glob of thousands of files', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) files[`/etc/keepalived/d/f${String(i).padStart(4, '0')}.conf`] = `k${i}\n`;
    const r = run('include d/*.conf\n', files);
    expect(r.lines.length).toBe(3000);
    expect(r.lines[0]!.tokens[0]!.text).toBe('k0');
    expect(r.files.length).toBe(3001);
  });
});

describe('main file (2.2.7)', () => {
  it('missing main file: reported, no kaClass without -e (binary rc 0), FILE_NOT_FOUND with -e (rc 4)', () => {
    const host = new FakeConfigHost({});
    const r = preprocess('/nope.conf', host, { configId: 'n', allConfig: false });
    expect(r.lines).toEqual([]);
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.kaClass, d.message])).toEqual([['config-file-missing', 'error', undefined, "Config files missing '/nope.conf'."]]);
    const r2 = preprocess('/nope.conf', host, { configId: 'n', allConfig: true });
    expect(r2.diagnostics.map((d) => [d.kaClass, isConfigFileError(d)])).toEqual([['FILE_NOT_FOUND', false]]);
  });
  it('a relative main file is resolved against the host cwd and shown as given', () => {
    const host = new FakeConfigHost({ '/etc/keepalived/k.conf': 'a\n' });
    const r = preprocess('k.conf', host, { configId: 'n', allConfig: false });
    expect(r.lines[0]!.pos.file).toBe('k.conf');
    expect(r.files).toEqual(['k.conf']);
  });
  it('a directory as main file is refused', () => {
    const host = new FakeConfigHost({ '/etc/keepalived/d/x': 'a\n' });
    const r = preprocess('/etc/keepalived/d', host, { configId: 'n', allConfig: false });
    expect(codes(r)).toEqual(['config-file-not-regular']);
  });
});
