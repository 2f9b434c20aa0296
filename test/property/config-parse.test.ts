// Property: mutated configs never throw and finish fast (fast-check, seed recorded).
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseText } from '../support/parse-text.js';

const SEED = 20240611;
const base = readFileSync(new URL('../golden/config/full.conf', import.meta.url), 'utf8');
const pieces = ['{', '}', '"', 'priority', 'state MASTER', 'vrrp_instance X', 'virtual_ipaddress', '10.0.0.1/99', '-1', '1.0000001', 'weight', '\n', ' ', 'auth_pass'];

describe('config parse is total', () => {
  it('never throws on line-level mutations and finishes in < 200 ms', () => {
    const lines = base.split('\n');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(lines.length - 1), fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 12 })), fc.constantFrom('insert', 'replace', 'delete', 'append')), { maxLength: 8 }),
        (muts) => {
          const ls = [...lines];
          for (const [i, p, op] of muts) {
            const j = Math.min(i, ls.length - 1);
            if (op === 'insert') ls.splice(j, 0, p);
            else if (op === 'replace') ls[j] = p;
            else if (op === 'delete') ls.splice(j, 1);
            else ls[j] = `${ls[j] ?? ''} ${p}`;
          }
          const t0 = performance.now();
          const r = parseText(ls.join('\n'), { hostInterfaces: ['eth0'] });
          expect(performance.now() - t0).toBeLessThan(200);
          expect(Array.isArray(r.diagnostics)).toBe(true);
          expect(JSON.stringify(r.diagnostics)).not.toContain('hunter2');
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });
});
