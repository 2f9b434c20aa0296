// Failover on real sockets, timed from the wire (RFC 3768 §6.4.2 / RFC 5798 §6.4.2 Master_Down_Timer,
// §6.4.3 priority 0 on shutdown; reference §3.2, §3.4, §3.7): VRRPv2 multicast at advert_int 1,
// master priority 150, backup priority 100, so Master_Down_Interval = 3 × 1 s + (256 − 100)/256 s =
// 3.609 s and Skew_Time = 0.609 s. Each of havipd, keepalived 2.2.7 and keepalived 2.4.3 (the built oracle,
// test/support/oracles.ts) plays master and backup.

import { describe, expect, it } from 'vitest';
import type { CaptureRow } from '../support/capture.js';
import { interopGuard } from '../support/interop-guard.js';
import { lanScenario } from '../support/lan-scenario.js';
import { waitFor } from '../support/netns.js';
import { missingOracle } from '../support/oracles.js';
import { advertsFrom, describeRows, entering, PAIRINGS, pairingsWith, waitVip, type NodeKind, type VrrpNode } from '../support/scenario.js';

const guard = interopGuard();

/** Protocol figures for this file's set-up. */
const ADVERT_S = 1;
const SKEW_S = (256 - 100) / 256;
const DOWN_S = 3 * ADVERT_S + SKEW_S;
/** Scheduling margin above the protocol bound (two busy cores, node's event loop, tcpdump). */
const MARGIN_S = 0.5;

/** Figures measured by the tests, printed at the end for the report. */
const measured: string[] = [];

/** 2.2.7 both ways, havipd ⇄ havipd, then 2.4.3 both ways (skipped with a reason when it is not built). */
const CASES = [...PAIRINGS, ...pairingsWith('keepalived-2.4.3')];

describe.skipIf(guard.skip)('VRRP failover timed from the capture (havipd ⇄ keepalived 2.2.7 / 2.4.3)', () => {
  const sc = lanScenario({
    vridBase: 60,
    scratch: 'hv-n2-failover',
    tearDown: () => {
      if (measured.length > 0) console.log(`failover figures:\n  ${measured.join('\n  ')}`);
    },
  });

  /** Master on A (150), backup on B (100), capture on B's end; resolves once both are settled. */
  const setUp = async (masterKind: NodeKind, backupKind: NodeKind): Promise<{ master: VrrpNode; backup: VrrpNode }> => {
    const c = await sc.capture(`vrid${sc.vrid}.pcap`);
    const { master, backup } = await sc.startPair(masterKind, backupKind, (side, priority) => sc.conf(side, priority, { advertInt: ADVERT_S }));
    await backup.waitForLog(/\(VI_1\) Entering BACKUP STATE \(init\)/, { timeoutMs: 5_000 });
    // The backup has heard the master for a while (and has not become MASTER).
    await waitFor(async () => advertsFrom(await c.peek(), sc.lan.ipA, sc.vrid, 150).length >= 2, { timeoutMs: 10_000, what: '2 adverts from the master' });
    expect(backup.countLog(entering('MASTER'))).toBe(0);
    return { master, backup };
  };

  const firstAfter = (rows: readonly CaptureRow[], t: number): CaptureRow | undefined => advertsFrom(rows, sc.lan.ipB, sc.vrid, 100).find((r) => r.time > t);

  describe.each(CASES)('master %s, backup %s', (masterKind, backupKind) => {
    const skip = missingOracle([masterKind, backupKind], guard.skip);
    it.skipIf(skip)(`SIGKILL: the backup takes over within 3 × advert_int + Skew_Time (${DOWN_S.toFixed(3)} s), not before 3 × advert_int`, async () => {
      const { lan, vrid, vip } = sc;
      await sc.explain(async () => {
        const { master, backup } = await setUp(masterKind, backupKind);
        const rows = await sc.killMasterForTakeover(master, backup);
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
      });
    });

    it.skipIf(skip)(`SIGTERM: the master sends priority 0 and drops its VIP; the backup takes over within Skew_Time (${SKEW_S.toFixed(3)} s)`, async () => {
      const { lan, vrid, vip } = sc;
      await sc.explain(async () => {
        const { master, backup } = await setUp(masterKind, backupKind);
        await waitVip(lan.a, lan.ifA, vip, true);
        const code = await master.stop('SIGTERM');
        expect(code).toBe(0);
        await waitVip(lan.a, lan.ifA, vip, false, 2_000);
        await backup.waitForLog(entering('MASTER'), { timeoutMs: 5_000 });
        await waitVip(lan.b, lan.ifB, vip, true);
        const c = sc.cap!;
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
      });
    });
  });
});
