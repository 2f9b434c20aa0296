// Pure parts of the interop harness: tshark row parsing (test/support/capture.ts), the interop guard's
// decision (skip locally, fail under CI), keepalived's argv, unique namespace names, relative imports.

import { describe, expect, it } from 'vitest';
import { capturedDrops, parseTsharkLine, TSHARK_FIELDS, tsharkArgs } from '../../support/capture.js';
import { decideInterop, isCi } from '../../support/interop-guard.js';
import { keepalivedArgv } from '../../support/keepalived.js';
import { decidePeer } from '../../support/oracles.js';
import { uniqueNetnsName } from '../../support/netns.js';
import { relativeImports } from '../../support/ts-child.js';

const line = (fields: Partial<Record<(typeof TSHARK_FIELDS)[number], string>>): string => TSHARK_FIELDS.map((f) => fields[f] ?? '').join('\t');

describe('capturedDrops', () => {
  it('reads tcpdump\'s closing statistics; undefined before it printed them', () => {
    const out = 'tcpdump: listening on br0, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n1520 packets captured\n1522 packets received by filter\n2 packets dropped by kernel\n';
    expect(capturedDrops(out)).toBe(2);
    expect(capturedDrops(out.replace('2 packets dropped', '0 packets dropped'))).toBe(0);
    expect(capturedDrops(out.replace('2 packets dropped by kernel', '1 packet dropped by kernel'))).toBe(1);
    expect(capturedDrops('tcpdump: listening on br0\n')).toBeUndefined();
  });
});

describe('parseTsharkLine', () => {
  it('decodes a VRRPv2 advert', () => {
    const r = parseTsharkLine(
      line({
        'frame.time_epoch': '1763680000.123456',
        'eth.src': '72:0b:8b:20:5d:d1',
        'eth.dst': '01:00:5e:00:00:12',
        'ip.src': '10.200.0.1',
        'ip.dst': '224.0.0.18',
        'ip.ttl': '255',
        'vrrp.version': '2',
        'vrrp.type': '1',
        'vrrp.virt_rtr_id': '51',
        'vrrp.prio': '150',
        'vrrp.addr_count': '2',
        'vrrp.ip_addr': '10.200.0.100,10.200.0.101',
        'vrrp.auth_type': '1',
        'vrrp.adver_int': '1',
        'vrrp.checksum.status': '1',
      }),
    );
    expect(r).toEqual({
      time: 1763680000.123456,
      ethSrc: '72:0b:8b:20:5d:d1',
      ethDst: '01:00:5e:00:00:12',
      src: '10.200.0.1',
      dst: '224.0.0.18',
      proto: 'vrrp',
      ttl: 255,
      vrrp: { version: 2, type: 1, vrid: 51, priority: 150, addrCount: 2, addresses: ['10.200.0.100', '10.200.0.101'], authType: 1, adverInt: 1, checksum: 'good' },
      arp: undefined,
      icmpv6: undefined,
    });
  });
  it('decodes a VRRPv3 IPv6 advert: hop limit and centisecond interval', () => {
    const r = parseTsharkLine(
      line({ 'ipv6.src': 'fe80::1', 'ipv6.dst': 'ff02::12', 'ipv6.hlim': '255', 'vrrp.version': '3', 'vrrp.type': '1', 'vrrp.virt_rtr_id': '53', 'vrrp.prio': '100', 'vrrp.ipv6_addr': 'fd00::100', 'vrrp.short_adver_int': '100', 'vrrp.adver_int': '', 'vrrp.checksum.status': '2' }),
    );
    expect(r).toMatchObject({ src: 'fe80::1', dst: 'ff02::12', ttl: 255, proto: 'vrrp', vrrp: { version: 3, addresses: ['fd00::100'], adverInt: 100, checksum: 'unverified' } });
  });
  it('decodes a gratuitous ARP and an unsolicited NA', () => {
    const arp = parseTsharkLine(line({ 'arp.opcode': '1', 'arp.src.hw_mac': 'aa:bb:cc:dd:ee:ff', 'arp.src.proto_ipv4': '10.0.0.100', 'arp.dst.hw_mac': 'ff:ff:ff:ff:ff:ff', 'arp.dst.proto_ipv4': '10.0.0.100' }));
    expect(arp).toMatchObject({ proto: 'arp', src: undefined, ttl: undefined, arp: { op: 1, senderIp: '10.0.0.100', targetIp: '10.0.0.100', targetMac: 'ff:ff:ff:ff:ff:ff' } });
    const na = parseTsharkLine(line({ 'ipv6.src': 'fd00::100', 'ipv6.dst': 'ff02::1', 'ipv6.hlim': '255', 'icmpv6.type': '136', 'icmpv6.nd.na.target_address': 'fd00::100', 'icmpv6.nd.na.flag.o': 'True' }));
    expect(na).toMatchObject({ proto: 'icmpv6', icmpv6: { type: 136, target: 'fd00::100', override: true } });
  });
  it('takes the innermost address of repeated fields and tolerates short lines', () => {
    expect(parseTsharkLine(line({ 'ip.src': '1.1.1.1,2.2.2.2', 'ip.dst': '3.3.3.3,4.4.4.4', 'ip.ttl': '64,255' }))).toMatchObject({ src: '2.2.2.2', dst: '4.4.4.4', ttl: 255, proto: 'ipv4' });
    expect(parseTsharkLine('1.5')).toMatchObject({ time: 1.5, proto: 'other', vrrp: undefined });
  });
  it('tsharkArgs asks for every field, tab-separated', () => {
    const a = tsharkArgs('/x.pcap');
    expect(a.slice(0, 3)).toEqual(['-r', '/x.pcap', '-n']);
    expect(a.filter((x) => x === '-e')).toHaveLength(TSHARK_FIELDS.length);
  });
});

describe('interop guard', () => {
  const has = (present: string[]) => (t: string) => present.includes(t);
  it('runs when root and every tool is there', () => {
    expect(decideInterop({ uid: 0, env: {}, has: has(['ip', 'keepalived', 'tcpdump', 'tshark']) })).toEqual({ skip: false, missing: [], reason: '' });
  });
  it('skips locally when something is missing', () => {
    const r = decideInterop({ uid: 1000, env: {}, has: has(['ip']) });
    expect(r).toMatchObject({ skip: true, missing: ['root', 'keepalived', 'tcpdump', 'tshark'] });
  });
  it('throws under CI instead of skipping', () => {
    expect(() => decideInterop({ uid: 0, env: { CI: 'true' }, has: has(['ip', 'tcpdump', 'tshark']) })).toThrow(/keepalived.*CI is set/);
  });
  it('CI values', () => {
    expect([undefined, '', '0', 'false', 'FALSE', 'true', '1'].map((v) => isCi(v === undefined ? {} : { CI: v }))).toEqual([false, false, false, false, false, true, true]);
  });
});

describe('harness helpers', () => {
  it('keepalived runs in the foreground, VRRP only, with its own pid files', () => {
    expect(keepalivedArgv('/d', ['-x'])).toEqual(['keepalived', '-n', '-l', '-D', '-P', '-f', '/d/keepalived.conf', '-p', '/d/keepalived.pid', '-r', '/d/vrrp.pid', '-c', '/d/checkers.pid', '-x']);
  });
  it('an oracle built without the checker (2.4.3, --disable-lvs) runs by path, without -P and -c', () => {
    expect(keepalivedArgv('/d', [], { name: 'keepalived-2.4.3', path: '/c/keepalived', hasChecker: false }))
      .toEqual(['/c/keepalived', '-n', '-l', '-D', '-f', '/d/keepalived.conf', '-p', '/d/keepalived.pid', '-r', '/d/vrrp.pid']);
  });
  it('a missing oracle skips with its reason, or throws under CI', () => {
    expect(decidePeer('keepalived-2.4.3', { path: '/c/k' }, {})).toEqual({ name: 'keepalived-2.4.3', binary: { name: 'keepalived-2.4.3', path: '/c/k', hasChecker: false }, reason: '' });
    expect(decidePeer('keepalived-2.4.3', { reason: 'not built' }, {})).toEqual({ name: 'keepalived-2.4.3', binary: undefined, reason: 'keepalived-2.4.3 oracle unavailable: not built' });
    expect(() => decidePeer('keepalived-2.4.3', { reason: 'not built' }, { CI: 'true' })).toThrow(/keepalived-2.4.3 oracle unavailable: not built \(CI is set/);
  });
  it('namespace names are unique and carry the pid', () => {
    const a = uniqueNetnsName();
    const b = uniqueNetnsName();
    expect(a).not.toBe(b);
    expect(a.split('-')[2]).toBe(process.pid.toString(36));
    expect(uniqueNetnsName('hv-x')).toMatch(/^hv-x-/);
  });
  it('relativeImports finds static, side-effect and dynamic relative imports only', () => {
    const src = `import { a } from './a.js';\nimport type { B } from '../b.js';\nexport * from "./c.js";\nimport './d.js';\nconst e = await import('./e.js');\nimport x from 'netlink';`;
    expect(relativeImports(src).sort()).toEqual(['../b.js', './a.js', './c.js', './d.js', './e.js']);
  });
});
