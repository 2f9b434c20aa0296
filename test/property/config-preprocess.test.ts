// Property tests: the preprocessor never throws and finishes quickly on random bytes and on mutated
// configurations (fast-check, seeds recorded).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { preprocess } from '../../src/config-parser/preprocess.js';
import { FakeConfigHost } from '../support/fake-config-host.js';

const MAIN = '/etc/keepalived/keepalived.conf';
const SEED = 0x4b41_5031;

const BASE = `$IF=eth0
$M=m1 \\
 m2
@node1 global_defs { router_id r1 }
vrrp_instance VI_1 {
  interface $IF
  virtual_ipaddress {
    ~SEQ(n,1,3) 10.0.0.\${n}/24
    ~LST({a,b},{1,2},{3,4}) 10.1.\${a}.\${b}
  }
  notify "/bin/echo # \${_HASH}"
  $M
}
include conf.d/*.conf
`;

function runBytes(main: Uint8Array, extra: Record<string, string | Uint8Array> = {}): number {
  const host = new FakeConfigHost({ [MAIN]: main, ...extra });
  const t0 = performance.now();
  const r = preprocess(MAIN, host, { configId: 'node1', allConfig: false, random: () => 0.25 });
  const dt = performance.now() - t0;
  // The output is well formed whatever the input.
  for (const l of r.lines) {
    expect(l.tokens.length).toBeGreaterThan(0);
    expect(l.pos.col).toBe(l.tokens[0]!.col);
    for (const t of l.tokens) expect(typeof t.text).toBe('string');
  }
  for (const d of r.diagnostics) expect(d.code).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  return dt;
}

describe('preprocess properties', () => {
  it('never throws and is fast on random bytes (seed 0x4b415031)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4000 }), (bytes) => {
        expect(runBytes(bytes)).toBeLessThan(1000);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('never throws on configs built from the language\'s special characters (seed 0x4b415032)', () => {
    const piece = fc.constantFrom('$', '${', '}', '{', '"', '#', '!', '\\', '\n', ' ', '@', '@^', '~SEQ(', '~SEQx(', '~LST(', ')', ',', '=', 'A', 'x', '1', '-1', 'include ', 'includea ', '*', '_RANDOM', '_PWD', '_HASH', '\r', '\0', 'a.conf', '$A=$A\n', '$B=x$B\n');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 300 }), (parts) => {
        const text = new TextEncoder().encode(parts.join(''));
        expect(runBytes(text, { '/etc/keepalived/a.conf': 'include a.conf\n$A\n' })).toBeLessThan(2000);
      }),
      { seed: 0x4b41_5032, numRuns: 300 },
    );
  });

  it('never throws on single-byte mutations of a real config (seed 0x4b415033)', () => {
    const base = new TextEncoder().encode(BASE);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (muts) => {
        const b = base.slice();
        for (const [i, v] of muts) b[i] = v;
        expect(runBytes(b, { '/etc/keepalived/conf.d/x.conf': 'vrrp_script s { script "/bin/true" }\n' })).toBeLessThan(1000);
      }),
      { seed: 0x4b41_5033, numRuns: 300 },
    );
  });

  it('handles a 10 MB single line within seconds', () => {
    const big = new Uint8Array(10 * 1024 * 1024).fill(0x61);
    const host = new FakeConfigHost({ [MAIN]: big });
    const t0 = performance.now();
    const r = preprocess(MAIN, host, { configId: 'n', allConfig: false });
    expect(performance.now() - t0).toBeLessThan(10_000);
    // keepalived 2.4.3 (deliberately unlike 2.2.7, which kept every piece): full pieces refused, the tail kept.
    expect(r.lines.length).toBe(1);
    expect(r.lines[0]!.tokens[0]!.text.length).toBe(big.length % 1023);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['line-too-long']);
  });
});
