// The real link edge (src/edges/links.ts) in a throw-away namespace, on both backends (netlink
// multicast groups and the `ip -o monitor` fallback): the interface table, link up/down as keepalived
// means it (IFF_UP && IFF_RUNNING, reference/keepalived.md §3.9), the kernel dropping IPv6 addresses on
// link down (reference/platform.md §7.6) and their re-add, links appearing and disappearing, clean close.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LinkEvent } from '../../src/edges/links.js';
import { startEdgeAgent, vip, type EdgeAgent } from '../support/edge-agent-client.js';
import { interopGuard } from '../support/interop-guard.js';
import { createLan, destroyAll, sweepStaleNetns, waitForLinkUp, type Lan } from '../support/netns.js';

const guard = interopGuard();

describe.skipIf(guard.skip)('link edge (interop)', () => {
  let lan: Lan;
  beforeAll(async () => {
    await sweepStaleNetns();
    lan = await createLan();
  });
  afterAll(async () => {
    await destroyAll();
  });

  describe.each(['netlink', 'ip'] as const)('backend %s', (backend) => {
    let agent: EdgeAgent;
    const isAddr = (type: 'address-added' | 'address-removed', address: string) => (ev: LinkEvent) =>
      ev.type === type && ev.address.address === address && ev.link.name === lan.ifA;

    beforeAll(async () => {
      agent = await startEdgeAgent(lan.a, { addr: 'netlink', links: backend });
    });
    afterAll(async () => {
      await agent?.stop();
    });

    it('reads the interface table: name ↔ ifindex, MAC, up/running, addresses per family', async () => {
      expect(agent.ready.linkBackend).toBe(backend);
      const l = await agent.get(lan.ifA);
      const index = Number((await lan.a.exec(['cat', `/sys/class/net/${lan.ifA}/ifindex`])).stdout);
      const mac = (await lan.a.exec(['cat', `/sys/class/net/${lan.ifA}/address`])).stdout.trim();
      expect(l).toMatchObject({ name: lan.ifA, index, mac, adminUp: true, running: true, up: true });
      expect(l!.addresses[4]).toContainEqual({ family: 4, address: lan.ipA, prefix: 24 });
      expect(l!.addresses[6]).toContainEqual({ family: 6, address: lan.ip6A, prefix: 64 });
      expect(l!.addresses[6].some((a) => a.address.startsWith('fe80:'))).toBe(true);
      const all = await agent.links();
      expect(all.map((x) => x.name).sort()).toEqual(['lo', lan.ifA].sort());
      expect(all.find((x) => x.name === 'lo')).toMatchObject({ mac: '00:00:00:00:00:00', up: true });
      expect(await agent.get('nope0')).toBeUndefined();
    });

    it('link down drops IPv6 addresses (events), link up comes back, and the re-added IPv6 VIP is reported', async () => {
      const v6 = vip(lan.ip6A.replace(/::1$/, backend === 'netlink' ? '::51' : '::52'), { prefix: 64 });
      const v4 = vip(lan.ipA.replace(/\.1$/, backend === 'netlink' ? '.51' : '.52'), { prefix: 24 });
      const from0 = agent.events.length;
      expect((await agent.add(v6, lan.ifA)).ok).toBe(true);
      expect((await agent.add(v4, lan.ifA)).ok).toBe(true);
      await agent.waitEvent(isAddr('address-added', v6.address), { from: from0 });
      await agent.waitEvent(isAddr('address-added', v4.address), { from: from0 });

      const from1 = agent.events.length;
      await lan.a.ip(['link', 'set', lan.ifA, 'down']);
      const down = await agent.waitEvent((e) => e.type === 'link-down' && e.link.name === lan.ifA, { from: from1 });
      expect(down).toMatchObject({ link: { adminUp: false, up: false }, previous: { up: true } });
      // The kernel removed the IPv6 VIP (and the link-local) but kept the IPv4 ones.
      await agent.waitEvent(isAddr('address-removed', v6.address), { from: from1 });
      await agent.waitEvent(isAddr('address-removed', lan.ip6A), { from: from1 });
      const afterDown = await agent.get(lan.ifA);
      expect(afterDown!.addresses[6].map((a) => a.address)).not.toContain(v6.address);
      expect(afterDown!.addresses[4].map((a) => a.address)).toEqual(expect.arrayContaining([lan.ipA, v4.address]));
      expect(agent.events.slice(from1).some(isAddr('address-removed', v4.address))).toBe(false);

      const from2 = agent.events.length;
      await lan.a.ip(['link', 'set', lan.ifA, 'up']);
      const up = await agent.waitEvent((e) => e.type === 'link-up' && e.link.name === lan.ifA, { from: from2 });
      expect(up.link).toMatchObject({ adminUp: true, running: true, up: true });
      // What the daemon will do on 'link-up': re-add its IPv6 VIPs.
      expect((await agent.add(v6, lan.ifA)).ok).toBe(true);
      await agent.waitEvent(isAddr('address-added', v6.address), { from: from2 });
      expect((await agent.get(lan.ifA))!.addresses[6].map((a) => a.address)).toContain(v6.address);
      await agent.remove(v6, lan.ifA);
      await agent.remove(v4, lan.ifA);
      await agent.waitEvent(isAddr('address-removed', v4.address), { from: from2 });
      // Restore the static IPv6 address the kernel dropped, for the next tests.
      await lan.a.ip(['addr', 'replace', `${lan.ip6A}/64`, 'dev', lan.ifA, 'nodad']);
      await waitForLinkUp(lan.a, lan.ifA);
    });

    it('carrier loss (peer down) is link-down with IFF_UP still set; carrier back is link-up', async () => {
      const from = agent.events.length;
      await lan.b.ip(['link', 'set', lan.ifB, 'down']);
      const down = await agent.waitEvent((e) => e.type === 'link-down' && e.link.name === lan.ifA, { from });
      expect(down.link).toMatchObject({ adminUp: true, running: false, up: false });
      await lan.b.ip(['link', 'set', lan.ifB, 'up']);
      const up = await agent.waitEvent((e) => e.type === 'link-up' && e.link.name === lan.ifA, { from });
      expect(up.link).toMatchObject({ adminUp: true, running: true, up: true });
      await waitForLinkUp(lan.b, lan.ifB);
    });

    it('links appearing and disappearing are link-added / link-removed', async () => {
      const [x, y] = backend === 'netlink' ? ['nlx0', 'nlx1'] : ['ipx0', 'ipx1'];
      const from = agent.events.length;
      await lan.a.ip(['link', 'add', x, 'type', 'veth', 'peer', 'name', y]);
      const added = await agent.waitEvent((e) => e.type === 'link-added' && e.link.name === x, { from });
      expect(added.link).toMatchObject({ up: false, adminUp: false });
      expect((await agent.get(x))?.index).toBe(added.link.index);
      await lan.a.ip(['link', 'del', x]);
      await agent.waitEvent((e) => e.type === 'link-removed' && e.link.name === x, { from });
      await agent.waitEvent((e) => e.type === 'link-removed' && e.link.name === y, { from });
      expect(await agent.get(x)).toBeUndefined();
    });

    it('closes cleanly: the agent exits by itself (exit 0) once its edges are closed', async () => {
      const a2 = await startEdgeAgent(lan.a, { addr: 'netlink', links: backend });
      expect(await a2.stop()).toBe(0);
    });
  });
});
