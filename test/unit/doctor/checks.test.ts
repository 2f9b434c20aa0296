// src/doctor/checks.ts: `havipd doctor`'s decisions from gathered facts, check by check; and
// src/doctor/cloud.ts (DMI → cloud) and src/doctor/report.ts (text, JSON, exit code).
import { describe, expect, it } from 'vitest';
import {
  aggregateHeard,
  checkCapabilities,
  checkConfigVerdict,
  checkFirewall,
  checkGarpLimit,
  checkInterfaces,
  checkMulticastOnCloud,
  checkPeerAdverts,
  checkSourceAddresses,
  checkVipPrimary,
  checkVridClash,
  defaultListenSeconds,
  runChecks,
  type DoctorFacts,
  type HeardAdvert,
  type LinkFacts,
} from '../../../src/doctor/checks.js';
import { detectCloud } from '../../../src/doctor/cloud.js';
import { parseNftJson } from '../../../src/doctor/firewall.js';
import { buildReport, doctorExitCode, renderText } from '../../../src/doctor/report.js';
import { encodeAdvert } from '../../../src/vrrp/packet.js';
import { frameIpv4 } from '../../../src/edges/transport/ipv4-header.js';
import { centiseconds, micros } from '../../../src/net/units.js';
import type { DaemonConfig } from '../../../src/config-parser/types.js';
import { daemonConfig, instanceConfig, vip } from '../../support/config.js';

const link = (v4: string[], o: Partial<LinkFacts> = {}): LinkFacts => ({ adminUp: true, running: true, addresses: { 4: v4, 6: ['fe80::1'] }, ...o });

const UNICAST = daemonConfig({ instances: [instanceConfig({ name: 'VI_1', vrid: 51, peers: ['10.0.0.2'], unicastSrcIp: '10.0.0.1', vips: ['10.0.0.100'] })] });
const TENCENT = detectCloud({ sys_vendor: 'Tencent Cloud', product_name: 'CVM' });

function facts(o: Partial<DoctorFacts> = {}): DoctorFacts {
  return {
    configFile: '/etc/keepalived/keepalived.conf',
    capabilities: { netRaw: true, netAdmin: true },
    configVerdict: { exitCode: 0, errors: 0, warnings: 0, first: [] },
    config: UNICAST,
    links: new Map([['eth0', link(['10.0.0.1'])], ['lo', link(['127.0.0.1'])]]),
    cloud: undefined,
    listen: { done: true, seconds: 5, heard: [], errors: [] },
    firewall: { rulesets: [], errors: [] },
    localStates: undefined,
    ...o,
  };
}

const heard = (o: Partial<HeardAdvert> = {}): HeardAdvert => ({ ifname: 'eth0', family: 4, src: '10.0.0.2', dst: '10.0.0.1', vrid: 51, priority: 100, version: 2, addresses: ['10.0.0.100'], count: 5, ...o });
const statuses = (fs: readonly { status: string }[]) => fs.map((f) => f.status);

describe('capabilities', () => {
  it('both: ok; either missing: fail naming it, with advice', () => {
    expect(statuses(checkCapabilities(facts()))).toEqual(['ok']);
    const raw = checkCapabilities(facts({ capabilities: { netRaw: false, netAdmin: true } }))[0]!;
    expect(raw).toMatchObject({ status: 'fail', message: expect.stringContaining('CAP_NET_RAW missing') });
    expect(raw.advice).toMatch(/AmbientCapabilities/);
    expect(checkCapabilities(facts({ capabilities: { netRaw: true, netAdmin: false } }))[0]!.message).toMatch(/CAP_NET_ADMIN missing.*VIPs/);
    expect(checkCapabilities(facts({ capabilities: { netRaw: false, netAdmin: false } }))[0]!.message).toMatch(/CAP_NET_RAW and CAP_NET_ADMIN missing/);
  });
});

describe('config verdict', () => {
  it('clean: ok; warnings only: warn; errors, no config or an internal error: fail', () => {
    expect(checkConfigVerdict(facts())[0]).toMatchObject({ status: 'ok', message: 'havipd -t: configuration OK (1 instance)' });
    expect(checkConfigVerdict(facts({ configVerdict: { exitCode: 5, errors: 0, warnings: 2, first: ['x:1:1: warning: w'] } }))[0]).toMatchObject({ status: 'warn', message: 'havipd -t: 2 warnings, exit 5; first: x:1:1: warning: w' });
    expect(checkConfigVerdict(facts({ configVerdict: { exitCode: 4, errors: 1, warnings: 0, first: ['x:2:1: error: e'] } }))[0]).toMatchObject({ status: 'fail', message: 'havipd -t: 1 error, exit 4; first: x:2:1: error: e' });
    expect(checkConfigVerdict(facts({ config: undefined, configVerdict: { exitCode: 4, errors: 1, warnings: 0, first: [] } }))[0]!.status).toBe('fail');
    expect(checkConfigVerdict(facts({ configVerdict: { exitCode: 70, errors: 0, warnings: 0, first: [], internalError: 'TypeError: x' } }))[0]).toMatchObject({ status: 'fail', message: expect.stringContaining('internal error') });
  });
});

describe('interfaces', () => {
  it('up: ok; missing, admin down, no carrier: fail; one line per interface naming its instances', () => {
    expect(checkInterfaces(facts())).toEqual([{ check: 'interface', status: 'ok', subject: 'eth0', message: 'eth0 is up (VI_1)' }]);
    expect(checkInterfaces(facts({ links: new Map() }))[0]).toMatchObject({ status: 'fail', message: 'eth0 does not exist (used by VI_1)' });
    expect(checkInterfaces(facts({ links: new Map([['eth0', link([], { adminUp: false, running: false })]]) }))[0]).toMatchObject({ status: 'fail', advice: 'bring it up: ip link set eth0 up' });
    expect(checkInterfaces(facts({ links: new Map([['eth0', link([], { running: false })]]) }))[0]!.message).toMatch(/no carrier/);
    expect(checkInterfaces(facts({ links: undefined }))[0]!.status).toBe('skip');
    const two = daemonConfig({ instances: [instanceConfig({ name: 'A', vrid: 1 }), instanceConfig({ name: 'B', vrid: 2 }), instanceConfig({ name: 'C', vrid: 3, interface: 'eth1' })] });
    expect(checkInterfaces(facts({ config: two })).map((f) => f.message)).toEqual(['eth0 is up (A, B)', 'eth1 does not exist (used by C)']);
    expect(checkInterfaces(facts({ config: undefined }))).toEqual([]);
  });

  it('an instance without interface uses default_interface', () => {
    const cfg = daemonConfig({ global: { defaultInterface: 'eth7' }, instances: [instanceConfig({ interface: undefined })] });
    expect(checkInterfaces(facts({ config: cfg }))[0]!.subject).toBe('eth7');
  });
});

describe('advert source address (issue 11 §6)', () => {
  it('unicast_src_ip on the interface: ok; not on it: fail; a VIP: fail', () => {
    expect(checkSourceAddresses(facts())[0]).toMatchObject({ status: 'ok', message: 'adverts leave from 10.0.0.1 (unicast_src_ip)' });
    expect(checkSourceAddresses(facts({ links: new Map([['eth0', link(['10.0.0.7'])]]) }))[0]).toMatchObject({ status: 'fail', message: expect.stringContaining('unicast_src_ip 10.0.0.1 is not an address of eth0') });
    const srcIsVip = daemonConfig({ instances: [instanceConfig({ name: 'VI_1', peers: ['10.0.0.2'], unicastSrcIp: '10.0.0.100', vips: ['10.0.0.100'] })] });
    expect(checkSourceAddresses(facts({ config: srcIsVip, links: new Map([['eth0', link(['10.0.0.1', '10.0.0.100'])]]) }))[0]).toMatchObject({ status: 'fail', message: expect.stringContaining('10.0.0.100 is a VIP (of VI_1)') });
  });

  it('without unicast_src_ip: the primary address that is no VIP; only VIPs: fail', () => {
    const noSrc = daemonConfig({ instances: [instanceConfig({ name: 'VI_1', peers: ['10.0.0.2'], vips: ['10.0.0.100'] })] });
    expect(checkSourceAddresses(facts({ config: noSrc, links: new Map([['eth0', link(['10.0.0.100', '10.0.0.1'])]]) }))[0]).toMatchObject({ status: 'ok', message: "adverts leave from 10.0.0.1 (eth0's primary address)" });
    expect(checkSourceAddresses(facts({ config: noSrc, links: new Map([['eth0', link(['10.0.0.100'])]]) }))[0]).toMatchObject({ status: 'fail', message: expect.stringContaining('no IPv4 address that is not a VIP') });
    // A VIP of another instance counts too.
    const two = daemonConfig({ instances: [instanceConfig({ name: 'A', vrid: 1, vips: ['10.0.0.100'] }), instanceConfig({ name: 'B', vrid: 2, interface: 'eth1', vips: ['10.0.0.200'] })] });
    expect(checkSourceAddresses(facts({ config: two, links: new Map([['eth0', link(['10.0.0.200', '10.0.0.1'])], ['eth1', link(['10.1.0.1'])]]) }))[0]!.message).toBe("adverts leave from 10.0.0.1 (eth0's primary address)");
  });

  it('mcast_src_ip is the configured source of a multicast instance', () => {
    const m = daemonConfig({ instances: [instanceConfig({ name: 'M', mcastSrcIp: '10.0.0.1' })] });
    expect(checkSourceAddresses(facts({ config: m }))[0]!.message).toBe('adverts leave from 10.0.0.1 (mcast_src_ip)');
  });

  it('a missing interface is left to the interface check', () => {
    expect(checkSourceAddresses(facts({ links: new Map() }))).toEqual([]);
  });
});

describe('VIP as the primary address', () => {
  it('the first IPv4 address a VIP: fail with the order and advice; otherwise ok', () => {
    const f = checkVipPrimary(facts({ links: new Map([['eth0', link(['10.0.0.100', '10.0.0.1'])]]) }))[0]!;
    expect(f).toMatchObject({ check: 'vip-primary', status: 'fail', subject: 'eth0' });
    expect(f.message).toMatch(/^the VIP 10.0.0.100 \(of VI_1\) is eth0's primary IPv4 address; 10.0.0.1 follow/);
    expect(f.message).toMatch(/removing the VIP \(at start-up or on failover\) also deletes 10\.0\.0\.1 \(net\.ipv4\.conf\.eth0\.promote_secondaries is unknown\)$/);
    expect(f.advice).toMatch(/^sysctl -w net\.ipv4\.conf\.eth0\.promote_secondaries=1, then .*ip addr del 10.0.0.100 dev eth0/);
    const off = checkVipPrimary(facts({ links: new Map([['eth0', link(['10.0.0.100', '10.0.0.1'], { promoteSecondaries: false })]]) }))[0]!;
    expect(off.message).toMatch(/promote_secondaries is off\)$/);
    // promote_secondaries on: the own address survives, but the VM still sends from the VIP.
    const on = checkVipPrimary(facts({ links: new Map([['eth0', link(['10.0.0.100', '10.0.0.1'], { promoteSecondaries: true })]]) }))[0]!;
    expect(on.status).toBe('fail');
    expect(on.message).toMatch(/the VM sends its own traffic from the VIP/);
    expect(on.advice).toMatch(/^put the VM's own address first/);
    expect(checkVipPrimary(facts({ links: new Map([['eth0', link(['10.0.0.1', '10.0.0.100'])]]) }))[0]!.status).toBe('ok');
    expect(checkVipPrimary(facts({ links: new Map([['eth0', link([])]]) }))).toEqual([]);
  });

  it('IPv6: the first link-local address', () => {
    const v6 = daemonConfig({ instances: [instanceConfig({ name: 'V6', family: 6, vips: ['fe80::100', '2001:db8::100'] })] });
    const l = (a: string[]): LinkFacts => ({ adminUp: true, running: true, addresses: { 4: [], 6: a } });
    expect(checkVipPrimary(facts({ config: v6, links: new Map([['eth0', l(['2001:db8::1', 'fe80::100', 'fe80::1'])]]) }))[0]!.status).toBe('fail');
    expect(checkVipPrimary(facts({ config: v6, links: new Map([['eth0', l(['fe80::1', 'fe80::100'])]]) }))[0]!.status).toBe('ok');
  });
});

describe('peer adverts heard', () => {
  it('heard with our VRID: ok with the count', () => {
    expect(checkPeerAdverts(facts({ listen: { done: true, seconds: 5, heard: [heard()], errors: [] } }))[0]).toMatchObject({ status: 'ok', subject: 'VI_1 ⇄ 10.0.0.2', message: 'heard 5 adverts from 10.0.0.2 in 5 s (VRID 51, priority 100)' });
  });

  it('nothing heard: fail with the security-group advice', () => {
    const f = checkPeerAdverts(facts())[0]!;
    expect(f).toMatchObject({ status: 'fail', message: 'no VRRP from 10.0.0.2 in 5 s' });
    expect(f.advice).toMatch(/^allow IP protocol 112 from 10.0.0.2 in the security group \/ firewall/);
  });

  it('nothing heard while the local instance is MASTER: only a warning (a healthy BACKUP is silent)', () => {
    expect(checkPeerAdverts(facts({ localStates: new Map([['VI_1', 'MASTER']]) }))[0]!.status).toBe('warn');
    expect(checkPeerAdverts(facts({ localStates: new Map([['VI_1', 'BACKUP']]) }))[0]!.status).toBe('fail');
  });

  it('heard from the peer with another VRID: fail naming both', () => {
    expect(checkPeerAdverts(facts({ listen: { done: true, seconds: 5, heard: [heard({ vrid: 52 })], errors: [] } }))[0]).toMatchObject({ status: 'fail', message: '10.0.0.2 sends VRID 52, but VI_1 uses VRID 51' });
  });

  it('adverts from other sources or families do not count for the peer', () => {
    const other = [heard({ src: '10.0.0.3' }), heard({ family: 6, src: '10.0.0.2' })];
    expect(checkPeerAdverts(facts({ listen: { done: true, seconds: 5, heard: other, errors: [] } }))[0]!.status).toBe('fail');
  });

  it('no listen: skip with the reason; multicast: skip', () => {
    expect(checkPeerAdverts(facts({ listen: { done: false, reason: 'not listening (--listen 0)' } }))[0]).toMatchObject({ status: 'skip', message: 'not checked: not listening (--listen 0)' });
    const m = daemonConfig({ instances: [instanceConfig({ name: 'M' })] });
    expect(checkPeerAdverts(facts({ config: m }))[0]!.status).toBe('skip');
  });
});

describe('VRID clash', () => {
  it('a unicast instance: a sender of our VRID not in unicast_peer is a clash', () => {
    const f = checkVridClash(facts({ listen: { done: true, seconds: 5, heard: [heard(), heard({ src: '10.0.0.9', priority: 200 })], errors: [] } }));
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ status: 'fail', subject: 'VI_1 (VRID 51)', message: '10.0.0.9 also uses VRID 51 on eth0 (priority 200, addresses 10.0.0.100) and is not a unicast_peer of VI_1' });
    expect(f[0]!.advice).toMatch(/unique/);
  });

  it('only peers, other VRIDs, other interfaces, our own addresses: ok', () => {
    const h = [heard(), heard({ src: '10.0.0.9', vrid: 52 }), heard({ src: '10.0.0.9', ifname: 'eth1' }), heard({ src: '127.0.0.1' })];
    expect(checkVridClash(facts({ links: new Map([['eth0', link(['10.0.0.1'])], ['lo', link(['127.0.0.1'])]]), listen: { done: true, seconds: 5, heard: h, errors: [] } }))).toEqual([
      { check: 'vrid-clash', status: 'ok', subject: 'VI_1 (VRID 51)', message: 'no other router heard using VRID 51 on eth0 in 5 s' },
    ]);
  });

  it('a multicast instance: a router of our VRID announcing other addresses is a clash; the same addresses are a peer', () => {
    const m = daemonConfig({ instances: [instanceConfig({ name: 'M', vrid: 51, vips: ['10.0.0.100'] })] });
    expect(checkVridClash(facts({ config: m, listen: { done: true, seconds: 5, heard: [heard({ src: '10.0.0.2' })], errors: [] } }))[0]!.status).toBe('ok');
    expect(checkVridClash(facts({ config: m, listen: { done: true, seconds: 5, heard: [heard({ src: '10.0.0.2', addresses: ['10.0.0.77'] })], errors: [] } }))[0]!.status).toBe('fail');
  });

  it('no listen: skip', () => {
    expect(checkVridClash(facts({ listen: { done: false, reason: 'x' } }))[0]!.status).toBe('skip');
  });
});

describe('firewall', () => {
  const dropVrrp = parseNftJson(JSON.stringify({ nftables: [
    { chain: { family: 'inet', table: 't', name: 'in', handle: 1, type: 'filter', hook: 'input', prio: 0, policy: 'accept' } },
    { rule: { family: 'inet', table: 't', chain: 'in', handle: 3, expr: [{ match: { op: '==', left: { payload: { protocol: 'ip', field: 'protocol' } }, right: 'vrrp' } }, { drop: null }] } },
  ] }))!;
  const maybe = parseNftJson(JSON.stringify({ nftables: [
    { chain: { family: 'inet', table: 't', name: 'out', handle: 1, type: 'filter', hook: 'output', prio: 0, policy: 'accept' } },
    { rule: { family: 'inet', table: 't', chain: 'out', handle: 4, expr: [{ match: { op: '==', left: { payload: { protocol: 'ip', field: 'daddr' } }, right: '@blocked' } }, { drop: null }] } },
  ] }))!;

  it('a rule that drops protocol 112 from the peer: fail naming the rule', () => {
    const f = checkFirewall(facts({ firewall: { rulesets: [dropVrrp], errors: [] } }));
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ status: 'fail', subject: 'VI_1', message: 'inet t in handle 3 drops VRRP from 10.0.0.2 (IP protocol 112) on eth0' });
  });

  it('a rule that may drop: warn; none: one ok line; no rules at all: ok; a tool error: warn', () => {
    expect(checkFirewall(facts({ firewall: { rulesets: [maybe], errors: [] } }))[0]).toMatchObject({ status: 'warn', message: expect.stringContaining('may drop VRRP to 10.0.0.2') });
    expect(checkFirewall(facts({ firewall: { rulesets: [parseNftJson('{"nftables": []}')!], errors: [] } }))).toEqual([{ check: 'firewall', status: 'ok', subject: 'VI_1', message: 'nft let VRRP through to and from 10.0.0.2' }]);
    expect(checkFirewall(facts())).toEqual([{ check: 'firewall', status: 'ok', subject: '', message: 'no nftables or iptables rules on this host' }]);
    expect(checkFirewall(facts({ firewall: { rulesets: [], errors: ['nft -j list ruleset failed: Operation not permitted'] } }))[0]!.status).toBe('warn');
  });
});

describe('cloud: GARP limit and multicast', () => {
  const vips = (n: number) => Array.from({ length: n }, (_, i) => `10.0.0.${100 + i}`);

  it('Tencent: at most 5 VIPs per NIC (VIPs on another dev count there)', () => {
    const six = daemonConfig({ instances: [instanceConfig({ name: 'A', vrid: 1, peers: ['10.0.0.2'], vips: vips(4) }), instanceConfig({ name: 'B', vrid: 2, peers: ['10.0.0.2'], vips: [...vips(6).slice(4), vip('10.9.0.1', { dev: 'eth1' })] })] });
    const f = checkGarpLimit(facts({ config: six, cloud: TENCENT }));
    expect(f.map((x) => [x.subject, x.status])).toEqual([['eth0', 'fail'], ['eth1', 'ok']]);
    expect(f[0]!.message).toBe('eth0 carries 6 VIPs; Tencent Cloud moves at most 5 HAVIPs per NIC');
    const five = daemonConfig({ instances: [instanceConfig({ name: 'A', peers: ['10.0.0.2'], vips: vips(5) })] });
    expect(checkGarpLimit(facts({ config: five, cloud: TENCENT }))[0]!.status).toBe('ok');
    // No cloud, or a cloud without a documented limit: not checked.
    expect(checkGarpLimit(facts({ config: six }))).toEqual([]);
    expect(checkGarpLimit(facts({ config: six, cloud: detectCloud({ sys_vendor: 'Alibaba Cloud' }) }))).toEqual([]);
  });

  it('multicast instances on a detected cloud: fail; unicast ones and no cloud: nothing', () => {
    const mixed = daemonConfig({ instances: [instanceConfig({ name: 'M', vrid: 1 }), instanceConfig({ name: 'U', vrid: 2, peers: ['10.0.0.2'] })] });
    const f = checkMulticastOnCloud(facts({ config: mixed, cloud: detectCloud({ product_name: 'Alibaba Cloud ECS' }) }));
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ status: 'fail', subject: 'M', message: expect.stringContaining("Alibaba Cloud's VPC does not carry") });
    expect(checkMulticastOnCloud(facts({ config: mixed }))).toEqual([]);
  });
});

describe('detectCloud', () => {
  it.each([
    [{ sys_vendor: 'Tencent Cloud', product_name: 'CVM' }, 'tencent'],
    [{ sys_vendor: 'Alibaba Cloud', product_name: 'Alibaba Cloud ECS' }, 'alibaba'],
    [{ product_name: 'Alibaba Cloud ECS' }, 'alibaba'],
    [{ sys_vendor: 'Amazon EC2', product_name: 'm5.large' }, 'aws'],
    [{ sys_vendor: 'Xen', product_version: '4.11.amazon' }, 'aws'],
    [{ sys_vendor: 'Google', product_name: 'Google Compute Engine' }, 'gcp'],
    [{ sys_vendor: 'Microsoft Corporation', product_name: 'Virtual Machine', chassis_asset_tag: '7783-7084-3265-9085-8269-3286-77' }, 'azure'],
    [{ chassis_asset_tag: 'OracleCloud.com' }, 'oracle'],
  ])('%o → %s', (dmi, id) => {
    expect(detectCloud(dmi)?.id).toBe(id);
  });

  it('bare metal, QEMU, on-premises Hyper-V, nothing: undefined', () => {
    expect(detectCloud({ sys_vendor: 'QEMU', product_name: 'Standard PC (Q35 + ICH9, 2009)', bios_vendor: 'SeaBIOS' })).toBeUndefined();
    expect(detectCloud({ sys_vendor: 'Microsoft Corporation', product_name: 'Virtual Machine', chassis_asset_tag: '1234' })).toBeUndefined();
    expect(detectCloud({})).toBeUndefined();
  });

  it('the evidence names the field; Tencent has the 5-per-NIC limit', () => {
    expect(TENCENT).toEqual({ id: 'tencent', name: 'Tencent Cloud', evidence: 'sys_vendor="Tencent Cloud"', vipsPerNic: 5 });
  });
});

describe('aggregateHeard', () => {
  const advert = (vrid: number, priority: number) => encodeAdvert({ version: 2, vrid, priority, advertInt: centiseconds(100), addresses: ['10.0.0.100'], family: 4 }, { src: '10.0.0.2', dst: '10.0.0.1', checksumMode: 'plain' });
  const pkt = (data: Uint8Array, src = '10.0.0.2') => ({ family: 4 as const, ifname: 'eth0', src, dst: '10.0.0.1', ttl: 255, data: frameIpv4(data, { src, dst: '10.0.0.1', ttl: 255, id: 1 }), hasIpHeader: true });

  it('counts per (interface, source, VRID), keeping the last priority; junk is counted, never thrown on', () => {
    const r = aggregateHeard([pkt(advert(51, 100)), pkt(advert(51, 110)), pkt(advert(52, 100)), pkt(advert(51, 100), '10.0.0.9'), pkt(new Uint8Array([1, 2, 3]))]);
    expect(r.undecodable).toBe(1);
    expect(r.heard.map((h) => [h.src, h.vrid, h.count, h.priority, h.addresses])).toEqual([
      ['10.0.0.2', 51, 2, 110, ['10.0.0.100']],
      ['10.0.0.2', 52, 1, 100, ['10.0.0.100']],
      ['10.0.0.9', 51, 1, 100, ['10.0.0.100']],
    ]);
    expect(aggregateHeard([{ family: 4, ifname: 'eth0', src: 'x', dst: 'y', ttl: 1, data: new Uint8Array(0), hasIpHeader: true }]).undecodable).toBe(1);
  });
});

describe('defaultListenSeconds', () => {
  it('3 advert intervals, at least 3 s, at most 60 s', () => {
    const cfg = (s: number): DaemonConfig => daemonConfig({ instances: [instanceConfig({ advertInt: micros(s * 1e6) })] });
    expect(defaultListenSeconds(cfg(1))).toBe(3);
    expect(defaultListenSeconds(cfg(0.5))).toBe(3);
    expect(defaultListenSeconds(cfg(2))).toBe(6);
    expect(defaultListenSeconds(cfg(30))).toBe(60);
    expect(defaultListenSeconds(undefined)).toBe(3);
  });
});

describe('report', () => {
  it('exit 1 on any failure, 0 otherwise (warnings and skips included)', () => {
    const healthy = runChecks(facts({ listen: { done: true, seconds: 5, heard: [heard()], errors: [] } }));
    expect(statuses(healthy).every((s) => s === 'ok')).toBe(true);
    expect(doctorExitCode(healthy)).toBe(0);
    expect(doctorExitCode([{ check: 'firewall', status: 'warn', subject: '', message: 'm', advice: 'a' }, { check: 'peer-adverts', status: 'skip', subject: '', message: 'm' }])).toBe(0);
    expect(doctorExitCode(runChecks(facts()))).toBe(1);
  });

  it('text: one line per finding, an advice line under problems, a summary; JSON: schema 1', () => {
    const findings = runChecks(facts({ cloud: TENCENT }));
    const r = buildReport({ version: '0.1.0', configFile: '/etc/keepalived/keepalived.conf', cloud: TENCENT, listenSeconds: 5, findings });
    const text = renderText(r);
    expect(text).toMatch(/^havipd doctor 0\.1\.0: \/etc\/keepalived\/keepalived\.conf\n/);
    expect(text).toMatch(/\nfail  peer-adverts +VI_1 ⇄ 10\.0\.0\.2: no VRRP from 10\.0\.0\.2 in 5 s\n +→ allow IP protocol 112 from 10\.0\.0\.2 in the security group \/ firewall/);
    expect(text).toMatch(/\n\d+ ok, 0 warnings, 1 failure, 0 skipped: failover would break \(exit 1\)\n$/);
    expect(text.split('\n').filter((l) => l.includes('→'))).toHaveLength(1);
    expect(Object.keys(r)).toEqual(['schema', 'version', 'configFile', 'cloud', 'listenSeconds', 'findings', 'summary', 'exitCode']);
    expect(r).toMatchObject({ schema: 1, cloud: { id: 'tencent', name: 'Tencent Cloud' }, listenSeconds: 5, exitCode: 1, summary: { fail: 1, warn: 0, skip: 0 } });
    expect(r.findings.find((f) => f.status === 'ok')!.advice).toBeNull();
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('control characters from the system are not printed raw', () => {
    const r = buildReport({ version: '0', configFile: 'a\u001b[31mb', cloud: undefined, listenSeconds: undefined, findings: [] });
    expect(renderText(r)).not.toContain('\u001b');
    expect(r.listenSeconds).toBeNull();
  });
});
