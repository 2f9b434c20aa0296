// Proves the interop harness (test/support/netns.ts, capture.ts, keepalived.ts): keepalived in
// namespace A becomes MASTER, and namespace B's capture sees its VRRP adverts (RFC 3768 §5.1 / RFC
// 5798 §5.1 header fields, TTL 255) and gratuitous ARPs, decoded with the right fields.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCapture, type CaptureRow } from '../support/capture.js';
import { interopGuard } from '../support/interop-guard.js';
import { startKeepalived } from '../support/keepalived.js';
import { createLan, createNetns, destroyAll, GiveUp, run, scratchDir, sweepStaleNetns, waitFor, type Lan } from '../support/netns.js';

const guard = interopGuard();

describe.skipIf(guard.skip)('interop harness', () => {
  let lan: Lan;
  const scratch = scratchDir('hv-n2-harness');

  beforeAll(async () => {
    await sweepStaleNetns();
    lan = await createLan();
  });

  afterAll(async () => {
    await destroyAll();
    scratch.remove();
  });

  it('creates unique namespaces joined by a veth pair, both ends up with carrier', async () => {
    expect(lan.a.name).toMatch(/^hv-n2-[0-9a-z]+-[0-9a-z]+$/);
    expect(lan.a.name).not.toBe(lan.b.name);
    const listed = (await run(['ip', 'netns', 'list'])).stdout;
    expect(listed).toContain(lan.a.name);
    expect(listed).toContain(lan.b.name);
    // The interfaces exist only inside their namespaces, up with carrier and addressed.
    expect((await run(['ip', '-o', 'link', 'show'])).stdout).not.toMatch(new RegExp(`\\b${lan.ifA}@`));
    const a = (await lan.a.ip(['-o', 'link', 'show', 'dev', lan.ifA])).stdout;
    expect(a).toMatch(/LOWER_UP/);
    expect(a).toContain(`${lan.ifA}@`);
    expect((await lan.b.ip(['-o', 'addr', 'show', 'dev', lan.ifB])).stdout).toContain(`${lan.ipB}/24`);
    // Traffic crosses the pair (no ping on minimal hosts: a UDP datagram from A to B, v4 and v6).
    for (const [dst, fam] of [[lan.ipB, 'udp4'], [lan.ip6B, 'udp6']] as const) {
      const rx = lan.b.spawn([
        process.execPath,
        '-e',
        `const s=require('dgram').createSocket('${fam}');s.on('message',(m,r)=>{console.log('got '+m+' from '+r.address);process.exit(0)});s.bind(40999,'${dst}',()=>console.log('bound'))`,
      ]);
      await waitFor(
        () => {
          if (rx.output().includes('bound')) return true;
          if (rx.hasExited()) throw new GiveUp(rx.output());
          return false;
        },
        { what: 'udp rx bound' },
      );
      await lan.a.exec([process.execPath, '-e', `require('dgram').createSocket('${fam}').send('hi','40999','${dst}',(e)=>process.exit(e?1:0))`]);
      expect(await Promise.race([rx.exited, new Promise((r) => setTimeout(() => r('timeout'), 5000))])).toBe(0);
      expect(rx.output()).toContain(`got hi from ${fam === 'udp4' ? lan.ipA : lan.ip6A}`);
    }
  });

  it('destroy() removes the namespace and kills processes left in it', async () => {
    const ns = await createNetns();
    const sleeper = ns.spawn(['sleep', '300']);
    await waitFor(async () => (await run(['ip', 'netns', 'pids', ns.name])).stdout.trim() !== '', { what: 'sleep in ns' });
    await ns.destroy();
    expect(await Promise.race([sleeper.exited, new Promise((r) => setTimeout(() => r('alive'), 3000))])).toBe('SIGKILL');
    expect((await run(['ip', 'netns', 'list'])).stdout).not.toContain(ns.name);
  });

  it('waitFor is bounded in time', async () => {
    const t0 = Date.now();
    await expect(waitFor(() => false, { timeoutMs: 200, what: 'never' })).rejects.toThrow(/timed out after 200 ms waiting for never/);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('keepalived in A becomes MASTER; B captures its adverts and GARPs with the right fields', async () => {
    const vip = lan.ipA.replace(/\.1$/, '.100');
    const pcap = join(scratch.path, 'b.pcap');
    const cap = await startCapture(lan.b, lan.ifB, pcap);
    const ka = await startKeepalived(
      lan.a,
      `global_defs {
  router_id hv_harness
  vrrp_garp_master_delay 1
  vrrp_garp_master_repeat 2
}
vrrp_instance VI_1 {
  state BACKUP
  interface ${lan.ifA}
  virtual_router_id 51
  priority 150
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass secret1
  }
  virtual_ipaddress {
    ${vip}/24
  }
}
`,
    );
    try {
      await ka.waitForLog(/\(VI_1\) Entering MASTER STATE/, { timeoutMs: 15_000 });
      // The VIP is on A's interface.
      await waitFor(async () => (await lan.a.ip(['-o', 'addr', 'show', 'dev', lan.ifA])).stdout.includes(`${vip}/24`), {
        what: 'VIP on A',
      });
      // Wait until B has seen at least two adverts after the transition.
      await waitFor(async () => (await cap.peek()).filter((r) => r.vrrp && r.vrrp.priority === 150).length >= 2, {
        timeoutMs: 10_000,
        what: '2 adverts in capture',
      });
    } finally {
      await ka.stop();
    }
    const rows: CaptureRow[] = await cap.stop();
    expect(existsSync(pcap)).toBe(true);
    expect(existsSync(ka.logPath)).toBe(true);

    const adverts = rows.filter((r) => r.proto === 'vrrp' && r.vrrp!.priority === 150);
    expect(adverts.length).toBeGreaterThanOrEqual(2);
    for (const r of adverts) {
      expect(r.src).toBe(lan.ipA);
      expect(r.dst).toBe('224.0.0.18');
      expect(r.ttl).toBe(255);
      expect(r.ethDst).toBe('01:00:5e:00:00:12');
      expect(r.vrrp).toEqual({
        version: 2,
        type: 1,
        vrid: 51,
        priority: 150,
        addrCount: 1,
        addresses: [vip],
        authType: 1,
        adverInt: 1,
        checksum: expect.stringMatching(/good|unverified/),
      });
    }
    // Adverts about 1 s apart.
    const gaps = adverts.slice(1).map((r, i) => r.time - adverts[i]!.time);
    for (const g of gaps) expect(g).toBeGreaterThan(0.5);

    // Gratuitous ARP: request, sender = target = VIP, broadcast target MAC (reference §2.5).
    const garps = rows.filter((r) => r.proto === 'arp' && r.arp!.senderIp === vip);
    expect(garps.length).toBeGreaterThanOrEqual(1);
    for (const g of garps) {
      expect(g.arp).toMatchObject({ op: 1, targetIp: vip, targetMac: 'ff:ff:ff:ff:ff:ff' });
      expect(g.ethDst).toBe('ff:ff:ff:ff:ff:ff');
      expect(g.arp!.senderMac).toBe(g.ethSrc);
    }
    // keepalived's shutdown: a priority-0 advert (reference §3.7).
    expect(rows.some((r) => r.vrrp?.vrid === 51 && r.vrrp.priority === 0)).toBe(true);
    // The transition happened before the first GARP.
    expect(ka.countLog(/Entering MASTER STATE/)).toBe(1);
  });

  it('captures IPv6 VRRPv3 adverts (hop limit 255) and unsolicited NAs', async () => {
    const vip6 = lan.ip6A.replace(/::1$/, '::100');
    const pcap = join(scratch.path, 'b6.pcap');
    const cap = await startCapture(lan.b, lan.ifB, pcap);
    const ka = await startKeepalived(
      lan.a,
      `vrrp_instance VI_6 {
  state BACKUP
  interface ${lan.ifA}
  virtual_router_id 53
  priority 120
  advert_int 0.5
  virtual_ipaddress {
    ${vip6}/64
  }
}
`,
    );
    try {
      await ka.waitForLog(/\(VI_6\) Entering MASTER STATE/, { timeoutMs: 15_000 });
      await waitFor(async () => (await cap.peek()).filter((r) => r.vrrp?.vrid === 53 && r.vrrp.priority === 120).length >= 2, {
        timeoutMs: 10_000,
        what: '2 v6 adverts',
      });
    } finally {
      await ka.stop();
    }
    const rows = await cap.stop();
    const adverts = rows.filter((r) => r.vrrp?.vrid === 53 && r.vrrp.priority === 120);
    expect(adverts.length).toBeGreaterThanOrEqual(2);
    for (const r of adverts) {
      expect(r.dst).toBe('ff02::12');
      expect(r.src).toMatch(/^fe80::/);
      expect(r.ttl).toBe(255);
      expect(r.vrrp).toMatchObject({ version: 3, type: 1, addresses: [vip6], adverInt: 50 });
    }
    const nas = rows.filter((r) => r.icmpv6?.type === 136 && r.icmpv6.target === vip6);
    expect(nas.length).toBeGreaterThanOrEqual(1);
    expect(nas[0]).toMatchObject({ src: vip6, dst: 'ff02::1', ttl: 255, icmpv6: { override: true } });
  });
});
