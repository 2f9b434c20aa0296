// `havipd switchover` on a vrrp_sync_group beside real keepalived 2.2.7 running the same group: naming one
// member hands the whole group over (a priority-0 advert on each VRID, keepalived takes both after its
// Skew_Time, no flap back), and `--group NAME` takes the whole group back at once; the capture and
// `status --json` agree on every member.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAVIPD_BIN } from '../support/havipd.js';
import { interopGuard } from '../support/interop-guard.js';
import { lanScenario } from '../support/lan-scenario.js';
import { run, sleep } from '../support/netns.js';
import { advertsFrom, describeRows, entering, vipIn, vrrpConfig, waitVip, type VrrpNode } from '../support/scenario.js';

const guard = interopGuard(['keepalived', 'tcpdump', 'tshark']);
const MARGIN_S = 0.4;
/** Skew_Time of keepalived's priority-100 members at advert_int 1 (VRRPv2). */
const SKEW_100_S = (256 - 100) / 256;

async function client(n: VrrpNode, args: readonly string[]) {
  return run([process.execPath, HAVIPD_BIN, ...args, '--control-socket', join(n.dir, 'havipd.sock')], { check: false, timeoutMs: 20_000 });
}

async function states(n: VrrpNode): Promise<Record<string, { state: string; yielding: boolean; effective: number }>> {
  const r = await client(n, ['status', '--json']);
  expect(r.code, r.stderr).toBe(0);
  const j = JSON.parse(r.stdout) as { instances: Array<{ name: string; state: string; yielding: boolean; priority: { effective: number } }> };
  return Object.fromEntries(j.instances.map((i) => [i.name, { state: i.state, yielding: i.yielding, effective: i.priority.effective }]));
}

describe.skipIf(guard.skip)('switchover of a sync group beside keepalived', () => {
  const sc = lanScenario({ vridBase: 200, scratch: 'hv-n2-opssg' });

  it('a member named on the MASTER hands the whole group to keepalived; --group takes it all back', async () => {
    await sc.explain(async () => {
      const v1 = sc.vrid;
      const v2 = sc.vrid + 50;
      const vip2 = `${vipIn(sc.lan.ipA, v2)}/24`;
      const conf = (side: 'a' | 'b', priority: number): string =>
        vrrpConfig({
          routerId: `hv_${side}`,
          instances: [
            { name: 'VI_1', iface: sc.iface(side), vrid: v1, priority, vips: [sc.vip] },
            { name: 'VI_2', iface: sc.iface(side), vrid: v2, priority, vips: [vip2] },
          ],
        }) + 'vrrp_sync_group SG1 {\n  group {\n    VI_1\n    VI_2\n  }\n}\n';
      const { ipA, ipB } = sc.lan;
      const c = await sc.capture(`vrid${v1}-sg.pcap`);
      const a = await sc.start('havipd', 'a', conf('a', 150));
      await a.waitForLog(/\(VI_1\) Entering BACKUP STATE \(init\)/, { timeoutMs: 5_000 });
      const b = await sc.start('keepalived', 'b', conf('b', 100));
      await a.waitForLog(entering('MASTER', 'VI_2'), { timeoutMs: 10_000 });
      await sleep(2_500);
      expect(await states(a)).toMatchObject({ VI_1: { state: 'MASTER' }, VI_2: { state: 'MASTER' } });

      // Handover, naming one member.
      const t0 = Date.now() / 1000;
      const r = await client(a, ['switchover', 'VI_1']);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      await waitVip(sc.ns('b'), sc.iface('b'), sc.vip, true, 5_000);
      await waitVip(sc.ns('b'), sc.iface('b'), vip2, true, 5_000);
      await sleep(4_000); // no flap back: A (150, preempting) yields on both members
      let s = await states(a);
      expect(s).toMatchObject({ VI_1: { state: 'BACKUP', yielding: true }, VI_2: { state: 'BACKUP', yielding: true } });
      let rows = await c.peek();
      for (const vrid of [v1, v2]) {
        const zero = advertsFrom(rows, ipA, vrid, 0).filter((x) => x.time >= t0 - 0.5);
        expect(zero.length, `VRID ${vrid}\n${describeRows(rows, t0)}`).toBe(1);
        const firstB = advertsFrom(rows, ipB, vrid, 100).find((x) => x.time > zero[0]!.time)!;
        expect(firstB.time - zero[0]!.time, `VRID ${vrid}\n${describeRows(rows, t0)}`).toBeLessThanOrEqual(SKEW_100_S + MARGIN_S);
        expect(advertsFrom(rows, ipA, vrid).filter((x) => x.time > zero[0]!.time && x.vrrp!.priority > 0), describeRows(rows, t0)).toEqual([]);
      }

      // Take the group back with --group: both members at once with their own 150 (it beats keepalived's 100),
      // keepalived gives both up.
      const t1 = Date.now() / 1000;
      const back = await client(a, ['switchover', '--group', 'SG1']);
      expect(back.code, back.stderr + back.stdout).toBe(0);
      expect(back.stdout).toMatch(/VI_1: MASTER with priority 150/);
      expect(back.stdout).toMatch(/VI_2: MASTER with priority 150/);
      await b.waitForLog(/\(VI_2\) Entering BACKUP STATE/, { timeoutMs: 5_000, after: 1 });
      await sleep(3_000);
      rows = await c.stop();
      for (const vrid of [v1, v2]) {
        const first150 = advertsFrom(rows, ipA, vrid, 150).find((x) => x.time > t1 - 0.5);
        expect(first150, `VRID ${vrid}\n${describeRows(rows, t1)}`).toBeDefined();
        expect(advertsFrom(rows, ipB, vrid).filter((x) => x.time > first150!.time + 0.05), describeRows(rows, first150!.time)).toEqual([]);
      }
      s = await states(a);
      expect(s).toMatchObject({ VI_1: { state: 'MASTER', effective: 150, yielding: false }, VI_2: { state: 'MASTER', effective: 150, yielding: false } });
      await waitVip(sc.ns('a'), sc.iface('a'), vip2, true, 3_000);
    });
  });
});
