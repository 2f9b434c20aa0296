// Announce and verify in namespaces (issue 11 §3 "Show"): a havipd MASTER runs a verify command that fails
// twice then succeeds — three GARP bursts on the wire (becoming MASTER + one per failure, an interval apart),
// confirmed in `status --json`, `havipd_vip_confirmed` on /metrics and `events`; a reload with a broken
// settings file is refused and keeps the running settings. Then a verify command that hangs and floods its
// output is killed at its timeout, its process group gone, while the adverts keep their period; past the
// deadline the move command runs with the HAVIPD_* environment.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCapture } from '../support/capture.js';
import { HAVIPD_BIN } from '../support/havipd.js';
import { interopGuard } from '../support/interop-guard.js';
import { createLan, destroyAll, run, scratchDir, sleep, sweepStaleNetns, type Lan } from '../support/netns.js';
import { advertsFrom, bursts, describeRows, entering, explainFailure, garpsFor, macOf, startNode, vipIn, vrrpConfig, type VrrpNode } from '../support/scenario.js';
import { advertGrid } from '../support/wire-timing.js';

const guard = interopGuard(['tcpdump', 'tshark', 'curl']);
/** Slack for a busy 2-core machine. */
const MARGIN_S = 0.4;

describe.skipIf(guard.skip)('announce and verify (havipd in namespaces)', () => {
  let lan: Lan;
  const scratch = scratchDir('hv-verify');
  const nodes: VrrpNode[] = [];

  beforeAll(async () => {
    await sweepStaleNetns();
    lan = await createLan();
  });
  afterAll(async () => {
    for (const n of nodes) await n.stop('SIGKILL').catch(() => undefined);
    await destroyAll();
    scratch.remove();
  });

  const conf = (): string =>
    vrrpConfig({
      // One burst of 2 per VIP on becoming MASTER, no delayed second burst: every later burst is a re-GARP.
      globals: ['vrrp_garp_master_repeat 2', 'vrrp_garp_master_delay 0'],
      instances: [{ iface: lan.ifA, vrid: 91, priority: 150, advertInt: 1, vips: [`${vipIn(lan.ipA, 91)}/24`] }],
    });
  const client = (n: VrrpNode, args: string[]) => run([process.execPath, HAVIPD_BIN, ...args, '--control-socket', join(n.dir, 'havipd.sock')], { check: false, timeoutMs: 20_000 });

  it('fails twice then succeeds: three GARP bursts an interval apart, then confirmed in status, metrics and events', async () => {
    const vip = vipIn(lan.ipA, 91);
    const count = join(scratch.path, 'attempts');
    const envOut = join(scratch.path, 'env');
    const verify = join(scratch.path, 'verify.sh');
    const stamps = join(scratch.path, 'stamps');
    // Each attempt stamps its start and end with bash's clock (no fork), so the assertions below time the
    // daemon (when it starts an attempt, when it re-GARPs) and not how long the command took on a busy host.
    writeFileSync(verify, `#!/bin/bash\necho "start $EPOCHREALTIME" >> ${stamps}\nn=$(cat ${count} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${count}\nenv | grep '^HAVIPD_' | sort > ${envOut}\nsleep 0.7\necho "end $EPOCHREALTIME" >> ${stamps}\n[ $n -ge 3 ]\n`);
    chmodSync(verify, 0o755);
    const settings = join(scratch.path, 'havipd.toml');
    writeFileSync(settings, `[verify]\ninterval = 1\ndeadline = 30\ntimeout = 5\n\n[instance.VI_1]\nverify = "${verify}"\n`);
    const cap = await startCapture(lan.b, lan.ifB, join(scratch.path, 'verify.pcap'), { filter: 'arp or ip proto 112' });
    const a = await startNode('havipd', lan.a, conf(), { args: ['--settings', settings, '--metrics-listen', '127.0.0.1:19651'] });
    nodes.push(a);
    try {
      await explainFailure(() => [a], async () => {
        await a.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
        await a.waitForLog(/\(VI_1\) VIP confirmed by the verify command \(attempt 3\)/, { timeoutMs: 15_000 });
      });
      await sleep(1_500);
      const rows = await cap.stop();
      const times = garpsFor(rows, vip).map((r) => r.time);
      const b = bursts(times, 0.5);
      expect(b.map((x) => x.length), describeRows(rows)).toEqual([2, 2, 2]);
      // The first attempt starts on becoming MASTER (well before an interval); each re-GARP follows a failed
      // attempt's end; the next attempt starts an interval (1 s) after the failure.
      const stamp = (kind: string) => readFileSync(stamps, 'utf8').trim().split('\n').filter((l) => l.startsWith(`${kind} `)).map((l) => Number(l.slice(kind.length + 1)));
      const starts = stamp('start');
      const ends = stamp('end');
      const why = `${describeRows(rows)}\nstarts ${starts.join(' ')}\nends ${ends.join(' ')}`;
      expect(starts.length, why).toBe(3);
      expect(ends.length, why).toBe(3);
      expect(starts[0]! - b[0]![0]!, why).toBeGreaterThan(-0.05);
      expect(starts[0]! - b[0]![0]!, why).toBeLessThan(1);
      for (const k of [0, 1]) {
        expect(b[k + 1]![0]! - ends[k]!, why).toBeGreaterThan(-0.05);
        expect(b[k + 1]![0]! - ends[k]!, why).toBeLessThan(MARGIN_S);
        expect(starts[k + 1]! - ends[k]!, why).toBeGreaterThan(1 - 0.05);
        expect(starts[k + 1]! - ends[k]!, why).toBeLessThan(1 + MARGIN_S);
      }
      expect(readFileSync(count, 'utf8').trim()).toBe('3');
      const mac = await macOf(lan.a, lan.ifA);
      expect(readFileSync(envOut, 'utf8').trim().split('\n')).toEqual(expect.arrayContaining([`HAVIPD_INSTANCE=VI_1`, `HAVIPD_VIP=${vip}`, `HAVIPD_INTERFACE=${lan.ifA}`, `HAVIPD_MAC=${mac}`, 'HAVIPD_ATTEMPT=3']));

      const st = await client(a, ['status', '--json']);
      expect(st.code, st.stderr).toBe(0);
      const inst = (JSON.parse(st.stdout) as { instances: Array<{ verify: Record<string, unknown> }> }).instances[0]!;
      expect(inst.verify).toMatchObject({ status: 'confirmed', confirmed: true, attempts: 3, move: 'none', lastResult: 'exit 0' });
      const text = await client(a, ['status']);
      expect(text.stdout).toContain('verify: confirmed after 3 attempt(s)');
      const metrics = await lan.a.exec(['curl', '-s', 'http://127.0.0.1:19651/metrics']);
      expect(metrics.stdout).toContain(`havipd_vip_confirmed{instance="VI_1",vip="${vip}"} 1`);
      const ev = await client(a, ['events', '--json']);
      const kinds = ev.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; fields?: { event?: string } }).filter((e) => e.kind === 'verify').map((e) => e.fields?.event);
      expect(kinds).toEqual(['failed', 'regarp', 'failed', 'regarp', 'confirmed']);

      // A broken settings file: the reload is refused, the running settings stay.
      writeFileSync(settings, `[instance.VI_1]\nverify = "${verify}"\nintervall = 1\n`);
      const rl = await client(a, ['reload']);
      expect(rl.code, rl.stdout + rl.stderr).not.toBe(0);
      expect(rl.stdout + rl.stderr).toContain(`${settings}:3:1: error: unknown key 'intervall'`);
      const st2 = await client(a, ['status', '--json']);
      expect((JSON.parse(st2.stdout) as { instances: Array<{ verify: Record<string, unknown> }> }).instances[0]!.verify).toMatchObject({ status: 'confirmed' });
    } finally {
      await cap.stop().catch(() => undefined);
      await a.stop('SIGTERM');
    }
  });

  it('a verify command that hangs and floods is killed at its timeout (process group gone), adverts keep their period; the move runs past the deadline', async () => {
    const marker = `hv-verify-hang-${process.pid}`;
    const verify = join(scratch.path, 'hang.sh');
    // The command floods stdout (`yes`) and leaves a looping subshell behind: both must go with the group.
    writeFileSync(verify, `#!/bin/sh\n(while :; do sleep 1; done) &\nexec yes ${marker}\n`);
    chmodSync(verify, 0o755);
    const moved = join(scratch.path, 'moved');
    const move = join(scratch.path, 'move.sh');
    // Written to a temporary file and renamed, so the test never reads it half written.
    writeFileSync(move, `#!/bin/sh\nenv | grep '^HAVIPD_' | sort > ${moved}.tmp && mv ${moved}.tmp ${moved}\n`);
    chmodSync(move, 0o755);
    const settings = join(scratch.path, 'hang.toml');
    writeFileSync(settings, `[instance.VI_1]\nverify = "${verify}"\nmove = "${move}"\ninterval = 0.5\ntimeout = 1\ndeadline = 4\n`);
    const cap = await startCapture(lan.b, lan.ifB, join(scratch.path, 'hang.pcap'), { filter: 'ip proto 112' });
    const a = await startNode('havipd', lan.a, conf(), { args: ['--settings', settings] });
    nodes.push(a);
    try {
      await explainFailure(() => [a], async () => {
        await a.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
        await a.waitForLog(/verify command .*hang\.sh timed out/, { timeoutMs: 10_000 });
        await a.waitForLog(/VIP not confirmed after \d+ attempt\(s\) in 4 s - running the move command/, { timeoutMs: 15_000 });
      });
      // After the move, one more attempt (it hangs too, and is killed at its timeout): the last one of the term.
      await explainFailure(() => [a], async () => {
        await a.waitForLog(/\(VI_1\) move command succeeded/, { timeoutMs: 10_000 });
        expect(existsSync(moved), 'the move command wrote its environment').toBe(true);
        expect(readFileSync(moved, 'utf8')).toContain(`HAVIPD_VIP=${vipIn(lan.ipA, 91)}`);
        const before = a.countLog(/verify attempt \d+ failed \(timed out/);
        await a.waitForLog(/verify attempt \d+ failed \(timed out/, { timeoutMs: 10_000, after: before });
      });
      await sleep(500);
      const rows = await cap.stop();
      // No process of a killed attempt is left (neither the flooding `yes` nor the subshell it forked).
      const left = await run(['pgrep', '-f', `${marker}|${verify}`], { check: false });
      expect(left.stdout.trim(), 'verify processes left').toBe('');
      // The adverts kept their period through the attempts, kills and the move, read on the advert timer's
      // 1 s grid (havipd steps timers at their deadlines: a late advert is followed by an on-time one, so two
      // gaps would count one lateness twice): one advert in every interval, none extra, each less than half
      // an interval off the grid. Reading the flood of the command's stdout on the event loop fails it.
      const ads = advertsFrom(rows, lan.ipA, 91, 150).map((r) => r.time);
      expect(ads.length).toBeGreaterThanOrEqual(5);
      const gaps = ads.slice(1).map((t, k) => t - ads[k]!);
      const grid = advertGrid(ads, 1);
      const why = `gaps ${gaps.map((g) => g.toFixed(3)).join(' ')}; spread ${grid.spread.toFixed(3)} s\n${describeRows(rows)}`;
      console.log(`verify hang/flood: advert ${why.split('\n')[0]}`);
      expect(grid.missing, why).toEqual([]);
      expect(grid.doubled, why).toEqual([]);
      expect(grid.spread, why).toBeLessThan(0.5);
      const st = await client(a, ['status', '--json']);
      expect((JSON.parse(st.stdout) as { instances: Array<{ verify: Record<string, unknown> }> }).instances[0]!.verify).toMatchObject({ status: 'unconfirmed', confirmed: false, move: 'ok', lastResult: 'timed out (SIGTERM)' });
    } finally {
      await cap.stop().catch(() => undefined);
      await a.stop('SIGTERM');
    }
  });
});
