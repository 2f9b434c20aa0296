// Tracked interfaces and track files on real daemons (reference §3.9), havipd (priority 150) against
// keepalived 2.2.7 (priority 100) on a veth LAN:
// - a tracked interface (a spare veth pair inside havipd's namespace, weight 0) going down puts havipd in
//   FAULT: it sends priority 0, drops the VIP, keepalived takes over; link up: havipd preempts back;
// - a track_file value × weight lowers havipd below keepalived (the VIP moves) and back;
// - SIGRTMIN+2 writes keepalived.json with the instance's state (Node cannot name that signal: the addon).

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interopGuard } from '../support/interop-guard.js';
import { lanScenario } from '../support/lan-scenario.js';
import { waitFor } from '../support/netns.js';
import { entering, waitVip } from '../support/scenario.js';

const guard = interopGuard();

describe.skipIf(guard.skip)('tracked interfaces, track files and the JSON dump (havipd ⇄ keepalived 2.2.7)', () => {
  const dir = mkdtempSync('/tmp/hv-lead-it-');
  const sc = lanScenario({
    vridBase: 70,
    stopWith: 'SIGTERM',
    // The spare link havipd tracks: a veth pair inside its own namespace.
    setUp: async (lan) => {
      await lan.a.ip(['link', 'add', 'hvspare0', 'type', 'veth', 'peer', 'name', 'hvspare1']);
      await lan.a.ip(['link', 'set', 'hvspare1', 'up']);
      await lan.a.ip(['link', 'set', 'hvspare0', 'up']);
    },
    tearDown: () => rmSync(dir, { recursive: true, force: true }),
  });

  it('a tracked interface going down puts havipd in FAULT and keepalived takes over; link up: havipd takes it back', async () => {
    const { lan, vip } = sc;
    const a = await sc.start('havipd', 'a', sc.conf('a', 150, { extra: ['track_interface {', '  hvspare0', '}'] }));
    const b = await sc.start('keepalived', 'b', sc.conf('b', 100));
    await sc.explain(async () => {
      await a.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
      await waitVip(lan.a, lan.ifA, vip, true, 5_000);
      // Carrier loss on the tracked link: the peer end goes down.
      await lan.a.ip(['link', 'set', 'hvspare1', 'down']);
      await a.waitForLog(entering('FAULT'), { timeoutMs: 5_000 });
      await waitVip(lan.a, lan.ifA, vip, false, 5_000);
      // keepalived hears priority 0 and takes over after Skew_Time, not a full Master_Down_Interval.
      await b.waitForLog(/\(VI_1\) Backup received priority 0 advertisement|\(VI_1\) Entering MASTER STATE/, { timeoutMs: 5_000 });
      await b.waitForLog(entering('MASTER'), { timeoutMs: 3_000 });
      await waitVip(lan.b, lan.ifB, vip, true, 5_000);
      await lan.a.ip(['link', 'set', 'hvspare1', 'up']);
      await a.waitForLog(entering('BACKUP'), { after: 1, timeoutMs: 5_000 });
      await a.waitForLog(entering('MASTER'), { after: 1, timeoutMs: 10_000 });
      await waitVip(lan.a, lan.ifA, vip, true, 5_000);
      await waitVip(lan.b, lan.ifB, vip, false, 5_000);
    });
  });

  it('a track_file value × weight moves the VIP to keepalived and back', async () => {
    const { lan, vip } = sc;
    const file = join(dir, 'prio');
    writeFileSync(file, '0\n');
    const hav = sc.conf('a', 150, { extra: ['track_file {', '  tf weight -20', '}'] }).replace('vrrp_instance', `track_file tf {\n  file ${file}\n}\nvrrp_instance`);
    const a = await sc.start('havipd', 'a', hav);
    const b = await sc.start('keepalived', 'b', sc.conf('b', 100));
    await sc.explain(async () => {
      await a.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
      // 3 × -20 = -60: 150 → 90, below keepalived's 100; keepalived preempts after its down timer.
      writeFileSync(file, '3\n');
      await a.waitForLog(/Changing effective priority from 150 to 90/, { timeoutMs: 5_000 });
      await b.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
      await waitVip(lan.b, lan.ifB, vip, true, 5_000);
      await waitVip(lan.a, lan.ifA, vip, false, 5_000);
      // An atomic replace back to 0: priority 150 again, havipd preempts.
      writeFileSync(`${file}.tmp`, '0\n');
      await lan.a.exec(['mv', `${file}.tmp`, file]);
      await a.waitForLog(/Changing effective priority from 90 to 150/, { timeoutMs: 5_000 });
      await a.waitForLog(entering('MASTER'), { after: 1, timeoutMs: 10_000 });
      await waitVip(lan.a, lan.ifA, vip, true, 5_000);
    });
  });

  it('SIGRTMIN+2 writes keepalived.json in keepalived 2.2.7 layout, password redacted', async () => {
    const { lan, vrid } = sc;
    const a = await sc.start('havipd', 'a', sc.conf('a', 150, { authPass: 'jsonpw1' }));
    await sc.explain(async () => {
      await a.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
      const path = join(a.dir, 'keepalived.json');
      rmSync(path, { force: true });
      process.kill(a.havipd!.pid, 34 + 2); // SIGRTMIN+2 with glibc (keepalived --signum=JSON prints 36)
      const text = await waitFor(() => (existsSync(path) ? readFileSync(path, 'utf8') : undefined), { timeoutMs: 5_000, what: 'keepalived.json' });
      const [inst] = JSON.parse(text) as Array<{ data: Record<string, unknown>; stats: Record<string, number> }>;
      expect(inst!.data).toMatchObject({ iname: 'VI_1', vrid, state: 2, base_priority: 150, effective_priority: 150, ifp_ifname: lan.ifA, auth_type: 1, auth_data: '********' });
      expect(inst!.stats.become_master).toBe(1);
      expect(inst!.stats.advert_sent).toBeGreaterThan(0);
      expect(text).not.toContain('jsonpw1');
    });
  });
});
