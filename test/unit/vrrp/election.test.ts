import { describe, expect, it } from 'vitest';
import { addressBytes, backupAccepts, compareAddresses, peerLoses, peerWins } from '../../../src/vrrp/election.js';
import { micros } from '../../../src/net/units.js';

describe('addressBytes', () => {
  it.each([
    ['10.0.0.1', [10, 0, 0, 1]],
    ['255.255.255.255', [255, 255, 255, 255]],
    ['::1', [...new Array(15).fill(0), 1]],
    ['fe80::1', [0xfe, 0x80, ...new Array(13).fill(0), 1]],
    ['::ffff:10.0.0.1', [...new Array(10).fill(0), 0xff, 0xff, 10, 0, 0, 1]],
    ['2001:db8:0:0:0:0:0:1', [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1]],
  ])('%s', (t, bytes) => {
    expect([...addressBytes(t)!]).toEqual(bytes);
  });
  it.each(['10.0.0', '10.0.0.256', '1::2::3', 'x::1', '1:2:3:4:5:6:7:8:9', ''])('rejects %s', (t) => {
    expect(addressBytes(t)).toBeUndefined();
  });
});

describe('compareAddresses (unsigned, big-endian)', () => {
  it.each([
    ['10.0.0.2', '10.0.0.1', 1],
    ['10.0.0.1', '10.0.0.2', -1],
    ['10.0.0.1', '10.0.0.1', 0],
    ['192.168.0.1', '10.255.255.255', 1], // unsigned: 192 > 10
    ['10.0.1.0', '10.0.0.255', 1],
    ['fe80::2', 'fe80::1', 1],
    ['fe80::1', 'fe80::1:0', -1],
    ['10.0.0.1', 'fe80::1', 0], // family mismatch compares equal (vrrp_saddr_cmp)
  ] as const)('%s vs %s → %i', (a, b, exp) => {
    expect(compareAddresses(a, b)).toBe(exp);
  });
});

describe('peerWins / peerLoses (MASTER side, RFC 5798 §6.4.3)', () => {
  it.each([
    // advert prio, ours, addrCmp, wins, loses
    [150, 100, -1, true, false],
    [100, 150, 1, false, true],
    [100, 100, 1, true, false], // tie: higher address wins
    [100, 100, -1, false, true],
    [100, 100, 0, false, false], // our own address: neither
    [0, 100, 1, false, true], // priority 0 never wins (handled first anyway)
    [255, 254, -1, true, false],
  ] as const)('advert %i vs ours %i (cmp %i)', (a, o, c, w, l) => {
    expect(peerWins(a, o, c)).toBe(w);
    expect(peerLoses(a, o, c)).toBe(l);
  });
});

describe('backupAccepts (BACKUP side, RFC 5798 §6.4.2 + keepalived nopreempt/preempt_delay)', () => {
  const base = { nopreempt: false, preemptDelay: micros(0), preemptTime: undefined, now: micros(10_000_000) };
  it.each([
    [{ advertPriority: 150, ourPriority: 100 }, 'accept'],
    [{ advertPriority: 100, ourPriority: 100 }, 'accept'], // equal: accepted, no address tie-break in BACKUP
    [{ advertPriority: 90, ourPriority: 100 }, 'discard'],
    [{ advertPriority: 90, ourPriority: 100, nopreempt: true }, 'accept'],
    [{ advertPriority: 90, ourPriority: 100, preemptDelay: micros(2_000_000) }, 'accept'], // delay not yet started
    [{ advertPriority: 90, ourPriority: 100, preemptDelay: micros(2_000_000), preemptTime: micros(11_000_000) }, 'accept'],
    [{ advertPriority: 90, ourPriority: 100, preemptDelay: micros(2_000_000), preemptTime: micros(10_000_000) }, 'discard'], // expired
  ] as const)('%o → %s', (o, exp) => {
    expect(backupAccepts({ ...base, ...o })).toBe(exp);
  });
});
