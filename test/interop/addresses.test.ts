// The real address edge (src/edges/addresses.ts) in a throw-away namespace, through both backends
// (netlink@0.3.0 and the `ip` fallback): VIP item options of reference/keepalived.md §1.9.3, idempotence
// (§3.3 removes leftovers at start), coded errors (ENODEV, EPERM), checked against `ip -j addr`.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdgeAgent, vip, type EdgeAgent } from '../support/edge-agent-client.js';
import { interopGuard } from '../support/interop-guard.js';
import { createLan, destroyAll, sweepStaleNetns, type Lan } from '../support/netns.js';

const guard = interopGuard();

interface IpAddr {
  family: string;
  local: string;
  prefixlen: number;
  broadcast?: string;
  address?: string;
  label?: string;
  scope: string;
  nodad?: boolean;
  tentative?: boolean;
  noprefixroute?: boolean;
  home?: boolean;
  mngtmpaddr?: boolean;
  preferred_life_time?: number;
}

describe.skipIf(guard.skip)('address edge (interop)', () => {
  let lan: Lan;
  const ipAddrs = async (ifname = lan.ifA): Promise<IpAddr[]> =>
    (JSON.parse((await lan.a.ip(['-j', 'addr', 'show', 'dev', ifname])).stdout) as Array<{ addr_info: IpAddr[] }>)[0]!.addr_info;
  const find = async (address: string): Promise<IpAddr | undefined> => (await ipAddrs()).find((a) => a.local === address);

  beforeAll(async () => {
    await sweepStaleNetns();
    lan = await createLan();
  });
  afterAll(async () => {
    await destroyAll();
  });

  // `native` is the netlink backend as the daemon runs it: RTM_NEWADDR / RTM_DELADDR through the addon's
  // synchronously acknowledged route requests (issue 12 §4); every case must hold for it as for the others.
  describe.each(['netlink', 'ip', 'native'] as const)('backend %s', (backend) => {
    let agent: EdgeAgent;
    const n = backend === 'netlink' ? 10 : backend === 'ip' ? 20 : 30;
    const v4 = (h: number): string => lan.ipA.replace(/\.1$/, `.${n + h}`);
    const v6 = (h: number): string => lan.ip6A.replace(/::1$/, `::${(n + h).toString(16)}`);

    beforeAll(async () => {
      agent = await startEdgeAgent(lan.a, { addr: backend, links: 'none' });
    });
    afterAll(async () => {
      await agent?.stop();
    });

    it('uses the requested backend', async () => {
      expect((await agent.backends()).addr).toBe('pending');
      expect(await agent.list(lan.ifA)).toMatchObject({ ok: true });
      expect((await agent.backends()).addr).toBe(backend === 'native' ? 'netlink' : backend);
    });

    it('adds an IPv4 VIP with label, brd + and scope; add twice and remove twice are success', async () => {
      const v = vip(v4(0), { prefix: 24, broadcast: '+', label: `${lan.ifA}:vip`, scope: 'global' });
      expect(await agent.add(v, lan.ifA)).toEqual({ ok: true, value: null });
      expect(await agent.add(v, lan.ifA)).toEqual({ ok: true, value: null });
      expect(await find(v4(0))).toMatchObject({ prefixlen: 24, broadcast: lan.ipA.replace(/\.1$/, '.255'), label: `${lan.ifA}:vip`, scope: 'global' });
      const listed = await agent.list(lan.ifA, 4);
      expect(listed.ok && listed.value.find((e) => e.address === v4(0))).toMatchObject({
        family: 4,
        prefix: 24,
        label: `${lan.ifA}:vip`,
        broadcast: lan.ipA.replace(/\.1$/, '.255'),
        scope: 0,
      });
      expect(await agent.remove(v, lan.ifA)).toEqual({ ok: true, value: null });
      expect(await agent.remove(v, lan.ifA)).toEqual({ ok: true, value: null });
      expect(await find(v4(0))).toBeUndefined();
    });

    it('brd - clears the host bits; brd + on a /31 sets no broadcast (as ip does)', async () => {
      const minus = vip(v4(1), { prefix: 24, broadcast: '-' });
      const p31 = vip(v4(2), { prefix: 31, broadcast: '+' });
      expect((await agent.add(minus, lan.ifA)).ok).toBe(true);
      expect((await agent.add(p31, lan.ifA)).ok).toBe(true);
      expect((await find(v4(1)))?.broadcast).toBe(lan.ipA.replace(/\.1$/, '.0'));
      expect(await find(v4(2))).toMatchObject({ prefixlen: 31 });
      expect((await find(v4(2)))?.broadcast).toBeUndefined();
      await agent.remove(minus, lan.ifA);
      await agent.remove(p31, lan.ifA);
    });

    it('a label that does not start with the interface name is accepted by the kernel as given', async () => {
      // Fact checked on kernel 6.18 / iproute2 6.1: neither refuses it (keepalived 2.2.7 passes it on too).
      const v = vip(v4(3), { prefix: 24, label: 'other' });
      expect(await agent.add(v, lan.ifA)).toEqual({ ok: true, value: null });
      expect((await find(v4(3)))?.label).toBe('other');
      await agent.remove(v, lan.ifA);
    });

    it('a label longer than 15 characters is HAVIPD_ADDRESS with errno ERANGE, not a crash', async () => {
      // Measured: the kernel rejects IFA_LABEL ≥ IFNAMSIZ with ERANGE ("Attribute failed policy validation").
      const v = vip(v4(4), { prefix: 24, label: `${lan.ifA}:much-too-long-label` });
      const r = await agent.add(v, lan.ifA);
      expect(r).toMatchObject({ ok: false, error: { name: 'HavipdError', code: 'HAVIPD_ADDRESS', errno: 'ERANGE' } });
      expect(await find(v4(4))).toBeUndefined();
    });

    it('scope link and a point-to-point peer', async () => {
      const s = vip(v4(5), { prefix: 32, scope: 'link' });
      const p = vip(v4(6), { prefix: 32, peer: '192.0.2.9' });
      expect((await agent.add(s, lan.ifA)).ok).toBe(true);
      expect((await agent.add(p, lan.ifA)).ok).toBe(true);
      expect((await find(v4(5)))?.scope).toBe('link');
      expect((await find(v4(6)))?.address).toBe('192.0.2.9');
      const listed = await agent.list(lan.ifA, 4);
      expect(listed.ok && listed.value.find((e) => e.address === v4(6))?.peer).toBe('192.0.2.9');
      expect((await agent.remove(p, lan.ifA)).ok).toBe(true);
      expect((await agent.remove(s, lan.ifA)).ok).toBe(true);
      expect(await find(v4(5))).toBeUndefined();
      expect(await find(v4(6))).toBeUndefined();
    });

    it('IPv6 VIPs are added with IFA_F_NODAD (usable at once, never tentative); -nodad leaves DAD on', async () => {
      const withNodad = vip(v6(0), { prefix: 64 });
      const withDad = vip(v6(1), { prefix: 64, nodad: false });
      expect((await agent.add(withNodad, lan.ifA)).ok).toBe(true);
      expect((await agent.add(withDad, lan.ifA)).ok).toBe(true);
      expect(await find(v6(0))).toMatchObject({ family: 'inet6', prefixlen: 64, nodad: true });
      expect((await find(v6(0)))?.tentative).toBeUndefined();
      expect((await find(v6(1)))?.nodad).toBeUndefined();
      expect((await find(v6(1)))?.tentative).toBe(true); // DAD takes ~1 s on a fresh address
      const listed = await agent.list(lan.ifA, 6);
      expect(listed.ok && listed.value.find((e) => e.address === v6(0))?.flags).toContain('nodad');
      expect(listed.ok && listed.value.every((e) => e.family === 6)).toBe(true);
      expect((await agent.remove(withNodad, lan.ifA)).ok).toBe(true);
      expect((await agent.remove(withDad, lan.ifA)).ok).toBe(true);
      expect((await agent.remove(withDad, lan.ifA)).ok).toBe(true);
    });

    it('IPv6 noprefixroute, home, mngtmpaddr', async () => {
      const v = vip(v6(2), { prefix: 64, noprefixroute: true, home: true, mngtmpaddr: true });
      const otherPrefix = `fd99:${n}::1`;
      const w = vip(otherPrefix, { prefix: 64, noprefixroute: true });
      expect((await agent.add(v, lan.ifA)).ok).toBe(true);
      expect((await agent.add(w, lan.ifA)).ok).toBe(true);
      expect(await find(v6(2))).toMatchObject({ nodad: true, noprefixroute: true, home: true, mngtmpaddr: true });
      // No prefix route was created for the noprefixroute address's own prefix.
      const routes = (await lan.a.ip(['-6', 'route', 'show', 'dev', lan.ifA])).stdout;
      expect(routes).not.toContain(`fd99:${n}::/64`);
      await agent.remove(v, lan.ifA);
      await agent.remove(w, lan.ifA);
      expect(await find(v6(2))).toBeUndefined();
    });

    it('a missing interface is HAVIPD_ADDRESS with errno ENODEV (add, remove and list)', async () => {
      for (const r of [await agent.add(vip(v4(7)), 'nope0'), await agent.remove(vip(v4(7)), 'nope0'), await agent.list('nope0')]) {
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.error).toMatchObject({ name: 'HavipdError', code: 'HAVIPD_ADDRESS', errno: 'ENODEV' });
      }
    });

    it('as uid 65534 without CAP_NET_ADMIN: HAVIPD_ADDRESS with errno EPERM, and the agent keeps serving', async () => {
      const un = await startEdgeAgent(lan.a, { addr: backend, links: 'none', unprivileged: true });
      try {
        expect(un.ready.uid).toBe(65534);
        const r = await un.add(vip(v4(8), { prefix: 24 }), lan.ifA);
        expect(r).toMatchObject({ ok: false, error: { name: 'HavipdError', code: 'HAVIPD_ADDRESS', errno: 'EPERM' } });
        const d = await un.remove(vip(lan.ipA, { prefix: 24 }), lan.ifA);
        expect(d).toMatchObject({ ok: false, error: { code: 'HAVIPD_ADDRESS', errno: 'EPERM' } });
        // Reading needs no privilege.
        const l = await un.list(lan.ifA, 4);
        expect(l.ok && l.value.map((e) => e.address)).toContain(lan.ipA);
        expect(await find(v4(8))).toBeUndefined();
        expect(await find(lan.ipA)).toBeDefined();
      } finally {
        await un.stop();
      }
    });
  });
});
