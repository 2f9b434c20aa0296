// UDP test mode end to end (README "Test rigs without root"): two real havipd processes as uid 65534
// (no capabilities at all) in one namespace's loopback, `--transport udp`, each on its own 127.0.0.x
// with the other as unicast_peer. Election and SIGKILL failover work as on raw sockets (VRRPv3 at
// 0.5 s: Master_Down_Interval of the 100 backup = 1.5 + 0.305 s), the missing privileges give one
// warning each about VIPs (and GARP) instead of errors, and nothing crashes.

import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { startHavipd, type Havipd } from '../support/havipd.js';
import { interopGuard } from '../support/interop-guard.js';
import { createNetns, destroyAll, sleep, sweepStaleNetns } from '../support/netns.js';
import { entering, explainFailure, havipdNode, vrrpConfig, type VrrpNode } from '../support/scenario.js';

const guard = interopGuard(['setpriv']);
const NOBODY = 65534;
const PORT = 15112;

describe.skipIf(guard.skip)('UDP mode: two unprivileged havipd on 127.0.0.x (uid 65534)', () => {
  afterAll(async () => {
    await destroyAll();
  });

  it('election, SIGKILL failover and SIGTERM exit work; one warning about VIPs; no crash', async () => {
    await sweepStaleNetns();
    const ns = await createNetns();
    const conf = (me: string, peer: string, priority: number): string =>
      vrrpConfig({
        routerId: `hv_udp_${me}`,
        // No interface: loopback is not a VRRP interface (keepalived refuses it), so the instance runs
        // interface-less on its unicast source, as the README's UDP rigs do; the VIP names lo (the
        // default_interface eth0 does not exist here and would put the instance in FAULT).
        instances: [{ vrid: 120, priority, version: 3, advertInt: 0.5, unicastSrc: me, unicastPeers: [peer], vips: ['10.254.0.120/32 dev lo'] }],
      });
    const hs: Havipd[] = [];
    const nodes = (): VrrpNode[] => hs.map((h) => havipdNode(h, ns));
    await explainFailure(nodes, async () => {
      const a = await startHavipd(ns, conf('127.0.0.2', '127.0.0.3', 150), { transport: 'udp', udpPort: PORT, uid: NOBODY });
      hs.push(a);
      await a.waitForLog(/\(VI_1\) Entering BACKUP STATE \(init\)/, { timeoutMs: 5_000 });
      const b = await startHavipd(ns, conf('127.0.0.3', '127.0.0.2', 100), { transport: 'udp', udpPort: PORT, uid: NOBODY });
      hs.push(b);
      const bStarted = Date.now();
      // Really unprivileged: uid 65534, no effective capabilities.
      for (const h of [a, b]) {
        const status = readFileSync(`/proc/${h.pid}/status`, 'utf8');
        expect(status).toMatch(new RegExp(`^Uid:\\s+${NOBODY}\\s+${NOBODY}\\s+${NOBODY}\\s+${NOBODY}$`, 'm'));
        expect(status).toMatch(/^CapEff:\s+0+$/m);
      }
      await a.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
      // Past b's Master_Down_Interval (1.805 s) with margin: b hears a over UDP and stays BACKUP.
      await sleep(Math.max(0, bStarted + 3_000 - Date.now()));
      expect(b.countLog(entering('MASTER'))).toBe(0);
      expect(b.countLog(/\(VI_1\) Entering BACKUP STATE \(init\)/)).toBe(1);

      await a.stop('SIGKILL');
      const t0 = Date.now();
      await b.waitForLog(entering('MASTER'), { timeoutMs: 5_000 });
      const took = (Date.now() - t0) / 1000;
      console.log(`UDP mode: SIGKILL of the master → backup MASTER after ${took.toFixed(3)} s (Master_Down_Interval 1.805 s, minus up to one advert interval already elapsed)`);
      expect(took).toBeGreaterThan(1.5 - 0.5 - 0.1);
      expect(took).toBeLessThan(1.805 + 0.5);
      await sleep(1_000); // a few adverts as MASTER, a VIP change attempt behind it
      expect(await b.stop('SIGTERM')).toBe(0);

      for (const h of [a, b]) {
        const log = h.log();
        // One warning per process about VIPs, however many transitions; GARP at most one.
        expect(h.countLog(/virtual IP addresses are not added or removed/)).toBe(1);
        expect(h.countLog(/gratuitous ARP \/ unsolicited NA are not sent/)).toBeLessThanOrEqual(1);
        expect(log).not.toMatch(/internal error|cannot (add|remove) VIP|Uncaught|TypeError|ReferenceError|FATAL/);
        expect(log).not.toMatch(/failed to send advert/);
      }
      expect(b.log()).toMatch(/Stopped havipd/);
    });
  });
});
