// VRRPv3 multicast for IPv4 (224.0.0.18) and IPv6 (ff02::12) on real sockets (RFC 5798 §5.1.1.2 TTL
// 255 / §5.1.2.2 Hop Limit 255, §5.1.1.1 / §5.1.2.1 link-local source for IPv6, §5.2.8 checksum with
// pseudo-header, §6.4.1 unsolicited Neighbor Advertisement per IPv6 VIP; reference §2.1, §2.3, §2.5):
// havipd and keepalived 2.2.7 each accept the other's adverts in both roles (the backup stays BACKUP),
// the IPv6 VIP (nodad) sits on the master only, and the master's unsolicited NA is on the wire; after
// SIGTERM the backup takes over and sends its own NA.

import { describe, expect, it } from 'vitest';
import type { CaptureRow } from '../support/capture.js';
import { interopGuard } from '../support/interop-guard.js';
import { lanScenario } from '../support/lan-scenario.js';
import { sleep, waitFor, type Netns } from '../support/netns.js';
import { addrsOn, advertsFrom, describeRows, entering, macOf, vipIn, waitVip } from '../support/scenario.js';

const guard = interopGuard();

const ROLES = [
  ['havipd', 'keepalived'],
  ['keepalived', 'havipd'],
] as const;

async function linkLocal(ns: Netns, ifname: string): Promise<string> {
  const out = (await ns.ip(['-o', '-6', 'addr', 'show', 'dev', ifname, 'scope', 'link'])).stdout;
  const m = /inet6 (fe80::[0-9a-f:]+)\//.exec(out);
  if (!m) throw new Error(`no link-local address on ${ns.name}/${ifname}`);
  return m[1]!;
}

describe.skipIf(guard.skip)('VRRPv3 multicast, IPv4 and IPv6 (havipd ⇄ keepalived 2.2.7)', () => {
  const sc = lanScenario({ vridBase: 100, scratch: 'hv-n2-v3mc' });

  it.each(ROLES)('IPv4 224.0.0.18: %s MASTER, %s BACKUP; adverts v3, TTL 255, good pseudo-header checksum', async (masterKind, backupKind) => {
    const { lan, vrid } = sc;
    const vip = vipIn(lan.ipA, vrid);
    await sc.capture(`v4-${vrid}.pcap`);
    const conf = (side: 'a' | 'b', priority: number): string => sc.conf(side, priority, { version: 3, advertInt: 0.5, vips: [`${vip}/24`] });
    await sc.explain(async () => {
      const { backup, backupStarted } = await sc.startPair(masterKind, backupKind, conf);
      // Past the backup's Master_Down_Interval (1.5 + 0.305 s) with margin, and 3 adverts heard.
      await sleep(Math.max(0, backupStarted + 3_000 - Date.now()));
      const c = sc.cap!;
      await waitFor(async () => advertsFrom(await c.peek(), lan.ipA, vrid, 150).length >= 3, { timeoutMs: 5_000, what: '3 adverts from the master' });
      expect(backup.countLog(entering('MASTER'))).toBe(0);
      expect((await addrsOn(lan.b, lan.ifB)).includes(`${vip}/24`)).toBe(false);
      const rows = await sc.cap!.stop();
      const adverts = rows.filter((r) => r.proto === 'vrrp' && r.vrrp!.vrid === vrid);
      expect(adverts.length, describeRows(rows)).toBeGreaterThanOrEqual(3);
      for (const r of adverts) {
        expect(r.src).toBe(lan.ipA);
        expect(r.dst).toBe('224.0.0.18');
        expect(r.ethDst).toBe('01:00:5e:00:00:12');
        expect(r.ttl).toBe(255);
        expect(r.vrrp).toEqual({ version: 3, type: 1, vrid, priority: 150, addrCount: 1, addresses: [vip], authType: undefined, adverInt: 50, checksum: 'good' });
      }
    });
  });

  it.each(ROLES)('IPv6 ff02::12: %s MASTER with VIP (nodad) and unsolicited NA; SIGTERM hands over to %s, which sends its NA', async (masterKind, backupKind) => {
    const { lan, vrid } = sc;
    const vip = `${lan.ip6A.replace(/::1$/, '')}::${vrid.toString(16)}`;
    await sc.capture(`v6-${vrid}.pcap`, 'ip6 proto 112 or icmp6');
    const conf = (side: 'a' | 'b', priority: number): string => sc.conf(side, priority, { advertInt: 0.5, vips: [`${vip}/64`] });
    const [llA, llB, macA, macB] = await Promise.all([linkLocal(lan.a, lan.ifA), linkLocal(lan.b, lan.ifB), macOf(lan.a, lan.ifA), macOf(lan.b, lan.ifB)]);
    await sc.explain(async () => {
      const { master, backup, backupStarted } = await sc.startPair(masterKind, backupKind, conf);
      await waitVip(lan.a, lan.ifA, `${vip}/64`, true);
      // keepalived adds IPv6 VIPs with IFA_F_NODAD unless `-nodad` is given: usable at once, never tentative.
      expect((await lan.a.ip(['-o', '-6', 'addr', 'show', 'dev', lan.ifA])).stdout).not.toMatch(new RegExp(`${vip}/64.*tentative`));
      await sleep(Math.max(0, backupStarted + 3_000 - Date.now()));
      await waitFor(async () => (await sc.cap!.peek()).filter((r) => r.proto === 'vrrp' && r.src === llA).length >= 3, { timeoutMs: 5_000, what: '3 adverts from the master' });
      expect(backup.countLog(entering('MASTER'))).toBe(0);
      expect((await addrsOn(lan.b, lan.ifB)).includes(`${vip}/64`)).toBe(false);
      expect(await master.stop('SIGTERM')).toBe(0);
      await backup.waitForLog(entering('MASTER'), { timeoutMs: 5_000 });
      await waitVip(lan.b, lan.ifB, `${vip}/64`, true);
      await waitVip(lan.a, lan.ifA, `${vip}/64`, false);
      const c = sc.cap!;
      await waitFor(async () => (await c.peek()).some((r) => r.icmpv6?.type === 136 && r.ethSrc === macB), { timeoutMs: 5_000, what: "the new master's NA" });
      const rows = await c.stop();
      const why = describeRows(rows);
      const adverts = rows.filter((r) => r.proto === 'vrrp' && r.vrrp!.vrid === vrid);
      const fromA = adverts.filter((r) => r.src === llA);
      const fromB = adverts.filter((r) => r.src === llB);
      expect(fromA.length, why).toBeGreaterThanOrEqual(3);
      expect(fromB.length, why).toBeGreaterThanOrEqual(1);
      for (const r of adverts) {
        expect(r.dst).toBe('ff02::12');
        expect(r.ethDst).toBe('33:33:00:00:00:12');
        expect(r.ttl).toBe(255);
        expect(r.vrrp).toMatchObject({ version: 3, vrid, addresses: [vip], adverInt: 50, checksum: expect.stringMatching(/good|unverified/) });
      }
      expect(fromA.filter((r) => r.vrrp!.priority === 0).length, why).toBeGreaterThanOrEqual(1);
      const na = (mac: string): CaptureRow[] => rows.filter((r) => r.icmpv6?.type === 136 && r.icmpv6.target === vip && r.ethSrc === mac);
      for (const [mac, who] of [[macA, masterKind], [macB, backupKind]] as const) {
        const nas = na(mac);
        expect(nas.length, `${who} NA\n${why}`).toBeGreaterThanOrEqual(1);
        for (const r of nas) {
          expect(r.src).toBe(vip);
          expect(r.dst).toBe('ff02::1');
          expect(r.ttl).toBe(255);
          expect(r.icmpv6!.override).toBe(true);
        }
      }
    });
  });
});
