// Issue 8 §1 end to end in UDP mode (README "Test rigs without root"): the real daemon, unprivileged
// (uid 65534), with the configuration — a vrrp_sync_group of two VRRPv3 instances (VRID 53
// priority 200, VRID 54 priority 100), state BACKUP, unicast peers on 127.0.0.x — receives the 12-byte
// advert `3135ff01000051e27f000064` (VRID 53, priority 255, Max Adver Int 0) from 127.0.0.3. It used to
// spin at full CPU from then on, send nothing, log nothing and ignore SIGTERM. Now the advert is dropped
// and counted: the group takes over after VI_54's Master_Down_Interval (3.609 s) and advertises every
// second; the same advert sent to the MASTERs changes nothing; SIGTERM stops it at once.

import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startHavipd, type Havipd } from '../support/havipd.js';
import { interopGuard } from '../support/interop-guard.js';
import { createNetns, destroyAll, scratchDir, sleep, sweepStaleNetns, watchLog, type Spawned } from '../support/netns.js';
import { entering, explainFailure, havipdNode, type VrrpNode } from '../support/scenario.js';
import { ZERO_INTERVAL_ADVERT_HEX, zeroIntervalConfig } from '../support/zero-interval.js';

const guard = interopGuard(['setpriv']);
const NOBODY = 65534;
const PORT = 15153;

// The peer 127.0.0.3: prints every datagram it receives ("rx SRC HEX"), sends the advert once when
// bound and again on SIGUSR1 ("sent").
const PEER_JS = `
import dgram from 'node:dgram';
const [bind, port, target, hex] = process.argv.slice(2);
const s = dgram.createSocket('udp4');
const send = () => s.send(Buffer.from(hex, 'hex'), Number(port), target, (err) => console.log(err ? 'send error ' + err.message : 'sent'));
s.on('message', (m, r) => console.log('rx ' + r.address + ' ' + m.toString('hex')));
process.on('SIGUSR1', send);
s.bind(Number(port), bind, () => { console.log('ready'); send(); });
`;

/** The adverts the peer received: VRID, priority, Max Adver Int (cs). */
function adverts(peer: Spawned): { vrid: number; priority: number; interval: number }[] {
  const out: { vrid: number; priority: number; interval: number }[] = [];
  for (const m of peer.output().matchAll(/^rx 127\.0\.0\.2 ([0-9a-f]+)$/gm)) {
    const b = Buffer.from(m[1]!, 'hex');
    if (b.length >= 8 && b[0] === 0x31) out.push({ vrid: b[1]!, priority: b[2]!, interval: ((b[4]! & 0x0f) << 8) | b[5]! });
  }
  return out;
}

describe.skipIf(guard.skip)('UDP mode: a VRRPv3 advert with Max Adver Int 0 (issue 8 §1)', () => {
  afterAll(async () => {
    await destroyAll();
  });

  it('is dropped and counted; the sync group still takes over, keeps advertising every second, and exits on SIGTERM', async () => {
    await sweepStaleNetns();
    const ns = await createNetns();
    const hs: Havipd[] = [];
    const nodes = (): VrrpNode[] => hs.map((h) => havipdNode(h, ns));
    await explainFailure(nodes, async () => {
      const h = await startHavipd(ns, zeroIntervalConfig('127.0.0.2', '127.0.0.3', 'hv_udp_zero'), { transport: 'udp', udpPort: PORT, uid: NOBODY });
      hs.push(h);
      await h.waitForLog(/\(VI_53\) Entering BACKUP STATE \(init\)/, { timeoutMs: 10_000 });
      const started = Date.now();

      const dir = scratchDir('hv-zero-peer');
      const script = join(dir.path, 'peer.mjs');
      writeFileSync(script, PEER_JS);
      chmodSync(dir.path, 0o755);
      const peer = ns.spawn([process.execPath, script, '127.0.0.3', String(PORT), '127.0.0.2', ZERO_INTERVAL_ADVERT_HEX]);
      const peerLog = watchLog(peer, 'peer', 20);
      await peerLog.waitForLog(/^sent$/, { timeoutMs: 10_000 });

      // Dropped, with its reason; nothing learned from it.
      await h.waitForLog(/\(VI_53\) invalid advertisement interval from 127\.0\.0\.3: rcv'd=0 centi-sec, must be 1\.\.4095 - ignoring/, { timeoutMs: 5_000 });
      expect(h.countLog(/advertisement interval updated/)).toBe(0);

      // VI_53 times out first (3.22 s) but waits for VI_54 (3.61 s): then the group goes MASTER together.
      await h.waitForLog(entering('MASTER', 'VI_53'), { timeoutMs: 15_000 });
      await h.waitForLog(entering('MASTER', 'VI_54'), { timeoutMs: 5_000 });
      const tookS = (Date.now() - started) / 1000;
      console.log(`zero-interval advert dropped; group MASTER ${tookS.toFixed(3)} s after VI_53 entered BACKUP (Master_Down_Interval of VI_54: 3.609 s)`);
      expect(tookS).toBeLessThan(3.609 + 3);
      const masterAt = adverts(peer).length;

      // The same advert again, now to the MASTERs: a priority-255 advert that was accepted would push VI_53
      // (and with it the group) to BACKUP; it is dropped instead.
      peer.child.kill('SIGUSR1');
      await peerLog.waitForLog(/^sent$/, { timeoutMs: 5_000, after: 1 });
      await h.waitForLog(/\(VI_53\) invalid advertisement interval from 127\.0\.0\.3/, { timeoutMs: 5_000, after: 1 });

      // Keeps advertising: at 1 s, both VRIDs, with their own priority and interval (100 cs).
      await sleep(3_500);
      const seen = adverts(peer).slice(masterAt);
      for (const [vrid, priority] of [[53, 200], [54, 100]] as const) {
        const mine = seen.filter((a) => a.vrid === vrid);
        expect(mine.length, `adverts of VRID ${vrid} in 3.5 s`).toBeGreaterThanOrEqual(3);
        expect(mine.every((a) => a.priority === priority && a.interval === 100)).toBe(true);
      }
      expect(h.countLog(/\(VI_53\) Entering BACKUP STATE$/)).toBe(0); // only the (init) one

      const t0 = Date.now();
      expect(await h.stop('SIGTERM', 10_000)).toBe(0);
      const stopS = (Date.now() - t0) / 1000;
      console.log(`SIGTERM → exit in ${stopS.toFixed(3)} s`);
      expect(stopS).toBeLessThan(5);
      await sleep(200);
      // Its last words: priority 0 for both VRIDs.
      expect(adverts(peer).filter((a) => a.priority === 0).map((a) => a.vrid).sort()).toEqual([53, 54]);
      expect(h.log()).toMatch(/Stopped havipd/);
      expect(h.log()).not.toMatch(/internal error|Uncaught|TypeError|ReferenceError|FATAL/);
      await peer.stop('SIGTERM', 2_000);
    });
  });
});
