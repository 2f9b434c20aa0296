// The announce-first planned switchover between two havipd nodes, as a client sees it (issue 11 §1): a
// client on the same bridge pings the VIP every 10 ms while `havipd switchover` moves it, both ways:
// - on the BACKUP (takeover): it sends its GARP burst, then its higher-priority advert; the old master
//   removes the VIP on that advert, after clients have been moved;
// - on the MASTER (hand-over): priority 0 as keepalived does, but the old master keeps the VIP until the
//   new master's first advert + 100 ms (src/vrrp/healing.ts).
// The client-visible outage is read from a capture on the client's interface: the longest window in which
// its echo requests went unanswered (test/support/wire-timing.ts). Not the gap between ping's printed
// replies: ping stamps them when it gets to print, so a descheduled ping on a busy 2-core machine made
// gaps that were no outage (the bench's client-outage helper measures it precisely).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCapture } from '../support/capture.js';
import { HAVIPD_BIN } from '../support/havipd.js';
import { interopGuard } from '../support/interop-guard.js';
import { createClientLan, neighbour, startPing, type ClientLan, type PingResult } from '../support/client-lan.js';
import { destroyAll, run, scratchDir, sleep, sweepStaleNetns, waitFor } from '../support/netns.js';
import { entering, explainFailure, startNode, vrrpConfig, waitVip, type VrrpNode } from '../support/scenario.js';
import { decodeEchoes, echoOutage, type EchoOutage } from '../support/wire-timing.js';

const guard = interopGuard(['ping', 'tcpdump', 'tshark']);
/**
 * Client-visible outage bound for a planned switchover between two havipd nodes (aim: < 50 ms). Announce-
 * first keeps the VIP answering on the old master until the client has been moved (its GARP / its
 * advert + HANDOVER_GRACE 100 ms), so only packets in flight are lost; when that breaks (VIP removed before
 * the client moved, no GARP), the client waits for its neighbour entry to be re-resolved: a second or more.
 */
const MAX_GAP_MS = 200;

describe.skipIf(guard.skip)('announce-first switchover between two havipd nodes, seen from a client', () => {
  let lan: ClientLan;
  const nodes: VrrpNode[] = [];
  beforeAll(async () => {
    await sweepStaleNetns();
    lan = await createClientLan();
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
    await destroyAll();
  });

  it('switchover on the BACKUP and back on the MASTER: the client loses (almost) nothing', async () => {
    const vrid = 43;
    const vip = lan.hostIp(vrid);
    const conf = (side: 'a' | 'b'): string => vrrpConfig({ routerId: `hv_${side}`, instances: [{ iface: lan.ifname, vrid, priority: side === 'a' ? 150 : 100, vips: [`${vip}/24`] }] });
    const a = await startNode('havipd', lan.a, conf('a'));
    nodes.push(a);
    await a.waitForLog(/\(VI_1\) Entering BACKUP STATE \(init\)/, { timeoutMs: 10_000 });
    const b = await startNode('havipd', lan.b, conf('b'));
    nodes.push(b);
    await a.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
    await b.waitForLog(entering('BACKUP'), { timeoutMs: 10_000 });
    await explainFailure(
      () => [a, b],
      async () => {
        await lan.client.exec(['ping', '-c', '1', '-W', '2', vip]);
        const scratch = scratchDir('hv-n2-switchover-client').path;
        /** Ping the VIP every 10 ms with a capture of the echoes on the client's interface. */
        const pinging = async (file: string): Promise<{ ping: ReturnType<typeof startPing>; stop(): Promise<PingResult & { wire: EchoOutage }> }> => {
          const cap = await startCapture(lan.client, lan.ifname, join(scratch, file), { filter: `icmp and host ${vip}`, immediate: true });
          const ping = startPing(lan.client, vip, 10, 1500);
          return {
            ping,
            async stop() {
              const p = await ping.stop();
              await cap.stop();
              return { ...p, wire: echoOutage(await decodeEchoes(cap.pcap)) };
            },
          };
        };
        const switchover = async (n: VrrpNode): Promise<string> => {
          const r = await run([process.execPath, HAVIPD_BIN, 'switchover', '--control-socket', join(n.dir, 'havipd.sock')], { check: false, timeoutMs: 20_000 });
          expect(r.code, r.stderr + r.stdout).toBe(0);
          return r.stdout.trim();
        };

        // 1. Takeover: the command on the BACKUP (B).
        let ping = await pinging('takeover.pcap');
        await sleep(700);
        const out1 = await switchover(b);
        await waitVip(lan.b, lan.ifname, `${vip}/24`, true, 3_000);
        await waitVip(lan.a, lan.ifname, `${vip}/24`, false, 3_000);
        await sleep(500);
        expect(ping.ping.proc.hasExited(), 'the pings ended before the switchover').toBe(false);
        const takeover = await ping.stop();
        expect((await neighbour(lan.client, vip))?.mac).toBe(lan.macB);

        // 2. Hand-over: the command on the MASTER (B); A (150) takes over after its Skew_Time.
        await sleep(1_500);
        ping = await pinging('handover.pcap');
        await sleep(700);
        const out2 = await switchover(b);
        await waitVip(lan.a, lan.ifname, `${vip}/24`, true, 5_000);
        await waitFor(async () => !(await lan.b.ip(['-o', 'addr', 'show', 'dev', lan.ifname])).stdout.includes(`${vip}/24`), { timeoutMs: 5_000, intervalMs: 20, what: 'B releases the VIP' });
        await sleep(500);
        expect(ping.ping.proc.hasExited(), 'the pings ended before the switchover').toBe(false);
        const handover = await ping.stop();
        expect((await neighbour(lan.client, vip))?.mac).toBe(lan.macA);
        expect(b.log()).toMatch(/keeping VIPs until the new master has announced itself/);

        const show = (p: PingResult & { wire: EchoOutage }): string =>
          `outage on the wire ${p.wire.longestMs} ms (${p.wire.answered}/${p.wire.requests} answered${p.wire.fromSeq !== undefined ? `, from seq ${p.wire.fromSeq}` : ''}), longest gap between ping's printed replies ${p.longestGapMs} ms, ${p.replies.length}/${p.sent} replies`;
        console.log(`[switchover havipd<->havipd, 10 ms pings] takeover (on BACKUP): ${show(takeover)} ("${out1}"); hand-over (on MASTER): ${show(handover)} ("${out2.replace(/\n/g, '; ')}")`);
        for (const p of [takeover, handover]) {
          expect(p.replies.length, 'pings around the switchover').toBeGreaterThanOrEqual(50);
          expect(p.wire.requests, show(p)).toBeGreaterThanOrEqual(50);
          expect(p.wire.longestMs, show(p)).toBeLessThan(MAX_GAP_MS);
        }
      },
    );
  });
});
