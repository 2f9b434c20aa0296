// parseAddress's IPv4 matching (a regular expression since issue 12 §2) accepts and spells exactly what
// ip-address's Address4 did: same verdict and same canonical text for every digits-and-dots string.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Address4 } from 'ip-address';
import { parseAddress } from '../../../src/config-parser/keywords/items.js';

/** What parseAddress returned for an IPv4-looking address before: Address4's verdict and correctForm(). */
function viaAddress4(addr: string): string | undefined {
  return /^[0-9.]+$/.test(addr) && Address4.isValid(addr) ? new Address4(addr).correctForm() : undefined;
}

describe('parseAddress, IPv4', () => {
  it.each(['0.0.0.0', '10.0.0.1', '255.255.255.255', '192.168.1.10', '1.2.3.4', '9.99.199.249'])('%s is itself', (a) => {
    expect(parseAddress(a)).toEqual({ address: a, family: 4, prefix: undefined });
    expect(viaAddress4(a)).toBe(a);
  });

  it.each(['256.0.0.1', '01.2.3.4', '1.2.3', '1.2.3.4.5', '1..2.3', '.1.2.3', '1.2.3.4.', '001.2.3.4', '1.2.3.04', '300.1.1.1', '', '1234.1.1.1'])('%j is refused, as Address4 refuses it', (a) => {
    expect(parseAddress(a)).toBeUndefined();
    expect(viaAddress4(a)).toBeUndefined();
  });

  it('agrees with Address4 on any digits-and-dots string, with and without a prefix', () => {
    const octet = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.stringMatching(/^[0-9]{0,4}$/));
    const quadish = fc.array(octet, { minLength: 1, maxLength: 6 }).map((xs) => xs.join('.'));
    fc.assert(
      fc.property(quadish, fc.option(fc.integer({ min: 0, max: 40 })), (addr, len) => {
        const before = viaAddress4(addr);
        const text = len === null ? addr : `${addr}/${len}`;
        const got = parseAddress(text);
        if (before === undefined) expect(got).toBeUndefined();
        else if (len !== null && len > 32) expect(got).toBeUndefined();
        else expect(got).toEqual({ address: before, family: 4, prefix: len ?? undefined });
      }),
      { numRuns: 3000, seed: 122 },
    );
  });
});
