// UDP test mode end to end (README "Test rigs without root"): two real havipd processes as uid 65534
// (no capabilities at all) in one namespace's loopback, `--transport udp`, each on its own 127.0.0.x
// with the other as unicast_peer. Election and SIGKILL failover work as on raw sockets (VRRPv3 at
// 0.5 s: Master_Down_Interval of the 100 backup = 1.5 + 0.305 s), the missing privileges give one
// warning each about VIPs (and GARP) instead of errors, and nothing crashes. The failover is timed on a
// capture of the UDP adverts on the namespace's loopback, not by the test's clock.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCapture, type CaptureRow } from '../support/capture.js';
import { startHavipd, type Havipd } from '../support/havipd.js';
import { interopGuard } from '../support/interop-guard.js';
import { createNetns, destroyAll, scratchDir, sleep, sweepStaleNetns, waitFor } from '../support/netns.js';
import { describeRows, entering, explainFailure, havipdNode, vrrpConfig, type VrrpNode } from '../support/scenario.js';

const guard = interopGuard(['setpriv']);
const NOBODY = 65534;
const PORT = 15112;
const ADVERT_S = 0.5;
/** Master_Down_Interval of the priority-100 backup (VRRPv3): 3 × 0.5 + (256 − 100) × 0.5 / 256 s. */
const DOWN_S = 3 * ADVERT_S + ((256 - 100) * ADVERT_S) / 256;

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
    // The adverts on the wire (UDP to the peer's port; tshark does not decode them as VRRP, the source says who sent it).
    const cap = await startCapture(ns, 'lo', join(scratchDir('hv-n2-udp').path, 'udp.pcap'), { filter: `udp port ${PORT}` });
    const from = (rows: readonly CaptureRow[], ip: string): CaptureRow[] => rows.filter((r) => r.src === ip && r.dst !== ip);
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
      await b.waitForLog(entering('MASTER'), { timeoutMs: 5_000 });
      await waitFor(async () => from(await cap.peek(), '127.0.0.3').length >= 2 || undefined, { timeoutMs: 3_000, intervalMs: 100, what: "b's adverts as MASTER" });
      const rows = await cap.stop();
      // From a's last advert to b's first, both stamped by the capture: b's Master_Down_Interval runs from
      // the last advert it received, which is later than its capture stamp, so the gap is never shorter than
      // DOWN_S (less a timer's millisecond rounding); a busy machine only delays b's timer and send, and the
      // bound leaves one advert interval for that (the issue's "no master longer than Master_Down_Interval +
      // one advert"). A takeover without the skew (1.5 s) or on the first timer after the kill fails the lower
      // bound, one on a default or misread interval (3 s and more) the upper.
      const lastA = from(rows, '127.0.0.2').at(-1);
      const firstB = from(rows, '127.0.0.3')[0];
      expect(lastA && firstB, describeRows(rows)).toBeTruthy();
      expect(from(rows, '127.0.0.3').filter((r) => r.time <= lastA!.time), `b sent while a was MASTER\n${describeRows(rows)}`).toEqual([]);
      const took = firstB!.time - lastA!.time;
      console.log(`UDP mode: SIGKILL of the master → backup's first advert ${took.toFixed(3)} s after the master's last (Master_Down_Interval ${DOWN_S.toFixed(3)} s)`);
      expect(took, describeRows(rows, lastA!.time - 1)).toBeGreaterThanOrEqual(DOWN_S - 0.01);
      expect(took, describeRows(rows, lastA!.time - 1)).toBeLessThan(DOWN_S + ADVERT_S);
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
