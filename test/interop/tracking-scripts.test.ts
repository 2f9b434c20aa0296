// Track scripts on real daemons (reference §1.9.4, §3.9): havipd (priority 150, track_script weight -100)
// against keepalived 2.2.7 (priority 100) on a veth LAN. A failing script drops havipd to 50 and the VIP
// moves to keepalived; its recovery moves it back. A hung script that forks is killed at its timeout
// with its whole process group, and never piles up.

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { interopGuard } from '../support/interop-guard.js';
import { liveProcessesWith } from '../support/procs.js';
import { createLan, destroyAll, sleep, sweepStaleNetns, type Lan } from '../support/netns.js';
import { entering, explainFailure, startNode, vipIn, vrrpConfig, waitVip, type VrrpNode } from '../support/scenario.js';

const guard = interopGuard();


describe.skipIf(guard.skip)('track scripts (havipd ⇄ keepalived 2.2.7)', () => {
  let lan: Lan;
  let nodes: VrrpNode[] = [];
  // Scripts live in a root-owned 0755 directory under the sticky /tmp: secure for enable_script_security.
  const dir = mkdtempSync('/tmp/hv-t1-it-');
  chmodSync(dir, 0o755);
  const script = (name: string, body: string): string => {
    const p = join(dir, name);
    writeFileSync(p, `#!/bin/sh\n${body}\n`);
    chmodSync(p, 0o755);
    return p;
  };

  beforeAll(async () => {
    await sweepStaleNetns();
    lan = await createLan();
  });
  afterEach(async () => {
    await Promise.all(nodes.map((n) => n.stop('SIGTERM')));
    nodes = [];
  });
  afterAll(async () => {
    await destroyAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a failing track script moves the VIP to keepalived; recovery moves it back', async () => {
    const flag = join(dir, 'fail');
    const chk = script('chk.sh', `[ ! -e ${flag} ]`);
    const vrid = 61;
    const vip = `${vipIn(lan.ipA, vrid)}/24`;
    const globals = ['enable_script_security', 'script_user root'];
    const hav = vrrpConfig({
      routerId: 'hv_a',
      globals,
      instances: [{ iface: lan.ifA, vrid, priority: 150, vips: [vip], extra: ['track_script {', '  chk weight -100', '}'] }],
    }).replace('vrrp_instance', `vrrp_script chk {\n  script "${chk}"\n  interval 1\n}\nvrrp_instance`);
    const ka = vrrpConfig({ routerId: 'hv_b', instances: [{ iface: lan.ifB, vrid, priority: 100, vips: [vip] }] });
    const a = await startNode('havipd', lan.a, hav);
    nodes.push(a);
    const b = await startNode('keepalived', lan.b, ka);
    nodes.push(b);
    await explainFailure(() => nodes, async () => {
      await a.waitForLog(/VRRP_Script\(chk\) succeeded/);
      await a.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
      await waitVip(lan.a, lan.ifA, vip, true, 5_000);
      writeFileSync(flag, '');
      await a.waitForLog(/VRRP_Script\(chk\) failed \(exited with status 1\)/, { timeoutMs: 5_000 });
      expect(a.log()).toMatch(/Script `chk` now returning 1/);
      await b.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
      await waitVip(lan.b, lan.ifB, vip, true, 5_000);
      await waitVip(lan.a, lan.ifA, vip, false, 5_000);
      rmSync(flag);
      await a.waitForLog(/VRRP_Script\(chk\) succeeded/, { after: 1, timeoutMs: 5_000 });
      await a.waitForLog(entering('MASTER'), { after: 1, timeoutMs: 10_000 });
      await waitVip(lan.a, lan.ifA, vip, true, 5_000);
      await waitVip(lan.b, lan.ifB, vip, false, 5_000);
    });
  });

  it('a hung script that forks is killed at its timeout with its group, and does not pile up', async () => {
    const marker = `${dir}/hang.sh`;
    script('hang.sh', 'sleep 4711 &\nsleep 4712\n');
    const vrid = 62;
    const vip = `${vipIn(lan.ipA, vrid)}/24`;
    const hav = vrrpConfig({
      routerId: 'hv_a',
      globals: ['enable_script_security', 'script_user root'],
      instances: [{ iface: lan.ifA, vrid, priority: 150, vips: [vip], extra: ['track_script {', '  hang weight -10', '}'] }],
    }).replace('vrrp_instance', `vrrp_script hang {\n  script "${marker}"\n  interval 1\n  timeout 1\n}\nvrrp_instance`);
    const a = await startNode('havipd', lan.a, hav);
    nodes.push(a);
    await explainFailure(() => nodes, async () => {
      await a.waitForLog(/VRRP_Script\(hang\) timed_out/, { timeoutMs: 5_000 });
      let most = 0;
      for (let i = 0; i < 25; i++) {
        most = Math.max(most, liveProcessesWith('sleep 471'));
        await sleep(200);
      }
      // One run at a time: at most its two sleeps are alive at any moment.
      expect(most).toBeLessThanOrEqual(2);
      expect(a.countLog(/Track script hang is (already running|being timed out), expect idle - skipping run/)).toBeGreaterThan(0);
      await a.stop('SIGTERM');
      await sleep(300);
      expect(liveProcessesWith('sleep 471')).toBe(0);
    });
  });
});
