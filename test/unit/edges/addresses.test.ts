// Pure helpers of the address edge (src/edges/addresses.ts): `ip` argv, broadcast as iproute2
// computes it for `brd +` / `brd -`, address codecs, errno extraction, `ip -j` parsing; and the fake.

import { describe, expect, it } from 'vitest';
import type { VipConfig } from '../../../src/config-parser/types.js';
import {
  createAddressEdge,
  encodeAddressRequest,
  errnoName,
  broadcastFor,
  bytesToAddress,
  ipAddrArgs,
  ipErrno,
  ipv6Bytes,
  netlinkErrno,
  parseIpJsonAddresses,
  preferredLftSeconds,
  scopeName,
  scopeNumber,
  vipFlags,
} from '../../../src/edges/addresses.js';
import { vip } from '../../support/edge-agent-client.js';
import { FakeAddressEdge } from '../../support/fake-addresses.js';

describe('broadcastFor (iproute2 ipaddress.c rules)', () => {
  it.each([
    ['10.0.0.100', 24, '+', '10.0.0.255'],
    ['10.0.0.100', 24, '-', '10.0.0.0'],
    ['10.1.2.3', 16, '+', '10.1.255.255'],
    ['10.1.2.3', 30, '+', '10.1.2.3'],
    ['10.1.2.5', 30, '-', '10.1.2.4'],
    ['10.1.2.3', 31, '+', undefined],
    ['10.1.2.3', 32, '-', undefined],
    ['10.1.2.3', 0, '+', '255.255.255.255'],
    ['10.0.0.100', 24, '10.0.0.127', '10.0.0.127'],
    ['10.0.0.100', 24, undefined, undefined],
  ] as const)('%s/%i brd %s → %s', (address, prefix, brd, want) => {
    expect(broadcastFor({ family: 4, address, prefix, broadcast: brd, peer: undefined })).toBe(want);
  });
  it('is never set for IPv6', () => {
    expect(broadcastFor({ family: 6, address: 'fd00::1', prefix: 64, broadcast: '+', peer: undefined })).toBeUndefined();
  });
  it('uses the peer as the base of a point-to-point address', () => {
    expect(broadcastFor({ family: 4, address: '10.0.0.1', prefix: 24, broadcast: '+', peer: '10.9.9.9' })).toBe('10.9.9.255');
  });
});

describe('ipAddrArgs', () => {
  it('builds a full IPv4 add with brd, scope and label', () => {
    const v = vip('10.0.0.100', { prefix: 24, broadcast: '+', scope: 'link', label: 'eth0:1' });
    expect(ipAddrArgs('add', v, 'eth0')).toEqual(['-4', 'addr', 'add', '10.0.0.100/24', 'dev', 'eth0', 'broadcast', '10.0.0.255', 'scope', 'link', 'label', 'eth0:1']);
  });
  it('removal names only the address, prefix and device', () => {
    const v = vip('10.0.0.100', { prefix: 24, broadcast: '+', label: 'eth0:1' });
    expect(ipAddrArgs('del', v, 'eth0')).toEqual(['-4', 'addr', 'del', '10.0.0.100/24', 'dev', 'eth0']);
  });
  it('IPv6 with nodad (keepalived default) and the IPv6-only flags; label and brd are not passed', () => {
    const v = vip('fd00::100', { prefix: 64, label: 'x', broadcast: '+', noprefixroute: true, home: true, mngtmpaddr: true, autojoin: true });
    expect(ipAddrArgs('add', v, 'eth0')).toEqual(['-6', 'addr', 'add', 'fd00::100/64', 'dev', 'eth0', 'nodad', 'noprefixroute', 'home', 'mngtmpaddr', 'autojoin']);
  });
  it('-nodad leaves nodad out', () => {
    expect(ipAddrArgs('add', vip('fd00::1', { nodad: false }), 'e')).toEqual(['-6', 'addr', 'add', 'fd00::1/128', 'dev', 'e']);
  });
  it('peer and preferred_lft', () => {
    const v = vip('10.0.0.1', { peer: '10.0.0.2', preferredLft: '0' });
    expect(ipAddrArgs('add', v, 'e')).toEqual(['-4', 'addr', 'add', '10.0.0.1', 'peer', '10.0.0.2/32', 'dev', 'e', 'valid_lft', 'forever', 'preferred_lft', '0']);
  });
});

describe('flags, scopes, lifetimes', () => {
  it('vipFlags maps item options to IFA_F_* (nodad only for IPv6)', () => {
    expect(vipFlags(vip('fd00::1'))).toEqual({ nodad: true });
    expect(vipFlags(vip('10.0.0.1', { nodad: true } as Partial<VipConfig>))).toEqual({});
    expect(vipFlags(vip('10.0.0.1', { noprefixroute: true }))).toEqual({ noprefixroute: true });
  });
  it('scopeNumber / scopeName', () => {
    expect([undefined, 'global', 'site', 'link', 'host', 'nowhere', '100', '256', 'bogus'].map(scopeNumber)).toEqual([0, 0, 200, 253, 254, 255, 100, undefined, undefined]);
    expect([0, 253, 7].map(scopeName)).toEqual(['global', 'link', '7']);
  });
  it('preferredLftSeconds', () => {
    expect([undefined, 'forever', '0', '30', 'x'].map(preferredLftSeconds)).toEqual([undefined, 0xffffffff, 0, 30, undefined]);
  });
});

describe('address codecs', () => {
  it.each(['::', '::1', 'fd00::100', 'fe80::1:2:3:4', '2001:db8:0:1:1:1:1:1', '1::', 'ff02::12'])('IPv6 %s round-trips in canonical form', (a) => {
    expect(bytesToAddress(ipv6Bytes(a))).toBe(a);
  });
  it('compresses per RFC 5952 and accepts an IPv4 tail', () => {
    expect(bytesToAddress(ipv6Bytes('2001:0DB8:0000:0000:0000:0000:0000:0001'))).toBe('2001:db8::1');
    expect(ipv6Bytes('::ffff:10.0.0.1').subarray(12)).toEqual(Buffer.from([10, 0, 0, 1]));
    expect(bytesToAddress(Buffer.from([192, 0, 2, 1]))).toBe('192.0.2.1');
  });
  it('rejects malformed input', () => {
    expect(() => ipv6Bytes('10.0.0.1')).toThrow(RangeError);
    expect(() => bytesToAddress(Buffer.alloc(5))).toThrow(RangeError);
  });
});

describe('encodeAddressRequest (rtnetlink, host byte order)', () => {
  const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const u16 = (b: Buffer, at: number): number => (le ? b.readUInt16LE(at) : b.readUInt16BE(at));
  const u32 = (b: Buffer, at: number): number => (le ? b.readUInt32LE(at) : b.readUInt32BE(at));
  /** The attributes after nlmsghdr (16) and ifaddrmsg (8): type → payload. */
  const attrs = (b: Buffer): Map<number, Buffer> => {
    const m = new Map<number, Buffer>();
    for (let at = 24; at < b.length; at += (u16(b, at) + 3) & ~3) m.set(u16(b, at + 2), b.subarray(at + 4, at + u16(b, at)));
    return m;
  };

  it('RTM_NEWADDR for IPv4 with brd +, label and scope: CREATE | EXCL | ACK | REQUEST, IFA_LOCAL = IFA_ADDRESS', () => {
    const b = encodeAddressRequest('add', vip('10.0.0.100', { prefix: 24, broadcast: '+', scope: 'link', label: 'eth0:1' }), 7, 42);
    expect(u32(b, 0)).toBe(b.length);
    expect(u16(b, 4)).toBe(20);
    expect(u16(b, 6)).toBe(0x1 | 0x4 | 0x200 | 0x400);
    expect(u32(b, 8)).toBe(42);
    expect([...b.subarray(16, 20)]).toEqual([2, 24, 0, 253]);
    expect(u32(b, 20)).toBe(7);
    const a = attrs(b);
    expect([...a.get(2)!]).toEqual([10, 0, 0, 100]);
    expect([...a.get(1)!]).toEqual([10, 0, 0, 100]);
    expect([...a.get(4)!]).toEqual([10, 0, 0, 255]);
    expect(a.get(3)!.toString('latin1')).toBe('eth0:1\0');
    expect(a.has(8)).toBe(false);
    expect(b.length % 4).toBe(0);
  });

  it('RTM_NEWADDR for IPv6: IFA_FLAGS (nodad | noprefixroute | home | mngtmpaddr) with the low byte in ifa_flags, IFA_CACHEINFO for preferred_lft', () => {
    const b = encodeAddressRequest('add', vip('fd00::100', { prefix: 64, noprefixroute: true, home: true, mngtmpaddr: true, preferredLft: '0' }), 3, 1);
    expect([...b.subarray(16, 20)]).toEqual([10, 64, 0x02 | 0x10, 0]);
    const a = attrs(b);
    expect(a.get(2)!.toString('hex')).toBe('fd000000000000000000000000000100');
    expect(u32(a.get(8)!, 0)).toBe(0x02 | 0x10 | 0x100 | 0x200);
    const ci = a.get(6)!;
    expect([u32(ci, 0), u32(ci, 4), u32(ci, 8), u32(ci, 12)]).toEqual([0, 0xffffffff, 0, 0]);
    expect(a.has(3)).toBe(false); // no IFA_LABEL for IPv6
  });

  it('RTM_DELADDR names only the address (local + peer), no CREATE / EXCL', () => {
    const b = encodeAddressRequest('del', vip('10.0.0.1', { prefix: 32, peer: '10.0.0.2', label: 'x', broadcast: '+' }), 9, 5);
    expect(u16(b, 4)).toBe(21);
    expect(u16(b, 6)).toBe(0x1 | 0x4);
    const a = attrs(b);
    expect([...a.keys()].sort()).toEqual([1, 2]);
    expect([...a.get(1)!]).toEqual([10, 0, 0, 2]);
  });

  it('prepare: add and remove then send the requests built ahead (fresh sequence numbers); a new ifindex re-encodes; kernel errnos keep their meaning', async () => {
    const sent: Buffer[] = [];
    let answer = 0;
    let index = 4;
    const edge = createAddressEdge({
      backend: 'netlink',
      ifIndex: () => index,
      route: {
        request: (bytes) => {
          sent.push(Buffer.from(bytes));
          return answer;
        },
        close: () => undefined,
      },
    });
    try {
      const v = vip('10.0.0.100', { prefix: 24 });
      await edge.prepare!(v, 'eth0');
      expect(sent).toHaveLength(0);
      await edge.add(v, 'eth0');
      await edge.remove(v, 'eth0');
      expect(sent.map((b) => u16(b, 4))).toEqual([20, 21]);
      expect(sent[0]!.equals(encodeAddressRequest('add', v, 4, u32(sent[0]!, 8)))).toBe(true);
      expect(sent[1]!.equals(encodeAddressRequest('del', v, 4, u32(sent[1]!, 8)))).toBe(true);
      expect(u32(sent[1]!, 8)).toBe(u32(sent[0]!, 8) + 1);
      // The interface was recreated: the prepared request names the old index, so it is encoded afresh.
      index = 9;
      await edge.add(v, 'eth0');
      expect(u32(sent[2]!, 20)).toBe(9);
      // EEXIST on add and EADDRNOTAVAIL on remove are successes; EPERM is HAVIPD_ADDRESS with its errno.
      answer = 17;
      await expect(edge.add(v, 'eth0')).resolves.toBeUndefined();
      answer = 99;
      await expect(edge.remove(v, 'eth0')).resolves.toBeUndefined();
      answer = 1;
      await expect(edge.add(v, 'eth0')).rejects.toMatchObject({ code: 'HAVIPD_ADDRESS', errno: 'EPERM' });
    } finally {
      edge.close();
    }
  });

  it('errnoName maps kernel errnos to names, unknown numbers to E<n>', () => {
    expect(errnoName(17)).toBe('EEXIST');
    expect(errnoName(99)).toBe('EADDRNOTAVAIL');
    expect(errnoName(1)).toBe('EPERM');
    expect(errnoName(9999)).toBe('E9999');
  });
});

describe('errno extraction', () => {
  it('netlink@0.3.0 rejections carry the errno in the message', () => {
    expect(netlinkErrno(new Error('Request rejected: EEXIST'))).toBe('EEXIST');
    expect(netlinkErrno(Object.assign(new Error('x'), { code: 'EPERM' }))).toBe('EPERM');
    expect(netlinkErrno(new Error('Timeout has been reached'))).toBeUndefined();
  });
  it.each([
    ['Error: ipv4: Address already assigned.', 'EEXIST'],
    ['Error: ipv4: Address not found.', 'EADDRNOTAVAIL'],
    ['Cannot find device "nope0"', 'ENODEV'],
    ['Device "nope0" does not exist.', 'ENODEV'],
    ['RTNETLINK answers: Operation not permitted', 'EPERM'],
    ['Error: Attribute failed policy validation.', 'ERANGE'],
    ['something else', undefined],
  ])('ip stderr %j → %s', (stderr, errno) => {
    expect(ipErrno(stderr)).toBe(errno);
  });
});

describe('parseIpJsonAddresses', () => {
  const json = JSON.stringify([
    {
      ifindex: 3,
      ifname: 'veth0',
      addr_info: [
        { family: 'inet', local: '10.0.0.1', prefixlen: 24, broadcast: '10.0.0.255', scope: 'global', label: 'veth0', valid_life_time: 4294967295 },
        { family: 'inet', local: '10.0.0.2', address: '10.9.9.9', prefixlen: 32, scope: 'link', secondary: true, valid_life_time: 4294967295 },
        { family: 'inet6', local: 'fd00::100', prefixlen: 64, scope: 'global', nodad: true, noprefixroute: true, valid_life_time: 4294967295 },
      ],
    },
  ]);
  it('reads every field', () => {
    const all = parseIpJsonAddresses(json);
    expect(all).toHaveLength(3);
    expect(all[0]).toEqual({ family: 4, address: '10.0.0.1', prefix: 24, ifindex: 3, label: 'veth0', broadcast: '10.0.0.255', peer: undefined, scope: 0, flags: ['permanent'] });
    expect(all[1]).toMatchObject({ peer: '10.9.9.9', scope: 253, flags: ['secondary', 'permanent'] });
    expect(all[2]).toMatchObject({ family: 6, flags: ['nodad', 'noprefixroute', 'permanent'] });
  });
  it('filters by family', () => {
    expect(parseIpJsonAddresses(json, 6).map((a) => a.address)).toEqual(['fd00::100']);
  });
});

describe('FakeAddressEdge', () => {
  it('records calls in order, is idempotent like the real edge, and fails with coded errors', async () => {
    const f = new FakeAddressEdge(['eth0']);
    const v = vip('10.0.0.100', { prefix: 24 });
    await f.add(v, 'eth0');
    await f.add(v, 'eth0');
    await f.remove(v, 'eth0');
    await f.remove(v, 'eth0');
    await expect(f.add(v, 'eth9')).rejects.toMatchObject({ code: 'HAVIPD_ADDRESS', errno: 'ENODEV' });
    f.failOn('eth0', 'EPERM');
    await expect(f.add(v, 'eth0')).rejects.toMatchObject({ code: 'HAVIPD_ADDRESS', errno: 'EPERM' });
    f.clearFailure('eth0');
    f.failNext((c) => c.op === 'remove', 'EIO');
    await f.add(v, 'eth0');
    await expect(f.remove(v, 'eth0')).rejects.toMatchObject({ errno: 'EIO' });
    expect(f.addressesOf('eth0')).toEqual(['10.0.0.100/24']);
    expect(f.callLog()).toEqual([
      'add eth0 10.0.0.100/24 ok',
      'add eth0 10.0.0.100/24 noop',
      'remove eth0 10.0.0.100/24 ok',
      'remove eth0 10.0.0.100/24 noop',
      'add eth9 10.0.0.100/24 ENODEV',
      'add eth0 10.0.0.100/24 EPERM',
      'add eth0 10.0.0.100/24 ok',
      'remove eth0 10.0.0.100/24 EIO',
    ]);
    f.close();
    await expect(f.list('eth0')).rejects.toMatchObject({ errno: 'EBADF' });
  });
});
