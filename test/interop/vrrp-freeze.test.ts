// A BACKUP frozen longer than Master_Down_Interval (RFC 3768 / RFC 5798 §6.4.2 Master_Down_Timer) must
// not wake up as MASTER (issue 8 §2): three nodes on one bridge — keepalived 2.2.7 as MASTER (priority
// 200), havipd backups at 150 and 100 — and the havipd backups are SIGSTOPped for 5 s, then SIGCONTed,
// several times each, at VRRPv2 advert_int 1 (Master_Down_Interval 3.414 s at priority 150) and VRRPv3
// advert_int 0.1 (0.341 s). The adverts the master sent meanwhile sit in the frozen backup's socket; read
// first, they keep it BACKUP. The capture on the bridge must show no GARP and no advert from a havipd node,
// `ip monitor` in their namespaces no VIP added, and each frozen havipd logs the freeze once.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCapture, type Capture, type CaptureRow } from '../support/capture.js';
import { interopGuard } from '../support/interop-guard.js';
import { createNetns, destroyAll, scratchDir, sleep, sweepStaleNetns, waitFor, type Netns, type Spawned } from '../support/netns.js';
import { advertsFrom, describeRows, entering, explainFailure, macOf, startNode, vrrpConfig, type VrrpNode } from '../support/scenario.js';

const guard = interopGuard(['nft']);

/** How long each freeze lasts: longer than Master_Down_Interval at both intervals (3.414 s, 0.341 s). */
const FREEZE_MS = 5_000;
/** How long we watch after SIGCONT: the takeover this guards against came 0–30 ms after waking. */
const AFTER_MS = 2_000;

interface Bridge {
  readonly sw: Netns;
  readonly k: Netns;
  readonly h1: Netns;
  readonly h2: Netns;
  /** 10.x.y.0/24 addresses of k, h1, h2 (eth0 in each). */
  readonly ip: { k: string; h1: string; h2: string };
  readonly subnet: string;
}

/** A switch namespace with bridge br0 and one veth port per node namespace (`eth0` inside, `p-<n>` on the switch). */
async function createBridge(): Promise<Bridge> {
  const sw = await createNetns();
  const k = await createNetns();
  const h1 = await createNetns();
  const h2 = await createNetns();
  const subnet = `10.${150 + (process.pid % 50)}.${(process.pid >> 6) % 250}`;
  await sw.ip(['link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
  // No multicast snooping: every port sees every advert, as on a plain L2 segment.
  await sw.ip(['link', 'set', 'br0', 'type', 'bridge', 'mcast_snooping', '0']);
  await sw.ip(['link', 'set', 'br0', 'up']);
  const nodes: Array<[string, Netns, number]> = [
    ['k', k, 1],
    ['h1', h1, 2],
    ['h2', h2, 3],
  ];
  for (const [name, ns, host] of nodes) {
    await sw.ip(['link', 'add', `p-${name}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.name]);
    await sw.ip(['link', 'set', `p-${name}`, 'master', 'br0']);
    await sw.ip(['link', 'set', `p-${name}`, 'up']);
    await ns.ip(['addr', 'add', `${subnet}.${host}/24`, 'dev', 'eth0']);
    await ns.ip(['link', 'set', 'eth0', 'up']);
  }
  for (const [, ns] of nodes) {
    await waitFor(async () => /[<,]LOWER_UP[,>]/.test((await ns.ip(['-o', 'link', 'show', 'dev', 'eth0'])).stdout), { timeoutMs: 10_000, intervalMs: 25, what: `${ns.name}/eth0 up` });
  }
  return { sw, k, h1, h2, subnet, ip: { k: `${subnet}.1`, h1: `${subnet}.2`, h2: `${subnet}.3` } };
}

/** Address events of `eth0` in `ns` (`ip -o monitor address`) from now on. */
function monitorAddresses(ns: Netns): Spawned {
  return ns.spawn(['ip', '-o', 'monitor', 'address', 'dev', 'eth0']);
}

/** Lines of an `ip -o monitor address` output that add `vip` (not `Deleted …`). */
const vipAdds = (out: string, vip: string): string[] => out.split('\n').filter((l) => l.includes(` ${vip}/`) && !l.startsWith('Deleted'));

/** Gratuitous ARPs / any ARP sent from one of `macs`. */
const arpsFrom = (rows: readonly CaptureRow[], macs: readonly string[]): CaptureRow[] => rows.filter((r) => r.proto === 'arp' && macs.includes((r.ethSrc ?? '').toLowerCase()));

/** nftables rules dropping incoming VRRP in a node's namespace (a paused VM's NIC losing adverts). */
const DROP_VRRP = 'table ip hv_freeze {\n  chain in { type filter hook input priority -300; ip protocol 112 drop; }\n}\n';

/** Figures printed at the end of each describe, for the report. */
const figures: string[] = [];

const FREEZE_LOG = /A thread timer expired \d+\.\d{6} seconds ago/;
const LISTEN_LOG = /after a freeze - staying BACKUP/;
/** `(VI_1) Entering BACKUP STATE` other than the start-up `… (init)` (a MASTER stepping down). */
const BACKUP_AGAIN = /\(VI_1\) Entering BACKUP STATE\s*$/;

describe.skipIf(guard.skip)('a frozen havipd BACKUP does not wake up as MASTER (keepalived 2.2.7 MASTER, two havipd backups on one bridge)', () => {
  let br: Bridge | undefined;
  const scratch = guard.skip ? '' : scratchDir('hv-n2-freeze').path;

  beforeAll(async () => {
    await sweepStaleNetns();
    br = await createBridge();
  });
  afterAll(async () => {
    await destroyAll();
    if (figures.length > 0) console.log(`freeze figures:\n  ${figures.join('\n  ')}`);
    figures.length = 0;
  });

  // `lost`: a paused VM's NIC loses what arrives meanwhile — an nftables rule in the frozen node's
  // namespace drops incoming VRRP during the freeze (removed just before SIGCONT), so the socket holds
  // nothing and only the freeze rule (listen one Master_Down_Interval after waking) keeps it BACKUP.
  const cases = [
    { label: 'VRRPv2 advert_int 1', version: 2 as const, advertInt: 1, vrid: 71, host: 71, lost: false, schedule: ['h1', 'h2', 'h1'] as const },
    { label: 'VRRPv3 advert_int 0.1', version: 3 as const, advertInt: 0.1, vrid: 72, host: 72, lost: false, schedule: ['h1', 'h2', 'h1'] as const },
    { label: 'VRRPv2 advert_int 1, adverts lost during the freeze', version: 2 as const, advertInt: 1, vrid: 73, host: 73, lost: true, schedule: ['h1', 'h2'] as const },
    { label: 'VRRPv3 advert_int 0.1, adverts lost during the freeze', version: 3 as const, advertInt: 0.1, vrid: 74, host: 74, lost: true, schedule: ['h1', 'h2'] as const },
  ];

  for (const c of cases) {
    it(`${c.label}: ${c.schedule.length} freezes of ${FREEZE_MS / 1000} s (${c.schedule.join(', ')}): no GARP, advert or VIP from a havipd node`, async () => {
      const b = br!;
      const vip = `${b.subnet}.${c.host}`;
      const conf = (name: string, priority: number, state: 'MASTER' | 'BACKUP'): string =>
        vrrpConfig({ routerId: `hv_${name}`, instances: [{ iface: 'eth0', vrid: c.vrid, priority, state, version: c.version, advertInt: c.advertInt, vips: [`${vip}/24`] }] });
      const nodes: VrrpNode[] = [];
      const monitors: Spawned[] = [];
      let cap: Capture | undefined;
      try {
        await explainFailure(
          () => nodes,
          async () => {
            const macs = [(await macOf(b.h1, 'eth0')).toLowerCase(), (await macOf(b.h2, 'eth0')).toLowerCase()];
            // The capture on h1's and h2's switch ports sees everything either sends.
            cap = await startCapture(b.sw, 'br0', `${scratch}/vrid${c.vrid}.pcap`, { filter: 'ip proto 112 or arp' });
            monitors.push(monitorAddresses(b.h1), monitorAddresses(b.h2));
            const ka = await startNode('keepalived', b.k, conf('k', 200, 'MASTER'));
            nodes.push(ka);
            await ka.waitForLog(entering('MASTER'), { timeoutMs: 15_000 });
            const h1 = await startNode('havipd', b.h1, conf('h1', 150, 'BACKUP'));
            nodes.push(h1);
            const h2 = await startNode('havipd', b.h2, conf('h2', 100, 'BACKUP'));
            nodes.push(h2);
            await h1.waitForLog(/\(VI_1\) Entering BACKUP STATE \(init\)/, { timeoutMs: 10_000 });
            await h2.waitForLog(/\(VI_1\) Entering BACKUP STATE \(init\)/, { timeoutMs: 10_000 });
            // Both have heard the master for a while.
            await sleep(2_000);
            const c0 = cap;
            await waitFor(async () => advertsFrom(await c0.peek(), b.ip.k, c.vrid, 200).length >= 3, { timeoutMs: 10_000, what: '3 adverts from keepalived' });

            const frozen = { h1: 0, h2: 0 };
            for (const name of c.schedule) {
              const node = name === 'h1' ? h1 : h2;
              const ns = name === 'h1' ? b.h1 : b.h2;
              if (c.lost) await ns.exec(['nft', '-f', '-'], { input: DROP_VRRP });
              node.signal('SIGSTOP');
              try {
                await sleep(FREEZE_MS);
              } finally {
                if (c.lost) await ns.exec(['nft', 'delete', 'table', 'ip', 'hv_freeze'], { check: false });
                node.signal('SIGCONT');
              }
              frozen[name] += 1;
              await sleep(AFTER_MS);
            }

            const rows = await cap.stop();
            const garps = arpsFrom(rows, macs);
            const mine = [...advertsFrom(rows, b.ip.h1, c.vrid), ...advertsFrom(rows, b.ip.h2, c.vrid)];
            const kaAdverts = advertsFrom(rows, b.ip.k, c.vrid, 200);
            figures.push(
              `${c.label}: ${kaAdverts.length} keepalived adverts, ${garps.length} ARPs and ${mine.length} adverts from havipd; freeze logs h1 ${h1.countLog(FREEZE_LOG)}, h2 ${h2.countLog(FREEZE_LOG)}; listened after waking h1 ${h1.countLog(LISTEN_LOG)}, h2 ${h2.countLog(LISTEN_LOG)}`,
            );
            expect(garps, describeRows(garps)).toEqual([]);
            expect(mine, describeRows(mine)).toEqual([]);
            expect(h1.countLog(entering('MASTER'))).toBe(0);
            expect(h2.countLog(entering('MASTER'))).toBe(0);
            for (const m of monitors) expect(vipAdds(m.output(), vip), m.output()).toEqual([]);
            // keepalived stayed MASTER throughout: no BACKUP entry after its start-up one.
            expect(ka.countLog(BACKUP_AGAIN)).toBe(0);
            // Each freeze was seen (a timer ran seconds late) and logged once.
            expect(h1.countLog(FREEZE_LOG)).toBe(frozen.h1);
            expect(h2.countLog(FREEZE_LOG)).toBe(frozen.h2);
            if (!c.lost) {
              // And the raw socket's drain did the work: the queued adverts were read before the late tick,
              // so no down timer was still due when it ran (the freeze rule's listening was never needed).
              expect(h1.countLog(LISTEN_LOG)).toBe(0);
              expect(h2.countLog(LISTEN_LOG)).toBe(0);
            }
            // (With `lost`, an advert can slip in between the rule's removal and SIGCONT; then the drain
            // handles that freeze instead of the listening: both keep it BACKUP, the figures say which.)
          },
          async () => (cap ? describeRows(await cap.peek()) : ''),
        );
      } finally {
        for (const ns of [b.h1, b.h2]) await ns.exec(['nft', 'delete', 'table', 'ip', 'hv_freeze'], { check: false });
        for (const n of nodes) n.signal('SIGCONT');
        await cap?.stop().catch(() => undefined);
        await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
        await Promise.all(monitors.map((m) => m.stop('SIGKILL', 0)));
      }
    });
  }
});

// UDP test mode (node:dgram has no synchronous read; the drain lets libuv's poll phase run first): two
// unprivileged havipd on one namespace's loopback, VRRPv3 at 0.1 s (Master_Down_Interval of the 100
// backup 0.360 s); the backup is frozen 5 s twice. No capture: UDP mode sends no GARP and adds no VIP;
// its log says whether it became MASTER.
const udpGuard = interopGuard(['setpriv']);
const NOBODY = 65534;
const UDP_PORT = 15_140;

describe.skipIf(udpGuard.skip)('a frozen havipd BACKUP in UDP mode does not wake up as MASTER', () => {
  afterAll(async () => {
    await destroyAll();
    if (figures.length > 0) console.log(`freeze figures (UDP):\n  ${figures.join('\n  ')}`);
  });

  it('VRRPv3 advert_int 0.1 over UDP: 2 freezes of 5 s of the backup; it stays BACKUP, the drain reads the adverts first', async () => {
    await sweepStaleNetns();
    const ns = await createNetns();
    const conf = (me: string, peer: string, priority: number): string =>
      vrrpConfig({
        routerId: `hv_udp_${me}`,
        instances: [{ vrid: 121, priority, version: 3, advertInt: 0.1, unicastSrc: me, unicastPeers: [peer], vips: ['10.254.0.121/32 dev lo'] }],
      });
    const nodes: VrrpNode[] = [];
    try {
      await explainFailure(
        () => nodes,
        async () => {
          const a = await startNode('havipd', ns, conf('127.0.0.2', '127.0.0.3', 150), { transport: 'udp', udpPort: UDP_PORT, uid: NOBODY });
          nodes.push(a);
          await a.waitForLog(/\(VI_1\) Entering BACKUP STATE \(init\)/, { timeoutMs: 5_000 });
          const b = await startNode('havipd', ns, conf('127.0.0.3', '127.0.0.2', 100), { transport: 'udp', udpPort: UDP_PORT, uid: NOBODY });
          nodes.push(b);
          await a.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
          await b.waitForLog(/\(VI_1\) Entering BACKUP STATE \(init\)/, { timeoutMs: 5_000 });
          await sleep(1_000);
          expect(b.countLog(entering('MASTER'))).toBe(0);
          for (let k = 0; k < 2; k++) {
            b.signal('SIGSTOP');
            try {
              await sleep(FREEZE_MS);
            } finally {
              b.signal('SIGCONT');
            }
            await sleep(AFTER_MS);
          }
          figures.push(`UDP mode v3 0.1: freeze logs ${b.countLog(FREEZE_LOG)}, listen logs ${b.countLog(LISTEN_LOG)}, MASTER entries ${b.countLog(entering('MASTER'))}`);
          expect(b.countLog(entering('MASTER'))).toBe(0);
          expect(a.countLog(BACKUP_AGAIN)).toBe(0);
          expect(b.countLog(FREEZE_LOG)).toBe(2);
          expect(b.countLog(LISTEN_LOG)).toBe(0);
        },
      );
    } finally {
      for (const n of nodes) n.signal('SIGCONT');
      await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
    }
  });
});
