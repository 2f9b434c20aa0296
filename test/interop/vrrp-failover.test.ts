// Failover on real sockets, timed from the wire (RFC 3768 §6.4.2 / RFC 5798 §6.4.2 Master_Down_Timer,
// §6.4.3 priority 0 on shutdown; reference §3.2, §3.4, §3.7): VRRPv2 multicast at advert_int 1,
// master priority 150, backup priority 100, so Master_Down_Interval = 3 × 1 s + (256 − 100)/256 s =
// 3.609 s and Skew_Time = 0.609 s. Each of havipd and keepalived 2.2.7 plays master and backup.

import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startCapture, type Capture, type CaptureRow } from '../support/capture.js';
import { interopGuard } from '../support/interop-guard.js';
import { createLan, destroyAll, scratchDir, sweepStaleNetns, waitFor, type Lan } from '../support/netns.js';
import {
  advertsFrom,
  describeRows,
  entering,
  explainFailure,
  PAIRINGS,
  startNode,
  vipIn,
  vrrpConfig,
  waitVip,
  type NodeKind,
  type VrrpNode,
} from '../support/scenario.js';

const guard = interopGuard();

/** Protocol figures for this file's set-up. */
const ADVERT_S = 1;
const SKEW_S = (256 - 100) / 256;
const DOWN_S = 3 * ADVERT_S + SKEW_S;
/** Scheduling margin above the protocol bound (two busy cores, node's event loop, tcpdump). */
const MARGIN_S = 0.5;

/** Figures measured by the tests, printed at the end for the report. */
const measured: string[] = [];

describe.skipIf(guard.skip)('VRRP failover timed from the capture (havipd ⇄ keepalived 2.2.7)', () => {
  let lan: Lan;
  let nodes: VrrpNode[] = [];
  let cap: Capture | undefined;
  const scratch = scratchDir('hv-n2-failover');
  let vrid = 60;
  let vip = '';

  beforeAll(async () => {
    await sweepStaleNetns();
    lan = await createLan();
  });
  beforeEach(() => {
    vrid += 1;
    vip = `${vipIn(lan.ipA, vrid)}/24`;
  });
  afterEach(async () => {
    await cap?.stop().catch(() => undefined);
    cap = undefined;
    await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
    nodes = [];
  });
  afterAll(async () => {
    await destroyAll();
    if (measured.length > 0) console.log(`failover figures:\n  ${measured.join('\n  ')}`);
  });

  const conf = (side: 'a' | 'b', priority: number): string =>
    vrrpConfig({
      routerId: `hv_${side}`,
      instances: [{ iface: side === 'a' ? lan.ifA : lan.ifB, vrid, priority, advertInt: ADVERT_S, vips: [vip] }],
    });

  /** Master on A (150), backup on B (100), capture on B's end; resolves once both are settled. */
  const setUp = async (masterKind: NodeKind, backupKind: NodeKind): Promise<{ master: VrrpNode; backup: VrrpNode }> => {
    cap = await startCapture(lan.b, lan.ifB, join(scratch.path, `vrid${vrid}.pcap`), { filter: 'ip proto 112' });
    const master = await startNode(masterKind, lan.a, conf('a', 150));
    nodes.push(master);
    await master.waitForLog(/\(VI_1\) Entering BACKUP STATE \(init\)/, { timeoutMs: 5_000 });
    const backup = await startNode(backupKind, lan.b, conf('b', 100));
    nodes.push(backup);
    await master.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
    await backup.waitForLog(/\(VI_1\) Entering BACKUP STATE \(init\)/, { timeoutMs: 5_000 });
    // The backup has heard the master for a while (and has not become MASTER).
    const c = cap;
    await waitFor(async () => advertsFrom(await c.peek(), lan.ipA, vrid, 150).length >= 2, { timeoutMs: 10_000, what: '2 adverts from the master' });
    expect(backup.countLog(entering('MASTER'))).toBe(0);
    return { master, backup };
  };

  const firstAfter = (rows: readonly CaptureRow[], t: number): CaptureRow | undefined => advertsFrom(rows, lan.ipB, vrid, 100).find((r) => r.time > t);

  describe.each(PAIRINGS)('master %s, backup %s', (masterKind, backupKind) => {
    it(`SIGKILL: the backup takes over within 3 × advert_int + Skew_Time (${DOWN_S.toFixed(3)} s), not before 3 × advert_int`, async () => {
      await explainFailure(
        () => nodes,
        async () => {
          const { master, backup } = await setUp(masterKind, backupKind);
          await master.stop('SIGKILL');
          await backup.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
          await waitVip(lan.b, lan.ifB, vip, true);
          const c = cap!;
          await waitFor(async () => advertsFrom(await c.peek(), lan.ipB, vrid, 100).length >= 2, { timeoutMs: 5_000, what: '2 adverts from the new master' });
          const rows = await c.stop();
          const last = advertsFrom(rows, lan.ipA, vrid, 150).at(-1);
          expect(last, describeRows(rows)).toBeDefined();
          const first = firstAfter(rows, last!.time);
          expect(first, describeRows(rows)).toBeDefined();
          const gap = first!.time - last!.time;
          measured.push(`SIGKILL ${masterKind}→${backupKind}: last advert of the killed master → first of the new: ${gap.toFixed(3)} s (bound ${DOWN_S.toFixed(3)} s)`);
          expect(gap, describeRows(rows, last!.time)).toBeGreaterThanOrEqual(3 * ADVERT_S);
          expect(gap, describeRows(rows, last!.time)).toBeLessThanOrEqual(DOWN_S + MARGIN_S);
          // The new master advertises every advert_int with its own priority.
          const mine = advertsFrom(rows, lan.ipB, vrid, 100);
          for (const r of mine) expect(r.vrrp).toMatchObject({ version: 2, addresses: [vip.split('/')[0]], adverInt: 1 });
        },
        async () => (cap ? describeRows(await cap.peek()) : ''),
      );
    });

    it(`SIGTERM: the master sends priority 0 and drops its VIP; the backup takes over within Skew_Time (${SKEW_S.toFixed(3)} s)`, async () => {
      await explainFailure(
        () => nodes,
        async () => {
          const { master, backup } = await setUp(masterKind, backupKind);
          await waitVip(lan.a, lan.ifA, vip, true);
          const code = await master.stop('SIGTERM');
          expect(code).toBe(0);
          await waitVip(lan.a, lan.ifA, vip, false, 2_000);
          await backup.waitForLog(entering('MASTER'), { timeoutMs: 5_000 });
          await waitVip(lan.b, lan.ifB, vip, true);
          const c = cap!;
          await waitFor(async () => advertsFrom(await c.peek(), lan.ipB, vrid, 100).length >= 1, { timeoutMs: 5_000, what: 'an advert from the new master' });
          const rows = await c.stop();
          const zero = advertsFrom(rows, lan.ipA, vrid, 0);
          expect(zero.length, describeRows(rows)).toBeGreaterThanOrEqual(1);
          // Priority 0 is the master's last word: no priority-150 advert after it.
          const after = advertsFrom(rows, lan.ipA, vrid, 150).filter((r) => r.time > zero[0]!.time);
          expect(after, describeRows(rows)).toEqual([]);
          const first = firstAfter(rows, zero[0]!.time);
          expect(first, describeRows(rows)).toBeDefined();
          const gap = first!.time - zero[0]!.time;
          measured.push(`SIGTERM ${masterKind}→${backupKind}: priority-0 advert → first advert of the new master: ${gap.toFixed(3)} s (Skew_Time ${SKEW_S.toFixed(3)} s); ${zero.length} priority-0 advert(s)`);
          expect(gap, describeRows(rows, zero[0]!.time)).toBeGreaterThanOrEqual(SKEW_S - 0.05);
          expect(gap, describeRows(rows, zero[0]!.time)).toBeLessThanOrEqual(SKEW_S + MARGIN_S);
          expect(backup.log()).toMatch(/\(VI_1\) Backup received priority 0 advertisement/);
        },
        async () => (cap ? describeRows(await cap.peek()) : ''),
      );
    });
  });
});
