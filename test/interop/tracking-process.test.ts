// vrrp_track_process on real daemons (issue 13 §4): havipd (priority 150) tracks a process with weight 0
// against keepalived 2.2.7 (priority 100) on a veth LAN. The process is killed: havipd goes FAULT (keepalived's
// log line), sends priority 0 and drops the VIP, keepalived takes over; the process is started again: havipd
// leaves FAULT and preempts back. The process is matched on its full command line (a unique argument), so other
// `sleep`s on the machine do not count. havipd notices within its /proc scan interval (1 s).
// keepalived 2.2.7 cannot be the tracking side here: inside a network namespace its proc connector socket fails
// ("Failed to set/clear process event listen - errno 111") and it reports the quorum as never achieved (tried).

import { spawn, type ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { interopGuard } from '../support/interop-guard.js';
import { lanScenario } from '../support/lan-scenario.js';
import { entering, waitVip } from '../support/scenario.js';

const guard = interopGuard();
const MARK = `3600.${process.pid % 100000}`;

function startTracked(): Promise<ChildProcess> {
  const child = spawn('/usr/bin/sleep', [MARK], { stdio: 'ignore', detached: false });
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve(child));
    child.once('error', reject);
  });
}

async function kill(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await done;
}

describe.skipIf(guard.skip)('vrrp_track_process (havipd ⇄ keepalived 2.2.7)', () => {
  let tracked: ChildProcess | undefined;
  const sc = lanScenario({ vridBase: 95, stopWith: 'SIGTERM', tearDown: () => void kill(tracked) });

  it('the tracked process killed: havipd FAULT, keepalived takes over; started again: havipd takes it back', async () => {
    const { lan, vip } = sc;
    tracked = await startTracked();
    const block = `vrrp_track_process tp {\n  process /usr/bin/sleep ${MARK}\n  weight 0\n}\n`;
    const hav = sc.conf('a', 150, { extra: ['track_process {', '  tp', '}'] }).replace('vrrp_instance', `${block}vrrp_instance`);
    const a = await sc.start('havipd', 'a', hav);
    const b = await sc.start('keepalived', 'b', sc.conf('b', 100));
    await sc.explain(async () => {
      await a.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
      // In a network namespace other than the initial one the kernel refuses the proc connector subscription
      // (keepalived logs "Failed to set process event listen" there): havipd says so and scans /proc instead.
      await a.waitForLog(/Process events from the kernel unavailable \(ECONNREFUSED\): scanning \/proc every 1 s/, { timeoutMs: 2_000 });
      await waitVip(lan.a, lan.ifA, vip, true, 5_000);
      await kill(tracked);
      await a.waitForLog(/Quorum lost for tracked process tp/, { timeoutMs: 5_000 });
      await a.waitForLog(/\(VI_1\) entering FAULT state \(tracked process tp quorum not achieved\)/, { timeoutMs: 2_000 });
      await waitVip(lan.a, lan.ifA, vip, false, 5_000);
      await b.waitForLog(entering('MASTER'), { timeoutMs: 5_000 });
      await waitVip(lan.b, lan.ifB, vip, true, 5_000);
      tracked = await startTracked();
      await a.waitForLog(/Quorum gained for tracked process tp/, { timeoutMs: 5_000 });
      await a.waitForLog(entering('MASTER'), { after: 1, timeoutMs: 10_000 });
      await waitVip(lan.a, lan.ifA, vip, true, 5_000);
      await waitVip(lan.b, lan.ifB, vip, false, 5_000);
    });
    expect(tracked.exitCode).toBeNull();
  });
});
