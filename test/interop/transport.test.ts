// Interop: the raw transport, the GARP/NA sender and the UDP transport on real sockets in throw-away
// namespaces (hv-n1-*). Checks RFC 5798 §5.1.1.3 / §5.1.2.3 (TTL / hop limit 255), keepalived's IPv4
// header (TOS 0xc0, ID counter, no DF), recvmsg metadata (TTL, destination, ifindex), GARP / NA on
// the wire (tcpdump + tshark in the peer namespace), coded errors (ENODEV, EPERM, ENETDOWN,
// ENETUNREACH), fd release at env teardown, and UDP mode as uid 65534.
//
// The agent (helpers/transport-agent.mjs) runs inside the namespaces against dist/ and
// build/Release: `npm run build:native && npm run build` first (npm ci does both).

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interopGuard } from '../support/interop-guard.js';
import { createLan, createNetns, destroyAll, scratchDir, sleep, waitFor, type Lan } from '../support/netns.js';
import { startCapture } from '../support/capture.js';
import { encodeAdvert } from '../../src/vrrp/packet.js';
import type { Centiseconds } from '../../src/net/units.js';
import { agent, NOBODY, receiver, ROOT } from './helpers/agent.js';

const guard = interopGuard(['setpriv']);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const v3 = (vrid: number, addrs: string[], family: 4 | 6, src: string, dst: string): string =>
  hex(
    encodeAdvert(
      { version: 3, vrid, priority: 100, advertInt: 100 as Centiseconds, addresses: addrs, family },
      { checksumMode: 'pseudo', src, dst },
    ),
  );

describe.skipIf(guard.skip)('interop: raw transport, GARP/NA sender, UDP transport', () => {
  let lan: Lan;
  let scratch: { path: string; remove(): void };

  beforeAll(async () => {
    for (const f of ['build/Release/havipd_native.node', 'dist/edges/transport/raw.js', 'dist/edges/frames.js']) {
      if (!existsSync(join(ROOT, f))) throw new Error(`${f} missing: run npm run build:native && npm run build first`);
    }
    scratch = scratchDir('hv-n1-tr');
    lan = await createLan({ prefix: 'hv-n1' });
  });

  afterAll(async () => {
    await destroyAll();
    scratch?.remove();
  });

  it('IPv4 multicast: keepalived header (TOS 0xc0, ID 1 then 2, no DF, TTL 255); TTL, dst and ifindex from recvmsg', async () => {
    const msg = v3(51, ['10.9.0.100'], 4, lan.ipA, '224.0.0.18');
    const ifindex = Number(JSON.parse((await lan.b.ip(['-j', 'link', 'show', 'dev', lan.ifB])).stdout)[0].ifindex);
    const done = await receiver(lan.b, { mode: 'native-recv', family: 4, ifname: lan.ifB, groups: ['224.0.0.18'], count: 2, timeoutMs: 8000 });
    const sent = await agent(lan.a, {
      mode: 'send',
      open: { ifname: lan.ifA, family: 4, mcastGroups: [] },
      sends: [{ message: msg, opts: { src: lan.ipA, dst: '224.0.0.18', ttl: 255, ifname: lan.ifA, family: 4 } }],
      repeat: 2,
    });
    expect(sent.filter((e) => e.event === 'sent')).toHaveLength(2);
    const pkts = (await done()).filter((e) => e.event === 'packet');
    expect(pkts).toHaveLength(2);
    for (const [i, p] of pkts.entries()) {
      expect(p).toMatchObject({ src: lan.ipA, dst: '224.0.0.18', ttl: 255, ifindex, boundIfindex: ifindex, truncated: false });
      // SCM_TIMESTAMPNS: how long before the read the kernel received it (µs, 0..1 s; the agent reads at once).
      expect(p.ageMicros).toEqual(expect.any(Number));
      expect(p.ageMicros as number).toBeGreaterThanOrEqual(0);
      expect(p.ageMicros as number).toBeLessThan(1_000_000);
      const data = p.data as string;
      expect(data.slice(0, 4)).toBe('45c0'); // version 4, IHL 5, TOS 0xc0
      expect(data.slice(8, 12)).toBe((i + 1).toString(16).padStart(4, '0')); // IP ID 1, 2
      expect(data.slice(12, 16)).toBe('0000'); // no DF, no fragment
      expect(data.slice(16, 20)).toBe('ff70'); // TTL 255, protocol 112
      expect(data.slice(40)).toBe(msg);
    }
  });

  it('a burst the daemon cannot read at once: 1 MiB of receive queue, not the 208 KiB default, and the drops reported with their count', async () => {
    const msg = v3(60, ['10.9.0.160'], 4, lan.ipA, '224.0.0.18');
    const n = 6000;
    const done = await receiver(lan.b, { mode: 'stall-recv', open: { ifname: lan.ifB, family: 4, mcastGroups: ['224.0.0.18'] }, stallMs: 3000, quietMs: 4000, timeoutMs: 15_000 });
    const send = (count: number) =>
      agent(lan.a, {
        mode: 'send',
        quiet: true,
        open: { ifname: lan.ifA, family: 4, mcastGroups: [] },
        sends: [{ message: msg, opts: { src: lan.ipA, dst: '224.0.0.18', ttl: 255, ifname: lan.ifA, family: 4 } }],
        repeat: count,
      });
    // A burst while the receiver cannot read, then (the receiver reading again) a few more: the kernel reports
    // the drop count with the next datagram it queues.
    const first = await send(n);
    await sleep(3_000);
    const more = await send(5);
    expect([...first, ...more].filter((e) => e.event === 'error')).toEqual([]);
    const events = await done();
    const received = events.find((e) => e.event === 'done')?.received as number;
    const drops = events.filter((e) => e.event === 'error');
    expect(drops.length, JSON.stringify(events.slice(0, 5))).toBeGreaterThan(0);
    let dropped = 0;
    for (const d of drops) {
      expect(d).toMatchObject({ where: 'receive', errno: 'ENOBUFS' });
      dropped += Number(/dropped (\d+) datagram/.exec(String(d.message))?.[1]);
    }
    // Every datagram either queued or counted as dropped by the socket (none lost elsewhere on the veth).
    expect(received + dropped).toBe(n + 5);
    // rmem_default (208 KiB) holds a few hundred of these; the 1 MiB queue thousands.
    expect(received).toBeGreaterThan(1500);
  });

  it('IPv4 unicast: sender bound to an unconfigured unicast_src (IP_FREEBIND); a bound receiver gets only unicast to its address', async () => {
    const freeSrc = lan.ipA.replace(/\.1$/, '.50');
    const msg = v3(52, ['10.9.0.101'], 4, freeSrc, lan.ipB);
    const done = await receiver(lan.b, {
      mode: 'recv',
      open: { ifname: lan.ifB, family: 4, unicastSrc: lan.ipB, mcastGroups: [] },
      count: 2,
      timeoutMs: 2500,
    });
    const sent = await agent(lan.a, {
      mode: 'send',
      open: { ifname: lan.ifA, family: 4, unicastSrc: freeSrc, mcastGroups: [] },
      sends: [
        { message: msg, opts: { src: freeSrc, dst: '224.0.0.18', ttl: 255, ifname: lan.ifA, family: 4 } },
        { message: msg, opts: { src: freeSrc, dst: lan.ipB, ttl: 255, ifname: lan.ifA, family: 4, ipId: 0x1234 } },
      ],
    });
    expect(sent.filter((e) => e.event === 'sent')).toHaveLength(2);
    const events = await done();
    const pkts = events.filter((e) => e.event === 'packet');
    expect(pkts).toHaveLength(1); // the multicast copy is not delivered to a socket bound to lan.ipB
    expect(pkts[0]).toMatchObject({ family: 4, ifname: lan.ifB, src: freeSrc, dst: lan.ipB, ttl: 255, hasIpHeader: true });
    expect((pkts[0]!.data as string).slice(8, 12)).toBe('1234'); // explicit IP ID
  });

  it('IPv6 multicast and unicast: hop limit 255 (and unicast_ttl 254 via cmsg), PKTINFO source, kernel checksum good on the wire', async () => {
    const ifindex = Number(JSON.parse((await lan.b.ip(['-j', 'link', 'show', 'dev', lan.ifB])).stdout)[0].ifindex);
    const cap = await startCapture(lan.b, lan.ifB, join(scratch.path, 'v6.pcap'), { filter: 'ip6 proto 112' });
    const msg = v3(53, ['fd00:9::100'], 6, '::', '::'); // checksum field is overwritten by the kernel (IPV6_CHECKSUM 6)
    const done = await receiver(lan.b, { mode: 'native-recv', family: 6, ifname: lan.ifB, groups: ['ff02::12'], count: 2, timeoutMs: 8000 });
    const sent = await agent(lan.a, {
      mode: 'send',
      open: { ifname: lan.ifA, family: 6, mcastGroups: [] },
      sends: [
        { message: msg, opts: { src: undefined, dst: 'ff02::12', ttl: 255, ifname: lan.ifA, family: 6 } },
        { message: msg, opts: { src: lan.ip6A, dst: lan.ip6B, ttl: 254, ifname: lan.ifA, family: 6 } },
      ],
    });
    expect(sent.filter((e) => e.event === 'sent')).toHaveLength(2);
    const pkts = (await done()).filter((e) => e.event === 'packet');
    expect(pkts).toHaveLength(2);
    expect(pkts[0]).toMatchObject({ dst: 'ff02::12', ttl: 255, ifindex });
    expect(pkts.every((p) => typeof p.ageMicros === 'number' && p.ageMicros >= 0 && p.ageMicros < 1_000_000)).toBe(true);
    expect(pkts[0]!.src as string).toMatch(/^fe80:/); // kernel default: the link-local address
    expect(pkts[1]).toMatchObject({ src: lan.ip6A, dst: lan.ip6B, ttl: 254, ifindex });
    // tcpdump (no --immediate-mode) hands packets over about 1 s late: wait for them (bounded) before stopping.
    await waitFor(async () => (await cap.peek()).filter((r) => r.proto === 'vrrp').length >= 2, { timeoutMs: 5000, what: 'VRRP in the pcap' });
    const rows = await cap.stop();
    const vrrp = rows.filter((r) => r.proto === 'vrrp');
    expect(vrrp).toHaveLength(2);
    expect(vrrp.map((r) => r.vrrp?.checksum)).toEqual(['good', 'good']);
    expect(vrrp.map((r) => r.ttl)).toEqual([255, 254]);
  });

  it('GARP and unsolicited NA are seen by tcpdump in the peer namespace with keepalived\'s layout', async () => {
    const vip6 = lan.ip6A.replace(/::1$/, '::100');
    await lan.a.ip(['addr', 'add', `${vip6}/64`, 'dev', lan.ifA, 'nodad']);
    const mac = (JSON.parse((await lan.a.ip(['-j', 'link', 'show', 'dev', lan.ifA])).stdout)[0].address as string).toLowerCase();
    const vip4 = lan.ipA.replace(/\.1$/, '.100');
    const cap = await startCapture(lan.b, lan.ifB, join(scratch.path, 'garp.pcap'), { filter: 'arp or (icmp6 and ip6[40] == 136)' });
    const ev = await agent(lan.a, { mode: 'frames', ifname: lan.ifA, ipv4: [vip4], ipv6: [vip6], repeat: 2 });
    expect(ev.filter((e) => e.event === 'sent')).toHaveLength(4);
    await waitFor(async () => (await cap.peek()).length >= 4, { timeoutMs: 5000, what: 'GARP/NA in the pcap' });
    const rows = await cap.stop();
    const arp = rows.filter((r) => r.proto === 'arp');
    const na = rows.filter((r) => r.icmpv6?.type === 136);
    expect(arp).toHaveLength(2);
    expect(na).toHaveLength(2);
    for (const r of arp) {
      expect(r.ethDst).toBe('ff:ff:ff:ff:ff:ff');
      expect(r.arp).toEqual({ op: 1, senderMac: mac, senderIp: vip4, targetMac: 'ff:ff:ff:ff:ff:ff', targetIp: vip4 });
    }
    for (const r of na) {
      expect(r).toMatchObject({ ethSrc: mac, ethDst: '33:33:00:00:00:01', src: vip6, dst: 'ff02::1', ttl: 255 });
      expect(r.icmpv6).toEqual({ type: 136, target: vip6, override: true });
    }
  });

  it('errors carry errno: ENODEV for a missing interface, EPERM as uid 65534, ENETUNREACH / ENETDOWN on a down link', async () => {
    const nodev = await agent(lan.a, { mode: 'open', open: { ifname: 'hvnope0', family: 4, mcastGroups: [] } });
    expect(nodev[0]).toMatchObject({ event: 'error', code: 'HAVIPD_INTERFACE', errno: 'ENODEV' });
    const nodev6 = await agent(lan.a, { mode: 'frames', ifname: 'hvnope0', ipv4: ['10.0.0.1'] });
    expect(nodev6[0]).toMatchObject({ event: 'error', code: 'HAVIPD_INTERFACE', errno: 'ENODEV' });

    const eperm = await agent(lan.a, { mode: 'open', open: { ifname: lan.ifA, family: 6, mcastGroups: [] } }, NOBODY);
    expect(eperm[0]).toMatchObject({ event: 'error', code: 'HAVIPD_NO_PRIVILEGE', errno: 'EPERM' });
    const epermFrames = await agent(lan.a, { mode: 'frames', ifname: lan.ifA, ipv4: ['10.0.0.1'] }, NOBODY);
    expect(epermFrames[0]).toMatchObject({ event: 'error', code: 'HAVIPD_NO_PRIVILEGE', errno: 'EPERM' });

    const msg = v3(54, ['10.9.0.102'], 4, lan.ipA, '224.0.0.18');
    await lan.a.ip(['link', 'set', lan.ifA, 'down']);
    try {
      const down = await agent(lan.a, {
        mode: 'send',
        open: { ifname: lan.ifA, family: 4, mcastGroups: ['224.0.0.18'] },
        sends: [{ message: msg, opts: { src: lan.ipA, dst: '224.0.0.18', ttl: 255, ifname: lan.ifA, family: 4 } }],
      });
      expect(down[0]).toMatchObject({ event: 'error', where: 'send', code: 'HAVIPD_SOCKET', errno: 'ENETUNREACH' });
      expect(down.at(-1)?.event).toBe('done'); // the failed send did not crash the process
      const frameDown = await agent(lan.a, { mode: 'frames', ifname: lan.ifA, ipv4: [lan.ipA] });
      expect(frameDown[0]).toMatchObject({ event: 'error', code: 'HAVIPD_SOCKET', errno: 'ENETDOWN' });
    } finally {
      await lan.a.ip(['link', 'set', lan.ifA, 'up']);
    }
  });

  it('fds: close() releases every fd; a terminated worker releases its fds through the env cleanup hook', async () => {
    const opens = [
      { ifname: lan.ifA, family: 4, mcastGroups: ['224.0.0.18'] },
      { ifname: lan.ifA, family: 6, mcastGroups: ['ff02::12'] },
    ];
    const [fds] = await agent(lan.a, { mode: 'fds', opens, ifname: lan.ifA, garp: lan.ipA });
    expect(fds).toMatchObject({ event: 'fds', before: 0, during: 3, after: 0 });
    const [w] = await agent(lan.a, { mode: 'worker-teardown', opens, ifname: lan.ifA, garp: lan.ipA });
    expect(w).toMatchObject({ event: 'worker', msg: 'opened' });
    expect((w!.during as number) - (w!.before as number)).toBe(3);
    expect(w!.after).toBe(w!.before);
  });

  it('UDP transport on loopback as uid 65534: unicast between 127.0.0.2 and 127.0.0.3, multicast on lo, ttl undefined', async () => {
    const ns = await createNetns('hv-n1');
    const port = 15000 + (process.pid % 1000);
    const msg = v3(55, ['10.9.0.103'], 4, '127.0.0.2', '127.0.0.3');
    const done = await receiver(
      ns,
      { mode: 'recv', transport: 'udp', port, open: { ifname: 'lo', family: 4, unicastSrc: '127.0.0.3', mcastGroups: ['224.0.0.18'] }, count: 2, timeoutMs: 8000 },
      NOBODY,
    );
    const sent = await agent(
      ns,
      {
        mode: 'send',
        transport: 'udp',
        port,
        open: { ifname: 'lo', family: 4, unicastSrc: '127.0.0.2', mcastGroups: ['224.0.0.18'] },
        sends: [
          { message: msg, opts: { src: '127.0.0.2', dst: '127.0.0.3', ttl: 255, ifname: 'lo', family: 4 } },
          { message: msg, opts: { src: undefined, dst: '224.0.0.18', ttl: 255, ifname: 'lo', family: 4 } },
          { message: msg, opts: { src: '127.0.0.9', dst: '127.0.0.3', ttl: 255, ifname: 'lo', family: 4 } },
        ],
      },
      NOBODY,
    );
    expect(sent.slice(0, 2).map((e) => e.event)).toEqual(['sent', 'sent']);
    expect(sent[2]).toMatchObject({ event: 'error', errno: 'EADDRNOTAVAIL' });
    const pkts = (await done()).filter((e) => e.event === 'packet');
    expect(pkts).toHaveLength(2);
    expect(pkts[0]).toMatchObject({ family: 4, ifname: 'lo', src: '127.0.0.2', dst: '127.0.0.3', data: msg, hasIpHeader: false });
    expect(pkts[1]).toMatchObject({ src: '127.0.0.2', dst: '224.0.0.18', data: msg });
    expect(pkts.every((p) => p.ttl === undefined)).toBe(true);

    const v6 = await agent(ns, { mode: 'open', transport: 'udp', port, open: { ifname: 'lo', family: 6, unicastSrc: '::1', mcastGroups: [] } }, NOBODY);
    expect(v6[0]).toMatchObject({ event: 'opened', kind: 'udp' });
    const v6mc = await agent(ns, { mode: 'open', transport: 'udp', port, open: { ifname: 'lo', family: 6, unicastSrc: '::1', mcastGroups: ['ff02::12'] } }, NOBODY);
    expect(v6mc[0]).toMatchObject({ event: 'error', errno: 'EOPNOTSUPP' });
  });
});
