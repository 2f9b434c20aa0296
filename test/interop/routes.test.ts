// virtual_routes / virtual_rules and static_routes / static_rules on real daemons (reference §1.9.1,
// §1.9.3, §3.5–§3.7), havipd against keepalived 2.2.7 on a veth LAN (namespaces hv-rt-*):
// - havipd MASTER has its virtual routes (`ip route show table all`) and rule (`ip rule show`); they go
//   when keepalived (higher priority) takes over and come back when keepalived stops;
// - a static route / rule is there while havipd runs and gone after SIGTERM;
// - keepalived and havipd, run in turn with the same configuration in the same namespace, install the
//   same routes and rules (proto keepalived, same table / metric / type / preference).

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { interopGuard } from '../support/interop-guard.js';
import { createLan, destroyAll, sweepStaleNetns, waitFor, type Lan, type Netns } from '../support/netns.js';
import { entering, explainFailure, startNode, vipIn, vrrpConfig, type VrrpNode } from '../support/scenario.js';

const guard = interopGuard();
const PREFIX = 'hv-rt';

/** The routes and rules keepalived / havipd installed (protocol keepalived), sorted, one per line. */
async function installed(ns: Netns): Promise<{ routes: string[]; rules: string[] }> {
  const lines = (s: string): string[] => s.split('\n').map((l) => l.trim().replace(/\s+/g, ' ')).filter((l) => l !== '');
  // Not `proto keepalived` as a filter: `ip` then leaves the protocol out of what it prints.
  const r4 = await ns.ip(['-4', '-o', 'route', 'show', 'table', 'all']);
  const r6 = await ns.ip(['-6', '-o', 'route', 'show', 'table', 'all']);
  const u4 = await ns.ip(['-4', 'rule', 'show']);
  const u6 = await ns.ip(['-6', 'rule', 'show']);
  return {
    routes: [...lines(r4.stdout), ...lines(r6.stdout)].filter((l) => l.includes('proto keepalived')).sort(),
    rules: [...lines(u4.stdout), ...lines(u6.stdout)].filter((l) => l.includes('proto keepalived')).sort(),
  };
}

async function waitInstalled(ns: Netns, pred: (x: { routes: string[]; rules: string[] }) => boolean, what: string, timeoutMs = 5_000): Promise<{ routes: string[]; rules: string[] }> {
  return waitFor(async () => {
    const x = await installed(ns);
    return pred(x) ? x : undefined;
  }, { timeoutMs, what });
}

describe.skipIf(guard.skip)('virtual and static routes / rules (havipd ⇄ keepalived 2.2.7)', () => {
  let lan: Lan;
  let nodes: VrrpNode[] = [];

  beforeAll(async () => {
    await sweepStaleNetns(PREFIX);
    lan = await createLan({ prefix: PREFIX });
  });
  afterEach(async () => {
    await Promise.all(nodes.map((n) => n.stop('SIGTERM')));
    nodes = [];
  });
  afterAll(async () => {
    await destroyAll();
  });

  const virtual = (vip: string): string[] => [
    'virtual_routes {',
    `  192.168.77.0/24 via ${lan.ipB} dev ${lan.ifA}`,
    '  blackhole 10.77.0.0/16 table 77 metric 7',
    '}',
    'virtual_rules {',
    `  from ${vip} table 77 preference 777`,
    '}',
  ];
  const hasVirtual = (x: { routes: string[]; rules: string[] }): boolean =>
    x.routes.some((r) => r.startsWith('192.168.77.0/24 ')) && x.routes.some((r) => r.startsWith('blackhole 10.77.0.0/16 ')) && x.rules.some((r) => r.startsWith('777:'));
  const noVirtual = (x: { routes: string[]; rules: string[] }): boolean =>
    !x.routes.some((r) => r.includes('192.168.77.0/24') || r.includes('10.77.0.0/16')) && !x.rules.some((r) => r.startsWith('777:'));

  it('havipd MASTER has its virtual routes and rule; keepalived (higher priority) takes over: gone; keepalived stops: back', async () => {
    const vrid = 81;
    const vip = vipIn(lan.ipA, vrid);
    const hav = vrrpConfig({ routerId: 'hv_a', instances: [{ iface: lan.ifA, vrid, priority: 150, vips: [`${vip}/24`], extra: virtual(vip) }] });
    const ka = vrrpConfig({ routerId: 'hv_b', instances: [{ iface: lan.ifB, vrid, priority: 200, vips: [`${vip}/24`] }] });
    const a = await startNode('havipd', lan.a, hav);
    nodes.push(a);
    await explainFailure(() => nodes, async () => {
      await a.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
      const x = await waitInstalled(lan.a, hasVirtual, 'virtual routes and rule installed');
      expect(x.routes).toContain(`192.168.77.0/24 via ${lan.ipB} dev ${lan.ifA} proto keepalived`);
      expect(x.routes).toContain('blackhole 10.77.0.0/16 table 77 proto keepalived metric 7');
      expect(x.rules).toContain(`777: from ${vip} lookup 77 proto keepalived`);
      const b = await startNode('keepalived', lan.b, ka);
      nodes.push(b);
      await a.waitForLog(entering('BACKUP'), { timeoutMs: 10_000 });
      await waitInstalled(lan.a, noVirtual, 'virtual routes and rule removed');
      await b.stop('SIGTERM');
      nodes = nodes.filter((n) => n !== b);
      await a.waitForLog(entering('MASTER'), { after: 1, timeoutMs: 10_000 });
      await waitInstalled(lan.a, hasVirtual, 'virtual routes and rule back');
    });
    await a.stop('SIGTERM');
    nodes = [];
    await waitInstalled(lan.a, noVirtual, 'virtual routes and rule removed at SIGTERM');
  });

  it('static_routes / static_rules: present while havipd runs (whatever the VRRP state), gone after SIGTERM', async () => {
    const vrid = 82;
    const vip = vipIn(lan.ipA, vrid);
    const hav = vrrpConfig({ routerId: 'hv_a', instances: [{ iface: lan.ifA, vrid, priority: 100, vips: [`${vip}/24`] }] }).replace(
      'vrrp_instance',
      `static_routes {\n  10.78.0.0/16 via ${lan.ipB} dev ${lan.ifA}\n}\nstatic_rules {\n  to 10.78.0.0/16 table 78 preference 778\n}\nvrrp_instance`,
    );
    const a = await startNode('havipd', lan.a, hav);
    nodes.push(a);
    await explainFailure(() => nodes, async () => {
      const x = await waitInstalled(lan.a, (y) => y.routes.some((r) => r.startsWith('10.78.0.0/16 ')) && y.rules.some((r) => r.startsWith('778:')), 'static route and rule');
      expect(x.routes).toContain(`10.78.0.0/16 via ${lan.ipB} dev ${lan.ifA} proto keepalived`);
      expect(x.rules).toContain('778: from all to 10.78.0.0/16 lookup 78 proto keepalived');
    });
    await a.stop('SIGTERM');
    nodes = [];
    await waitInstalled(lan.a, (y) => !y.routes.some((r) => r.includes('10.78.0.0/16')) && !y.rules.some((r) => r.startsWith('778:')), 'static route and rule removed');
  });

  it('keepalived and havipd with the same configuration install the same routes and rules', async () => {
    const vrid = 83;
    const vip = vipIn(lan.ipA, vrid);
    const extra = [
      'virtual_routes {',
      `  192.168.79.0/24 via ${lan.ipB} dev ${lan.ifA}`,
      `  to 192.168.80.0/24 gw ${lan.ipB} dev ${lan.ifA} table 79 metric 9`,
      '  unreachable 10.79.0.0/16 table 79',
      '  prohibit 10.80.0.0/16 no_track',
      `  10.81.0.0/16 dev ${lan.ifA} src ${vip} scope link`,
      '  blackhole 2001:db8:79::/64',
      '}',
      'virtual_rules {',
      `  from ${vip} table 79 preference 790`,
      '  to 10.82.0.0/16 lookup 79',
      '  from 2001:db8:79::/64 table 79 preference 791',
      '}',
    ];
    const conf = vrrpConfig({ routerId: 'hv_a', instances: [{ iface: lan.ifA, vrid, priority: 150, vips: [`${vip}/24`], extra }] }).replace(
      'vrrp_instance',
      'static_routes {\n  blackhole 10.83.0.0/16 table 83\n}\nvrrp_instance',
    );
    const seen: Record<string, { routes: string[]; rules: string[] }> = {};
    for (const kind of ['keepalived', 'havipd'] as const) {
      const n = await startNode(kind, lan.a, conf);
      nodes.push(n);
      await explainFailure(() => nodes, async () => {
        await n.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
        seen[kind] = await waitInstalled(lan.a, (x) => x.routes.length >= 7 && x.rules.length >= 3, `${kind}: routes and rules`);
      });
      await n.stop('SIGTERM');
      nodes = [];
      await waitInstalled(lan.a, (x) => x.routes.length === 0 && x.rules.length === 0, `${kind}: all removed at SIGTERM`);
    }
    expect(seen.havipd).toEqual(seen.keepalived);
  });

  it('the interface of a virtual route is tracked (no no_track): link down = FAULT, routes removed, as keepalived does', async () => {
    const vrid = 84;
    const vip = vipIn(lan.ipA, vrid);
    await lan.a.ip(['link', 'add', 'hvrt0', 'type', 'veth', 'peer', 'name', 'hvrt1']);
    await lan.a.ip(['link', 'set', 'hvrt1', 'up']);
    await lan.a.ip(['link', 'set', 'hvrt0', 'up']);
    const conf = vrrpConfig({ routerId: 'hv_a', instances: [{ iface: lan.ifA, vrid, priority: 150, vips: [`${vip}/24`], extra: ['virtual_routes {', '  10.84.0.0/16 dev hvrt0', '}'] }] });
    for (const kind of ['keepalived', 'havipd'] as const) {
      const n = await startNode(kind, lan.a, conf);
      nodes.push(n);
      await explainFailure(() => nodes, async () => {
        await n.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
        await waitInstalled(lan.a, (x) => x.routes.some((r) => r.startsWith('10.84.0.0/16 dev hvrt0')), `${kind}: tracked route installed`);
        await lan.a.ip(['link', 'set', 'hvrt1', 'down']); // carrier loss on hvrt0
        await n.waitForLog(entering('FAULT'), { timeoutMs: 5_000 });
        await waitInstalled(lan.a, (x) => !x.routes.some((r) => r.includes('10.84.0.0/16')), `${kind}: route gone in FAULT`);
        await lan.a.ip(['link', 'set', 'hvrt1', 'up']);
        await n.waitForLog(entering('MASTER'), { after: 1, timeoutMs: 10_000 });
        await waitInstalled(lan.a, (x) => x.routes.some((r) => r.startsWith('10.84.0.0/16 dev hvrt0')), `${kind}: route back`);
      });
      await n.stop('SIGTERM');
      nodes = [];
    }
  });
});
