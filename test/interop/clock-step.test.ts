// The wall clock stepped under a running pair (issue 14 §1 "the clock stepped"): each daemon runs with a
// CLOCK_REALTIME of its own (libfaketime, test/support/faketime.ts), stepped forwards and backwards by an
// hour while the pair runs, as `date -s` or an NTP step would; CLOCK_MONOTONIC is not touched. VRRP timers
// run on CLOCK_MONOTONIC in both daemons, so nothing may change on the wire: no takeover, no advert gap, no
// burst. havipd reads CLOCK_REALTIME against the kernel's SO_TIMESTAMPNS receive stamp to date an advert
// (src/native/havipd_native.c recvRaw); after a step that age is implausible and the down timer counts from
// the read instead, so a real failover afterwards still takes 3 × advert_int + Skew_Time. Pairs: havipd ⇄
// havipd, havipd ⇄ keepalived 2.2.7 in both roles; each role's clock is stepped +1 h and −1 h.
// With auth_hmac (keepalived 2.4.3, the only one with the extension): in `anti_replay time` mode a node an
// hour off is out of the freshness window, so its adverts are stale and the other takes over, by design in
// both daemons (keepalived.conf(5): time mode "needs synced clocks"); once the clock is set right the
// sender's sequence restarts from the clock and the pair is back to one master within a few adverts, never
// rejected for the hour its sequence ran ahead. In `anti_replay monotonic` mode a step changes nothing.

import { describe, expect, it } from 'vitest';
import type { CaptureRow } from '../support/capture.js';
import { faketimeMissing, steppableClock, type SteppableClock } from '../support/faketime.js';
import { HAVIPD_BIN } from '../support/havipd.js';
import { interopGuard, isCi } from '../support/interop-guard.js';
import { lanScenario, type Side } from '../support/lan-scenario.js';
import { run, sleep, waitFor } from '../support/netns.js';
import { missingOracle } from '../support/oracles.js';
import { advertsFrom, describeRows, entering, readDump, statsCounter, type NodeKind, type VrrpNode } from '../support/scenario.js';

const guard = interopGuard();
const noFaketime = guard.skip ? undefined : faketimeMissing();
if (noFaketime && isCi()) throw new Error(`clock-step interop: ${noFaketime}`);
const skipAll = guard.skip || noFaketime !== undefined;

const ADVERT_S = 1;
const SKEW_S = (256 - 100) / 256;
/** Master_Down_Interval of the priority-100 backup. */
const DOWN_S = 3 * ADVERT_S + SKEW_S;
/** How long each step is held: past the backup's Master_Down_Interval, so a takeover would be on the wire. */
const HOLD_MS = Math.round((DOWN_S + 0.6) * 1000);
/** Longest master advert gap allowed: one interval plus a scheduling margin for a busy 2-core machine (< DOWN_S). */
const GAP_BOUND_S = ADVERT_S + 1.2;
/** Failover margin above Master_Down_Interval (as test/interop/vrrp-failover.test.ts). */
const MARGIN_S = 0.5;
const HOUR = 3600;

const measured: string[] = [];

const KEY = 'hex:8f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0';
const authCounters = ['Missing', 'Malformed', 'Unknown Key', 'Invalid HMAC', 'Stale', 'Replay'] as const;
const ZERO = Object.fromEntries(authCounters.map((c) => [c, 0]));

/** The auth_hmac error counters of a node's stats dump (keepalived's names, ours alike). */
async function extErrors(n: VrrpNode): Promise<Record<string, number | undefined>> {
  const stats = await readDump(n, 'stats');
  return Object.fromEntries(authCounters.map((c) => [c, statsCounter(stats, ['Authentication Extension Errors', c])]));
}

/** A daemon's log time stamps: keepalived `-l` and havipd `--log-format pretty` both print ctime(3) dates. */
function lastLogHour(n: VrrpNode): number | undefined {
  const m = [...n.log().matchAll(/^\w{3} \w{3} [ \d]\d (\d\d):\d\d:\d\d \d{4}: /gm)].at(-1);
  return m ? Number(m[1]) : undefined;
}

/** `havipd status --json` of a havipd node: the daemon's uptime, s. */
async function uptimeS(n: VrrpNode): Promise<number> {
  const r = await run([process.execPath, HAVIPD_BIN, 'status', '--json', '--control-socket', `${n.dir}/havipd.sock`], { check: false, timeoutMs: 20_000 });
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { daemon: { uptimeSeconds: number } }).daemon.uptimeSeconds;
}

/** Longest gap between consecutive rows' times in [from, to] (the edges count as rows). */
function longestGap(rows: readonly CaptureRow[], from: number, to: number): { gap: number; at: number } {
  const ts = [from, ...rows.map((r) => r.time).filter((t) => t > from && t < to), to];
  let best = { gap: 0, at: from };
  for (let i = 1; i < ts.length; i++) if (ts[i]! - ts[i - 1]! > best.gap) best = { gap: ts[i]! - ts[i - 1]!, at: ts[i - 1]! };
  return best;
}

interface Step {
  readonly t: number;
  readonly label: string;
}

/**
 * `step(side, offsetS, holdMs)`: set `side`'s clock to `offsetS` (recorded in `steps`), check the daemon
 * saw it (a stats dump makes it log a line stamped with its clock; havipd's status uptime stays small),
 * and hold for `holdMs`.
 */
function stepper(nodes: Record<Side, VrrpNode>, clocks: Record<Side, SteppableClock>, steps: Step[]): (side: Side, offsetS: number, holdMs?: number) => Promise<void> {
  return async (side, offsetS, holdMs = HOLD_MS) => {
    const before = clocks[side].offsetS;
    clocks[side].set(offsetS);
    steps.push({ t: Date.now() / 1000, label: `${side === 'a' ? 'master' : 'backup'} ${offsetS - before > 0 ? '+' : '−'}${Math.abs(offsetS - before) / HOUR} h` });
    const held = sleep(holdMs);
    const n = nodes[side];
    await readDump(n, 'stats');
    // keepalived logs the dump line after writing the file: wait (bounded) for a line with the stepped hour.
    const hours = (): number[] => [0, -3_000].map((d) => new Date(Date.now() + d + offsetS * 1000).getHours());
    await waitFor(() => hours().includes(lastLogHour(n) ?? -1), { timeoutMs: 3_000, intervalMs: 50, what: `a ${n.kind} log line stamped with its clock stepped to ${offsetS} s` }).catch(() => undefined);
    expect(hours(), `${n.kind} log hour after a step to ${offsetS} s:\n${n.log().split('\n').slice(-3).join('\n')}`).toContain(lastLogHour(n));
    if (n.havipd) expect(await uptimeS(n), 'havipd status uptime counts on the monotonic clock').toBeLessThan(120);
    await held;
  };
}

describe.skipIf(skipAll)('the realtime clock stepped ±1 h under a running pair (libfaketime, monotonic untouched)', () => {
  const sc = lanScenario({
    vridBase: 240,
    scratch: 'hv-n2-clockstep',
    tearDown: () => {
      if (measured.length > 0) console.log(`clock-step figures:\n  ${measured.join('\n  ')}`);
    },
  });

  /** Master (150) on A, backup (100) on B, each with its own steppable clock; capture on B's end. */
  const startPair = async (masterKind: NodeKind, backupKind: NodeKind, more: (side: Side, priority: number) => string): Promise<{ master: VrrpNode; backup: VrrpNode; clocks: Record<Side, SteppableClock> }> => {
    const clocks = { a: steppableClock(sc.scratch, `a${sc.vrid}`), b: steppableClock(sc.scratch, `b${sc.vrid}`) };
    const c = await sc.capture(`vrid${sc.vrid}.pcap`);
    const master = await sc.start(masterKind, 'a', more('a', 150), { env: clocks.a.env });
    await master.waitForLog(/\(VI_1\) Entering BACKUP STATE \(init\)/, { timeoutMs: 5_000 });
    const backup = await sc.start(backupKind, 'b', more('b', 100), { env: clocks.b.env });
    await master.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
    await backup.waitForLog(/\(VI_1\) Entering BACKUP STATE/, { timeoutMs: 5_000 });
    await waitFor(async () => advertsFrom(await c.peek(), sc.lan.ipA, sc.vrid, 150).length >= 2, { timeoutMs: 10_000, what: '2 adverts from the master' });
    return { master, backup, clocks };
  };

  describe.each([
    ['havipd', 'havipd'],
    ['havipd', 'keepalived'],
    ['keepalived', 'havipd'],
  ] as const)('master %s (150), backup %s (100)', (masterKind, backupKind) => {
    it(`no takeover, no advert gap over ${GAP_BOUND_S.toFixed(1)} s, then SIGKILL failover within ${DOWN_S.toFixed(3)} s + ${MARGIN_S} s`, async () => {
      const { lan, vrid } = sc;
      await sc.explain(async () => {
        const { master, backup, clocks } = await startPair(masterKind, backupKind, (side, p) => sc.conf(side, p, { advertInt: ADVERT_S }));
        const steps: Step[] = [];
        const step = stepper({ a: master, b: backup }, clocks, steps);
        await step('a', +HOUR); // master forward
        await step('b', -HOUR); // backup backward
        await step('a', 0); // master backward
        await step('b', +HOUR, 2_000); // backup forward by 2 h, then the master dies while the backup is an hour ahead
        const killT = Date.now() / 1000;
        const rows = await sc.killMasterForTakeover(master, backup);
        const t0 = steps[0]!.t;
        const mine = advertsFrom(rows, lan.ipA, vrid, 150);
        const during = mine.filter((r) => r.time >= t0 && r.time < killT);
        const ctx = `${steps.map((s) => `${s.label} at +${(s.t - t0).toFixed(2)} s`).join(', ')}, kill at +${(killT - t0).toFixed(2)} s\n${describeRows(rows, t0)}`;
        // No takeover: the backup never advertised and never left BACKUP before the kill, the master never left MASTER.
        expect(advertsFrom(rows, lan.ipB, vrid).filter((r) => r.time < killT), ctx).toEqual([]);
        expect(master.countLog(/\(VI_1\) Entering BACKUP STATE/), ctx).toBe(1);
        // No gap and no burst: the master kept its interval through every step.
        const g = longestGap(during, t0, killT);
        const span = killT - t0;
        measured.push(`${masterKind}→${backupKind}: ${during.length} master adverts in ${span.toFixed(1)} s across 4 steps, longest gap ${g.gap.toFixed(3)} s`);
        expect(g.gap, `longest master advert gap at +${(g.at - t0).toFixed(2)} s; ${ctx}`).toBeLessThanOrEqual(GAP_BOUND_S);
        expect(during.length, ctx).toBeLessThanOrEqual(Math.ceil(span / ADVERT_S) + 2);
        // A real failover afterwards takes the normal time, counted from the wire.
        const last = mine.at(-1)!;
        const first = advertsFrom(rows, lan.ipB, vrid, 100).find((r) => r.time > last.time);
        expect(first, ctx).toBeDefined();
        const gap = first!.time - last.time;
        measured.push(`${masterKind}→${backupKind}: SIGKILL failover with the backup's clock an hour ahead: ${gap.toFixed(3)} s (bound ${DOWN_S.toFixed(3)} s + ${MARGIN_S} s)`);
        expect(gap, describeRows(rows, last.time)).toBeGreaterThanOrEqual(3 * ADVERT_S);
        expect(gap, describeRows(rows, last.time)).toBeLessThanOrEqual(DOWN_S + MARGIN_S);
      });
    });
  });

  // ── auth_hmac (keepalived 2.4.3's extension; unicast as its documentation recommends) ──
  const PEER = 'keepalived-2.4.3' as const;
  const noPeer = missingOracle([PEER], skipAll);
  const hmac = (mode: 'time' | 'monotonic'): string[] => ['auth_hmac {', `  key 1 ${KEY}`, '  active_key 1', `  anti_replay ${mode}`, '}'];
  const hmacConf = (mode: 'time' | 'monotonic') => (side: Side, p: number): string => sc.conf(side, p, { advertInt: ADVERT_S, unicast: true, extra: hmac(mode) });

  it.skipIf(noPeer)('auth_hmac anti_replay monotonic, master havipd, backup keepalived 2.4.3: the sender stepped −1 h and back changes nothing', async () => {
    const { lan, vrid } = sc;
    await sc.explain(async () => {
      const { master, backup, clocks } = await startPair('havipd', PEER, hmacConf('monotonic'));
      const steps: Step[] = [];
      const step = stepper({ a: master, b: backup }, clocks, steps);
      // The clock behind the last sequence sent: the sequence goes on from it (+1), never backwards.
      await step('a', -HOUR);
      await step('a', 0);
      const endT = Date.now() / 1000;
      const rows = await sc.cap!.stop();
      const t0 = steps[0]!.t;
      expect(await extErrors(backup)).toEqual(ZERO);
      expect(advertsFrom(rows, lan.ipB, vrid), describeRows(rows, t0)).toEqual([]);
      expect(backup.countLog(entering('MASTER'))).toBe(0);
      expect(longestGap(advertsFrom(rows, lan.ipA, vrid, 150), t0, endT).gap, describeRows(rows, t0)).toBeLessThanOrEqual(GAP_BOUND_S);
    });
  });

  describe.each([
    ['havipd', PEER],
    [PEER, 'havipd'],
  ] as const)('auth_hmac anti_replay time, master %s (150), backup %s (100)', (masterKind, backupKind) => {
    it.skipIf(noPeer)('the master an hour ahead is stale (the backup takes over, by design); set right, its sequence restarts from the clock and it is accepted at its next advert', async () => {
      const { lan, vrid } = sc;
      await sc.explain(async () => {
        const { master, backup, clocks } = await startPair(masterKind, backupKind, hmacConf('time'));
        const steps: Step[] = [];
        const step = stepper({ a: master, b: backup }, clocks, steps);
        const mastersBefore = backup.countLog(entering('MASTER'));
        const backupsBefore = backup.countLog(/\(VI_1\) Entering BACKUP STATE/);
        await step('a', +HOUR, 0);
        // Out of the 5 s window: every advert of the master is stale to the backup, which takes over.
        await backup.waitForLog(entering('MASTER'), { after: mastersBefore, timeoutMs: 10_000 });
        expect((await extErrors(backup)).Stale).toBeGreaterThanOrEqual(1);
        await step('a', 0, 0);
        const fixedT = Date.now() / 1000;
        // The master's sequence ran an hour ahead: more than the window, so it restarts from the clock, and
        // the backup hears a fresh higher-priority advert within one interval.
        await backup.waitForLog(/\(VI_1\) Entering BACKUP STATE/, { after: backupsBefore, timeoutMs: 10_000 });
        await sleep(HOLD_MS);
        const endT = Date.now() / 1000;
        const rows = await sc.cap!.stop();
        const fromBackup = advertsFrom(rows, lan.ipB, vrid, 100);
        const lastB = fromBackup.filter((r) => r.time > fixedT).at(-1);
        const recoveredS = lastB ? lastB.time - fixedT : 0;
        measured.push(`auth_hmac time ${masterKind}→${backupKind}: the backup's last advert ${recoveredS.toFixed(3)} s after the master's clock was set right`);
        expect(recoveredS, describeRows(rows, fixedT - 2)).toBeLessThanOrEqual(GAP_BOUND_S);
        // One master again: the master advertised throughout and nothing was taken for a replay.
        expect(longestGap(advertsFrom(rows, lan.ipA, vrid, 150), fixedT, endT).gap, describeRows(rows, fixedT)).toBeLessThanOrEqual(GAP_BOUND_S);
        expect(master.countLog(/\(VI_1\) Entering BACKUP STATE/)).toBe(1);
        const e = await extErrors(backup);
        expect({ ...e, Stale: 0 }).toEqual(ZERO);
      });
    });
  });
});
