// The operations plane against real keepalived 2.2.7 in namespaces (issue 10 "Show"): `status --json`
// agrees with the wire through election and switchover; switchover in both directions with keepalived
// as the peer, with no dual-master window in the capture and no flap back; maintenance survives a
// restart; an unprivileged user reads status and is refused switchover; the exporter-compatible counters
// follow keepalived's own stats; a flood of the control socket leaves the advert period on time.
// Times are the capture's. The test's clock only brackets a command: read before the client process starts
// and after it returned (Node's start-up on a busy machine widens the bracket, never fails an assertion).
import { createConnection } from 'node:net';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAVIPD_BIN } from '../support/havipd.js';
import { interopGuard } from '../support/interop-guard.js';
import { lanScenario } from '../support/lan-scenario.js';
import { run, sleep, type ExecResult } from '../support/netns.js';
import { advertsFrom, describeRows, entering, readDump, statsCounter, waitVip, type VrrpNode } from '../support/scenario.js';
import { advertGrid } from '../support/wire-timing.js';

const guard = interopGuard(['keepalived', 'tcpdump', 'tshark', 'setpriv', 'curl']);
/** Slack for a busy 2-core machine on top of protocol times. */
const MARGIN_S = 0.4;
/** Skew_Time of the priority-100 keepalived backup at advert_int 1 (VRRPv2: (256-100)/256 s). */
const SKEW_100_S = (256 - 100) / 256;
const ADVERT_S = 1;
/**
 * Capture stamp vs a reply: an advert the daemon sent before answering may be stamped a little after the
 * client returned when the receive softirq is deferred on a loaded CPU.
 */
const STAMP_SLACK_S = 0.1;

function sockOf(n: VrrpNode): string {
  return join(n.dir, 'havipd.sock');
}

/** `havipd ARGS --control-socket SOCK` as root (or as `uid` through setpriv), never rejecting. */
function client(sock: string, args: readonly string[], uid?: number): Promise<ExecResult> {
  const argv = [process.execPath, HAVIPD_BIN, ...args, '--control-socket', sock];
  return run(uid === undefined ? argv : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', ...argv], { check: false, timeoutMs: 20_000 });
}

interface StatusJson {
  instances: Array<{
    name: string;
    state: string;
    maintenance: boolean;
    yielding: boolean;
    takeoverPriority: number | null;
    priority: { configured: number; effective: number };
    master: { address: string; priority: number | null; self: boolean } | null;
    peers: Array<{ address: string; lastAdvertAge: number | null; lastPriority: number | null }>;
    vips: Array<{ address: string; prefix: number; present: boolean | null }>;
    lastTransition: { reason: string } | null;
    counters: Record<string, number>;
  }>;
}

async function status(sock: string): Promise<StatusJson['instances'][number]> {
  const r = await client(sock, ['status', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as StatusJson).instances[0]!;
}

describe.skipIf(guard.skip)('operations plane beside keepalived', () => {
  const sc = lanScenario({ vridBase: 170, scratch: 'hv-n2-ops' });

  it('status --json agrees with the wire; switchover on the havipd MASTER hands over to keepalived with no overlap and no flap back; switchover again takes it back', async () => {
    await sc.explain(async () => {
      const c = await sc.capture(`vrid${sc.vrid}-switch.pcap`);
      const a = await sc.start('havipd', 'a', sc.conf('a', 150), { args: ['--metrics-listen', '127.0.0.1:19650'] });
      await a.waitForLog(/\(VI_1\) Entering BACKUP STATE \(init\)/, { timeoutMs: 5_000 });
      const b = await sc.start('keepalived', 'b', sc.conf('b', 100));
      await a.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
      await b.waitForLog(entering('BACKUP'), { timeoutMs: 10_000 });
      await sleep(2_500);
      const vipAddr = sc.vip.split('/')[0]!;
      let s = await status(sockOf(a));
      expect(s.state).toBe('MASTER');
      expect(s.master).toEqual({ address: sc.lan.ipA, priority: 150, self: true });
      expect(s.vips).toEqual([expect.objectContaining({ address: vipAddr, present: true })]);
      const peek = await c.peek();
      expect(advertsFrom(peek, sc.lan.ipA, sc.vrid, 150).length).toBeGreaterThanOrEqual(2);

      // Handover.
      const t0 = Date.now() / 1000;
      const r = await client(sockOf(a), ['switchover']);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`VI_1: ${sc.lan.ipB.replace(/\./g, '\\.')} is master \\(priority 100\\) after \\d+ ms`));
      await waitVip(sc.ns('b'), sc.iface('b'), sc.vip, true, 5_000);
      await sleep(4_000); // no flap back: A (150, preempting) yields to B (100)
      const tAsk = Date.now() / 1000;
      s = await status(sockOf(a));
      const tGot = Date.now() / 1000;
      expect(s).toMatchObject({ state: 'BACKUP', yielding: true, master: { address: sc.lan.ipB, priority: 100, self: false }, lastTransition: { reason: 'switchover' } });
      // Multicast: the peers are the sources heard for this VRID, with the age of their last advert.
      expect(s.peers).toEqual([{ address: sc.lan.ipB, lastAdvertAge: expect.any(Number), lastPriority: 100 }]);
      const age = s.peers[0]!.lastAdvertAge!;
      expect(s.vips[0]!.present).toBe(false);

      // Take it back: A advertises 150 > 100 and keepalived goes BACKUP at once.
      const t1 = Date.now() / 1000;
      const back = await client(sockOf(a), ['switchover']);
      expect(back.code, back.stderr).toBe(0);
      expect(back.stdout).toMatch(/VI_1: MASTER with priority 150 after \d+ ms/);
      await b.waitForLog(/\(VI_1\) Entering BACKUP STATE/, { timeoutMs: 5_000, after: 1 });
      await sleep(3_000);
      const rows = await c.stop();
      // The age is that of the last advert of B's that A had read when it answered (between tAsk and tGot).
      // B's last advert on the wire before tAsk had been read: the client's own start-up (Node, a few hundred
      // ms, longer on a loaded machine, as is A's lag) lies between it and the request. So the age is at
      // most tGot minus that advert's stamp (+ 10 ms for the age's rounding to 1 ms and the clocks' reads); a stale age (one advert older:
      // a second more), the first advert's, or a wrong unit fails.
      const lastB = advertsFrom(rows, sc.lan.ipB, sc.vrid, 100).filter((x) => x.time <= tAsk).at(-1);
      expect(lastB, describeRows(rows, tAsk)).toBeDefined();
      console.log(`ops switchover: status client ran ${(tGot - tAsk).toFixed(3)} s; lastAdvertAge ${age} s, B's last advert before the request ${(tAsk - lastB!.time).toFixed(3)} s before it`);
      expect(age, describeRows(rows, tAsk)).toBeGreaterThanOrEqual(0);
      expect(age, describeRows(rows, tAsk)).toBeLessThanOrEqual(tGot - lastB!.time + 0.01);
      // The wire: A's priority 0, then B's adverts within Skew_Time; none of A's 150 in between.
      const zero = advertsFrom(rows, sc.lan.ipA, sc.vrid, 0).filter((x) => x.time >= t0 - 0.5);
      expect(zero.length, describeRows(rows)).toBe(1);
      const firstB = advertsFrom(rows, sc.lan.ipB, sc.vrid, 100).find((x) => x.time > zero[0]!.time)!;
      expect(firstB.time - zero[0]!.time, describeRows(rows, zero[0]!.time)).toBeLessThanOrEqual(SKEW_100_S + MARGIN_S);
      const aBack = advertsFrom(rows, sc.lan.ipA, sc.vrid, 150).find((x) => x.time > zero[0]!.time)!;
      expect(aBack.time, describeRows(rows, zero[0]!.time)).toBeGreaterThan(t1 - 0.5);
      // No dual-master window: between A's priority 0 and its takeover only B advertises; after A's first
      // advert of the takeover, B sends none (keepalived gives up on the higher priority at once) - but one
      // advert of B's that was already due when A's arrived (a loaded CPU delays keepalived's receive), and
      // none once A's next advert is out.
      expect(advertsFrom(rows, sc.lan.ipA, sc.vrid, 150).filter((x) => x.time > zero[0]!.time && x.time < aBack.time)).toEqual([]);
      const aNext = advertsFrom(rows, sc.lan.ipA, sc.vrid, 150).find((x) => x.time > aBack.time)!;
      expect(aNext, describeRows(rows, aBack.time)).toBeDefined();
      const bAfter = advertsFrom(rows, sc.lan.ipB, sc.vrid).filter((x) => x.time > aBack.time);
      expect(bAfter.length, describeRows(rows, aBack.time)).toBeLessThanOrEqual(1);
      expect(bAfter.filter((x) => x.time > aNext.time), describeRows(rows, aBack.time)).toEqual([]);
      s = await status(sockOf(a));
      expect(s).toMatchObject({ state: 'MASTER', yielding: false, takeoverPriority: null });

      // The exporter-compatible counters are keepalived's: A's adverts sent match what keepalived received.
      const stats = await readDump(b, 'stats');
      const metrics = await sc.ns('a').exec(['curl', '-s', 'http://127.0.0.1:19650/metrics']);
      const sent = Number(/^keepalived_vrrp_advert_sent\{[^}]*\} (\d+)$/m.exec(metrics.stdout)?.[1]);
      const mehdy = Number(/^keepalived_advertisements_sent_total\{[^}]*\} (\d+)$/m.exec(metrics.stdout)?.[1]);
      const rcvdByB = statsCounter(stats, ['Advertisements', 'Received'])!;
      expect(sent).toBe(mehdy);
      expect(Math.abs(sent - rcvdByB), `${sent} vs keepalived ${rcvdByB}`).toBeLessThanOrEqual(2);
      expect(Number(/^keepalived_vrrp_pri_zero_sent\{[^}]*\} (\d+)$/m.exec(metrics.stdout)?.[1])).toBe(statsCounter(stats, ['Priority Zero', 'Received']));
      expect(metrics.stdout).toMatch(new RegExp(`^keepalived_vrrp_state\\{iname="VI_1",intf="${sc.iface('a')}",vrid="${sc.vrid}",ip_address="${sc.vip.replace(/\./g, '\\.').replace('/', '\\/')}"\\} 2$`, 'm'));

      // `havipd reload` with a new priority: status and the wire agree on it, and the MASTER stays MASTER.
      const c2 = await sc.capture(`vrid${sc.vrid}-reload.pcap`);
      a.havipd!.writeConfig(sc.conf('a', 160));
      const tr = Date.now() / 1000;
      const rl = await client(sockOf(a), ['reload']);
      const trDone = Date.now() / 1000;
      expect(rl.code, rl.stderr + rl.stdout).toBe(0);
      expect(rl.stdout).toMatch(/^reloaded: kept VI_1; added -; removed -$/m);
      await sleep(3_000);
      s = await status(sockOf(a));
      expect(s).toMatchObject({ state: 'MASTER', priority: { configured: 160, effective: 160 }, master: { address: sc.lan.ipA, priority: 160, self: true } });
      expect(s.vips[0]!.present).toBe(true);
      const rows2 = await c2.stop();
      expect(advertsFrom(rows2, sc.lan.ipA, sc.vrid, 160).length, describeRows(rows2, tr)).toBeGreaterThanOrEqual(2);
      // The reply comes after the reload, which sends the one advert of the old configuration and then the
      // new priority at once: no 150 after it (a new priority left to the next advert, or a reload that
      // did not apply it, leaves 150s after the reply).
      const last150 = advertsFrom(rows2, sc.lan.ipA, sc.vrid, 150).at(-1);
      const first160 = advertsFrom(rows2, sc.lan.ipA, sc.vrid, 160)[0];
      console.log(`ops reload: client ran ${(trDone - tr).toFixed(3)} s; last 150 at +${last150 ? (last150.time - tr).toFixed(3) : '-'} s, first 160 at +${first160 ? (first160.time - tr).toFixed(3) : '-'} s`);
      expect(advertsFrom(rows2, sc.lan.ipA, sc.vrid, 150).filter((x) => x.time > trDone + STAMP_SLACK_S), describeRows(rows2, tr)).toEqual([]);
      expect(advertsFrom(rows2, sc.lan.ipB, sc.vrid).filter((x) => x.time > tr), describeRows(rows2, tr)).toEqual([]);
      const reloads = await sc.ns('a').exec(['curl', '-s', 'http://127.0.0.1:19650/metrics']);
      expect(reloads.stdout).toMatch(/^havipd_reloads_total\{[^}]*result="ok"[^}]*\} 1$/m);
    });
  });

  it('switchover on the havipd BACKUP takes the VIP from a preempting keepalived MASTER and keeps it', async () => {
    await sc.explain(async () => {
      const c = await sc.capture(`vrid${sc.vrid}-takeover.pcap`);
      const { backup } = await sc.startPair('keepalived', 'havipd');
      await backup.waitForLog(/\(VI_1\) Entering BACKUP STATE/, { timeoutMs: 5_000 });
      await sleep(2_000);
      expect((await status(sockOf(backup))).master).toEqual({ address: sc.lan.ipA, priority: 150, self: false });
      const t0 = Date.now() / 1000;
      const r = await client(sockOf(backup), ['switchover']);
      const tDone = Date.now() / 1000;
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/VI_1: MASTER with priority 151 after \d+ ms/);
      // From the command reaching the daemon to MASTER: within one advert interval (it is immediate).
      expect(Number(/after (\d+) ms/.exec(r.stdout)![1])).toBeLessThanOrEqual(1000);
      await waitVip(sc.ns('b'), sc.iface('b'), sc.vip, true, 3_000);
      await sleep(5_000); // keepalived (150, preempt) must not take it back from 151
      const rows = await c.stop();
      const first151 = advertsFrom(rows, sc.lan.ipB, sc.vrid, 151)[0]!;
      // The takeover advert goes out while the command runs: after the client started, before its reply
      // ("MASTER" is answered once the transition, whose first act is that advert, is done). A takeover
      // left to a timer (the next advert interval, a Master_Down_Interval) comes after the reply.
      console.log(`ops takeover: client ran ${(tDone - t0).toFixed(3)} s; first 151 advert at +${(first151.time - t0).toFixed(3)} s; daemon: ${r.stdout.trim()}`);
      expect(first151.time, describeRows(rows, t0)).toBeGreaterThanOrEqual(t0);
      expect(first151.time, describeRows(rows, t0)).toBeLessThanOrEqual(tDone + STAMP_SLACK_S);
      // No dual-master window: keepalived stops advertising as soon as it hears 151 - but one advert that was
      // already due when the 151 arrived (a loaded CPU delays keepalived's receive), and none once B's next
      // advert is out.
      const next151 = advertsFrom(rows, sc.lan.ipB, sc.vrid, 151).find((x) => x.time > first151.time)!;
      expect(next151, describeRows(rows, first151.time)).toBeDefined();
      const kAfter = advertsFrom(rows, sc.lan.ipA, sc.vrid).filter((x) => x.time > first151.time);
      expect(kAfter.length, describeRows(rows, first151.time)).toBeLessThanOrEqual(1);
      expect(kAfter.filter((x) => x.time > next151.time), describeRows(rows, first151.time)).toEqual([]);
      const s = await status(sockOf(backup));
      expect(s).toMatchObject({ state: 'MASTER', takeoverPriority: 151, priority: { configured: 100, effective: 151 } });
    });
  });

  it('maintenance on survives a restart: the node never advertises as master again until off', async () => {
    await sc.explain(async () => {
      const state = mkdtempSync(join(tmpdir(), 'hv-n2-ops-state-'));
      const args = ['--state-dir', state];
      const a = await sc.start('havipd', 'a', sc.conf('a', 150), { args });
      await a.waitForLog(/\(VI_1\) Entering BACKUP STATE \(init\)/, { timeoutMs: 5_000 });
      const b = await sc.start('keepalived', 'b', sc.conf('b', 100));
      await a.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
      const on = await client(sockOf(a), ['maintenance', 'on']);
      expect(on.code, on.stderr).toBe(0);
      expect(on.stdout).toContain(`kept in ${join(state, 'maintenance.json')}`);
      await b.waitForLog(entering('MASTER'), { timeoutMs: 5_000 });
      await a.stop('SIGTERM');
      const c = await sc.capture(`vrid${sc.vrid}-maint.pcap`);
      const a2 = await sc.start('havipd', 'a', sc.conf('a', 150), { args });
      await sleep(6_000); // > Master_Down_Interval of A (3 + 0.41 s) and of the preemption
      let rows = await c.peek();
      expect(advertsFrom(rows, sc.lan.ipA, sc.vrid).filter((x) => x.vrrp!.priority > 0), describeRows(rows)).toEqual([]);
      let s = await status(sockOf(a2));
      expect(s).toMatchObject({ state: 'BACKUP', maintenance: true, master: { address: sc.lan.ipB, priority: 100 } });
      const off = await client(sockOf(a2), ['maintenance', 'off']);
      expect(off.code, off.stderr).toBe(0);
      await a2.waitForLog(entering('MASTER'), { timeoutMs: 6_000 });
      await sleep(1_500); // let the capture see the adverts
      rows = await c.stop();
      expect(advertsFrom(rows, sc.lan.ipA, sc.vrid, 150).length, describeRows(rows)).toBeGreaterThanOrEqual(1);
      s = await status(sockOf(a2));
      expect(s).toMatchObject({ state: 'MASTER', maintenance: false });
    });
  });

  it('an unprivileged user reads status and is refused switchover and maintenance', async () => {
    await sc.explain(async () => {
      const a = await sc.start('havipd', 'a', sc.conf('a', 150), { args: ['--control-group', 'nogroup'] });
      await a.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
      chmodSync(a.dir, 0o755); // the harness's private directory: let others reach the socket (mode 0660, group nogroup)
      const NOBODY = 65534;
      const st = await client(sockOf(a), ['status'], NOBODY);
      expect(st.code, st.stderr).toBe(0);
      expect(st.stdout).toMatch(/^VI_1 {2}vrid \d+ {2}\S+ {2}MASTER since/m);
      for (const args of [['switchover'], ['maintenance', 'on'], ['reload'], ['garp']]) {
        const r = await client(sockOf(a), args, NOBODY);
        expect(r.code, args.join(' ')).toBe(1);
        expect(r.stderr).toBe(`havipd: '${args[0]}' changes the daemon: only root or the daemon's user may ask (you are uid ${NOBODY}) [not-permitted]\n`);
      }
      expect((await status(sockOf(a))).state).toBe('MASTER');
    });
  });

  it('a flood of the control socket leaves the advert period on time; garbage is answered and counted', async () => {
    await sc.explain(async () => {
      const c = await sc.capture(`vrid${sc.vrid}-flood.pcap`);
      const a = await sc.start('havipd', 'a', sc.conf('a', 150), { args: ['--metrics-listen', '127.0.0.1:19651'] });
      await a.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
      await sleep(1_500);
      const sock = sockOf(a);
      const floodStart = Date.now() / 1000;
      const until = Date.now() + 6_000;
      let opened = 0;
      const flood = async (): Promise<void> => {
        while (Date.now() < until) {
          const batch = Array.from({ length: 200 }, (_, i) =>
            new Promise<void>((resolve) => {
              const s = createConnection(sock);
              opened++;
              s.on('error', () => resolve());
              s.on('close', () => resolve());
              s.on('connect', () => {
                if (i % 4 === 0) s.write('garbage\n{"cmd":"nope"}\n');
                else if (i % 4 === 1) s.write('{"cmd":"status"}\n');
                else if (i % 4 === 2) s.write('z'.repeat(256 * 1024));
                // i % 4 === 3: connects and never writes nor reads
                setTimeout(() => s.destroy(), 300);
              });
            }),
          );
          await Promise.all(batch);
        }
      };
      await flood();
      const floodEnd = Date.now() / 1000;
      await sleep(1_000);
      const rows = await c.stop();
      const ads = advertsFrom(rows, sc.lan.ipA, sc.vrid, 150).filter((x) => x.time >= floodStart && x.time <= floodEnd + 1);
      expect(ads.length, describeRows(rows)).toBeGreaterThanOrEqual(5);
      const gaps = ads.slice(1).map((x, i) => x.time - ads[i]!.time);
      const grid = advertGrid(ads.map((x) => x.time), ADVERT_S);
      console.log(`control flood: ${opened} connections in ${(floodEnd - floodStart).toFixed(1)} s; advert gaps ${gaps.map((g) => g.toFixed(3)).join(' ')}; spread from the 1 s grid ${grid.spread.toFixed(3)} s`);
      // On time = on the advert timer's grid (havipd steps timers at their deadlines, so a late advert is
      // followed by an on-time one, and two gaps around it would count the lateness twice): one advert in
      // every interval, none extra, each less than half an interval off the grid. A flood that stalls the
      // event loop for half an interval, skips an advert or sends extra ones fails.
      const why = `gaps ${gaps.map((g) => g.toFixed(3)).join(' ')}\n${describeRows(ads)}`;
      expect(grid.missing, why).toEqual([]);
      expect(grid.doubled, why).toEqual([]);
      expect(grid.spread, why).toBeLessThan(ADVERT_S / 2);
      // Still answering, and the garbage was counted.
      const r = await client(sock, ['status', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as StatusJson).instances[0]!.state).toBe('MASTER');
      const m = (await sc.ns('a').exec(['curl', '-s', 'http://127.0.0.1:19651/metrics'])).stdout;
      const count = (code: string): number => Number(new RegExp(`^havipd_control_errors_total\\{code="${code}"\\} (\\d+)$`, 'm').exec(m)?.[1] ?? 0);
      expect(count('bad-json'), m).toBeGreaterThan(0);
      expect(count('unknown-command')).toBeGreaterThan(0);
      expect(count('line-too-long')).toBeGreaterThan(0);
    });
  });
});
