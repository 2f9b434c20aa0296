// The operations plane through a SIGKILL failover, a reload and a preemption beside real keepalived 2.2.7
// (issue 10 "Show"): after each step `havipd status --json` agrees with the capture (state, master
// address and priority), and over the whole series the keepalived_* counters on `/metrics` agree with
// the capture, with havipd's own keepalived-format stats dump, and with keepalived's stats (SIGUSR2) for
// the same events seen from the other side (A's adverts sent = keepalived's received, keepalived's
// "Became master" = A's release_master, keepalived's priority-0 advert = A's pri_zero_rcvd).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAVIPD_BIN } from '../support/havipd.js';
import { interopGuard } from '../support/interop-guard.js';
import { lanScenario } from '../support/lan-scenario.js';
import { run, sleep } from '../support/netns.js';
import { advertsFrom, describeRows, entering, readDump, statsCounter, waitVip, type VrrpNode } from '../support/scenario.js';
import type { CaptureRow } from '../support/capture.js';

const guard = interopGuard(['keepalived', 'tcpdump', 'tshark', 'curl']);
/** Slack for a busy 2-core machine on top of protocol times. */
const MARGIN_S = 0.4;

interface InstanceStatus {
  state: string;
  priority: { configured: number; effective: number };
  master: { address: string; priority: number | null; self: boolean } | null;
  vips: Array<{ address: string; present: boolean | null }>;
  lastTransition: { reason: string } | null;
  counters: Record<string, number>;
}

async function status(n: VrrpNode): Promise<InstanceStatus> {
  const r = await run([process.execPath, HAVIPD_BIN, 'status', '--json', '--control-socket', join(n.dir, 'havipd.sock')], { check: false, timeoutMs: 20_000 });
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { instances: InstanceStatus[] }).instances[0]!;
}

/** The last advert on the wire for this VRID (any source). */
function lastAdvert(rows: readonly CaptureRow[], vrid: number): CaptureRow | undefined {
  return rows.filter((r) => r.proto === 'vrrp' && r.vrrp!.vrid === vrid).at(-1);
}

describe.skipIf(guard.skip)('operations plane through a failover / reload / preemption series beside keepalived', () => {
  const sc = lanScenario({ vridBase: 180, scratch: 'hv-n2-opsser' });

  it('status --json agrees with the capture after a SIGKILL failover, a reload and a preemption; the keepalived_* counters agree with the capture and with keepalived’s stats', async () => {
    await sc.explain(async () => {
      const port = 19660;
      const scrape = async (): Promise<Record<string, number>> => {
        const m = (await sc.ns('a').exec(['curl', '-s', `http://127.0.0.1:${port}/metrics`])).stdout;
        const out: Record<string, number> = {};
        for (const k of ['advert_rcvd', 'advert_sent', 'become_master', 'release_master', 'pri_zero_rcvd', 'pri_zero_sent']) {
          const gen2brain = Number(new RegExp(`^keepalived_vrrp_${k}\\{[^}]*\\} (\\d+)$`, 'm').exec(m)?.[1]);
          out[k] = gen2brain;
        }
        // mehdy's names carry the same values.
        expect(Number(/^keepalived_advertisements_sent_total\{[^}]*\} (\d+)$/m.exec(m)?.[1])).toBe(out.advert_sent);
        expect(Number(/^keepalived_advertisements_received_total\{[^}]*\} (\d+)$/m.exec(m)?.[1])).toBe(out.advert_rcvd);
        expect(Number(/^keepalived_become_master_total\{[^}]*\} (\d+)$/m.exec(m)?.[1])).toBe(out.become_master);
        expect(Number(/^keepalived_release_master_total\{[^}]*\} (\d+)$/m.exec(m)?.[1])).toBe(out.release_master);
        expect(Number(/^keepalived_priority_zero_received_total\{[^}]*\} (\d+)$/m.exec(m)?.[1])).toBe(out.pri_zero_rcvd);
        return out;
      };
      const { ipA, ipB } = sc.lan;
      const vrid = sc.vrid;
      const c = await sc.capture(`vrid${vrid}-series.pcap`);

      // 1. Election: keepalived B (150) MASTER, havipd A (100) BACKUP.
      const b1 = await sc.start('keepalived', 'b', sc.conf('b', 150));
      await b1.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
      const tBeforeA = Date.now() / 1000;
      const a = await sc.start('havipd', 'a', sc.conf('a', 100), { args: ['--metrics-listen', `127.0.0.1:${port}`] });
      await a.waitForLog(/\(VI_1\) Entering BACKUP STATE/, { timeoutMs: 5_000 });
      const tAfterA = Date.now() / 1000;
      await sleep(2_500);
      let s = await status(a);
      let rows = await c.peek();
      expect(lastAdvert(rows, vrid), describeRows(rows)).toMatchObject({ src: ipB, vrrp: { priority: 150 } });
      expect(s).toMatchObject({ state: 'BACKUP', master: { address: ipB, priority: 150, self: false } });
      expect(s.vips[0]!.present).toBe(false);

      // 2. SIGKILL of keepalived: no priority 0, A takes over after its Master_Down_Interval.
      const tKill = Date.now() / 1000;
      await b1.stop('SIGKILL');
      await a.waitForLog(entering('MASTER'), { timeoutMs: 3_609 + 3_000 });
      await waitVip(sc.ns('a'), sc.iface('a'), sc.vip, true, 3_000);
      await sleep(2_000);
      s = await status(a);
      rows = await c.peek();
      expect(lastAdvert(rows, vrid), describeRows(rows, tKill)).toMatchObject({ src: ipA, vrrp: { priority: 100 } });
      expect(advertsFrom(rows, ipB, vrid, 0)).toEqual([]);
      const firstA = advertsFrom(rows, ipA, vrid, 100)[0]!;
      // Master_Down_Interval of priority 100 at advert_int 1: 3 + 156/256 s after B's last advert.
      const lastB = advertsFrom(rows, ipB, vrid).at(-1)!;
      expect(firstA.time - lastB.time, describeRows(rows, tKill)).toBeGreaterThanOrEqual(3.6 - 0.05);
      expect(firstA.time - lastB.time, describeRows(rows, tKill)).toBeLessThanOrEqual(3.61 + 1 + MARGIN_S);
      expect(s).toMatchObject({ state: 'MASTER', master: { address: ipA, priority: 100, self: true }, lastTransition: { reason: 'master-no-response' } });
      expect(s.vips[0]!.present).toBe(true);

      // 3. Reload changing the priority (100 → 120) while MASTER: status and the wire follow.
      a.havipd!.writeConfig(sc.conf('a', 120));
      const tReload = Date.now() / 1000;
      a.signal('SIGHUP');
      await sleep(2_500);
      s = await status(a);
      rows = await c.peek();
      expect(lastAdvert(rows, vrid), describeRows(rows, tReload)).toMatchObject({ src: ipA, vrrp: { priority: 120 } });
      expect(s).toMatchObject({ state: 'MASTER', priority: { configured: 120, effective: 120 }, master: { address: ipA, priority: 120, self: true } });

      // 4. keepalived comes back with 200 and preempts (it listens a Master_Down_Interval, then advertises).
      const before = await scrape();
      const b2 = await sc.start('keepalived', 'b', sc.conf('b', 200));
      await b2.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
      await a.waitForLog(entering('BACKUP'), { timeoutMs: 3_000, after: 1 });
      await waitVip(sc.ns('b'), sc.iface('b'), sc.vip, true, 3_000);
      await sleep(2_500);
      s = await status(a);
      rows = await c.peek();
      expect(lastAdvert(rows, vrid), describeRows(rows)).toMatchObject({ src: ipB, vrrp: { priority: 200 } });
      expect(s).toMatchObject({ state: 'BACKUP', master: { address: ipB, priority: 200, self: false }, lastTransition: { reason: 'higher-priority' } });
      expect(s.vips[0]!.present).toBe(false);

      // Mirrored roles: keepalived's stats for the same events, seen from its side.
      const kaStats = await readDump(b2, 'stats');
      const mid = await scrape();
      const kaRcvd = statsCounter(kaStats, ['Advertisements', 'Received'])!;
      const kaSent = statsCounter(kaStats, ['Advertisements', 'Sent'])!;
      // A's adverts since B2 started are what B2 received (an advert in flight at either read: ±1 each).
      expect(Math.abs(mid.advert_sent! - before.advert_sent! - kaRcvd), `${mid.advert_sent! - before.advert_sent!} vs keepalived ${kaRcvd}`).toBeLessThanOrEqual(2);
      expect(Math.abs(mid.advert_rcvd! - before.advert_rcvd! - kaSent), `${mid.advert_rcvd! - before.advert_rcvd!} vs keepalived ${kaSent}`).toBeLessThanOrEqual(2);
      expect(statsCounter(kaStats, ['Became master'])).toBe(1);
      expect(mid.release_master! - before.release_master!).toBe(1);
      expect(statsCounter(kaStats, ['Released master'])).toBe(0);
      expect(mid.become_master! - before.become_master!).toBe(0);

      // 5. keepalived SIGTERM: its priority-0 advert, A takes over at Skew_Time.
      const tTerm = Date.now() / 1000;
      await b2.stop('SIGTERM');
      await a.waitForLog(entering('MASTER'), { timeoutMs: 3_000, after: 1 });
      await sleep(2_000);
      s = await status(a);
      const end = await scrape();
      const hvStats = await readDump(a, 'stats');
      rows = await c.stop();
      expect(lastAdvert(rows, vrid), describeRows(rows, tTerm)).toMatchObject({ src: ipA, vrrp: { priority: 120 } });
      expect(s).toMatchObject({ state: 'MASTER', master: { address: ipA, priority: 120, self: true }, lastTransition: { reason: 'priority-zero' } });
      expect(advertsFrom(rows, ipB, vrid, 0).length, describeRows(rows, tTerm)).toBe(1);

      // The whole series against the capture: every advert A sent and every one it received from B.
      const aSent = advertsFrom(rows, ipA, vrid).length;
      expect(Math.abs(end.advert_sent! - aSent), `metrics ${end.advert_sent} vs capture ${aSent}`).toBeLessThanOrEqual(1);
      // A heard B1 from some moment between its start and its first log line, and all of B2 (its priority 0
      // included: keepalived counts a priority-0 advert as received too).
      const fromB = advertsFrom(rows, ipB, vrid);
      const most = fromB.filter((r) => r.time >= tBeforeA).length;
      const least = fromB.filter((r) => r.time >= tAfterA).length;
      expect(end.advert_rcvd!, `metrics ${end.advert_rcvd} vs capture ${least}..${most}`).toBeGreaterThanOrEqual(least - 1);
      expect(end.advert_rcvd!, `metrics ${end.advert_rcvd} vs capture ${least}..${most}`).toBeLessThanOrEqual(most + 1);
      expect(end).toMatchObject({ become_master: 2, release_master: 1, pri_zero_rcvd: 1, pri_zero_sent: 0 });
      console.log(
        `series: metrics ${JSON.stringify(end)}; capture A sent ${aSent}, B sent ${least}..${most} while A ran; ` +
          `keepalived (2nd run) received ${kaRcvd} / sent ${kaSent}, A's delta sent ${mid.advert_sent! - before.advert_sent!} / rcvd ${mid.advert_rcvd! - before.advert_rcvd!}`,
      );
      // havipd's own keepalived-format dump says the same as /metrics.
      expect(statsCounter(hvStats, ['Became master'])).toBe(2);
      expect(statsCounter(hvStats, ['Released master'])).toBe(1);
      expect(statsCounter(hvStats, ['Priority Zero', 'Received'])).toBe(1);
      expect(statsCounter(hvStats, ['Priority Zero', 'Sent'])).toBe(0);
      expect(Math.abs(statsCounter(hvStats, ['Advertisements', 'Sent'])! - end.advert_sent!)).toBeLessThanOrEqual(1);
    });
  });
});
