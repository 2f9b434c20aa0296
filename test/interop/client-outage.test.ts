// Client-visible failover (issue 11 §1), the reduced form of `npm run bench:clients`: two VRRP nodes
// (unicast peers, advert_int 1, a MASTER 150, b BACKUP 100) and a client namespace on one bridge, the
// client asking the VIP every 10 ms over ICMP and over fresh TCP connections to a service on each node
// that answers with its name (bench/lib/client-lan.mjs). For havipd and keepalived 2.2.7 alike: what a
// client sees when the master node dies, when it is stopped (SIGTERM, priority 0), and after a split
// brain heals; for havipd also `havipd switchover` run on the backup. Bounds are generous (a busy 2-core
// machine): they check the protocol's shape — a crash costs about Master_Down_Interval, a SIGTERM
// about Skew_Time, a takeover by the backup less than a Skew_Time — and that clients end up at the
// right node, not the figures (those are in bench/results/clients.md).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { controlRequest, createClientLan, runScenario, SCENARIOS, startServices, type ClientLan, type LanNode, type RunResult, type ScenarioId, type Side } from '../../bench/lib/client-lan.mjs';
import { interopGuard } from '../support/interop-guard.js';
import { createNetns, destroyAll, sweepStaleNetns, type Netns } from '../support/netns.js';
import { startNode, type NodeKind } from '../support/scenario.js';

const guard = interopGuard(['nft', 'ping', 'sysctl']);
const PREFIX = 'hv-cl';

/** Protocol figures of this set-up (VRRPv2, advert_int 1 s, backup priority 100). */
const SKEW_MS = ((256 - 100) / 256) * 1000;
const DOWN_MS = 3 * 1000 + SKEW_MS;
/** Scheduling margin on a busy machine (two cores, node's event loop, 10 ms probes). */
const MARGIN_MS = 1_500;
/** A healed split brain: the client must reach the winner within this (neighbour-entry expiry included). */
const HEAL_MAX_MS = 65_000;

const measured: string[] = [];

describe.skipIf(guard.skip)('client-visible failover: a client namespace on the bridge (havipd, keepalived 2.2.7)', () => {
  let lan: ClientLan<Netns>;

  beforeAll(async () => {
    await sweepStaleNetns(PREFIX);
    lan = await createClientLan(() => createNetns(PREFIX), { net: '10.253.0' });
    await startServices(lan, { maxMs: 900_000 });
  });
  afterAll(async () => {
    await destroyAll();
    if (measured.length > 0) console.log(`client-visible outage:\n  ${measured.join('\n  ')}`);
  });

  const starter =
    (kind: NodeKind) =>
    async (side: Side, config: string): Promise<LanNode> => {
      const n = await startNode(kind, lan[side], config);
      return {
        waitLog: (re, timeoutMs) => n.waitForLog(re, { timeoutMs }),
        countLog: (re) => n.countLog(re),
        kill: () => void n.stop('SIGKILL'),
        signal: (sig) => n.signal(sig),
        stop: () => n.stop('SIGKILL'),
        log: () => n.log(),
        switchover: () => controlRequest(join(n.dir, 'havipd.sock'), { cmd: 'switchover' }),
      };
    };

  const run = async (kind: NodeKind, id: ScenarioId): Promise<RunResult> => {
    const sc = SCENARIOS.find((s) => s.id === id)!;
    const r = await runScenario(lan, kind, sc, starter(kind), id === 'splitbrain' ? { maxObserveMs: HEAL_MAX_MS } : {});
    measured.push(`${kind} ${id}: ICMP ${r.icmp.outageMs.toFixed(0)} ms, TCP ${r.tcp.outageMs.toFixed(0)} ms; TCP answered ${r.tcp.answered}; neigh ${r.neigh.seen}`);
    return r;
  };
  const why = (r: RunResult): string => JSON.stringify(r, null, 1);

  /** The run ended with the final node answering both probes steadily, and no outage left open. */
  const recovered = (r: RunResult, final: Side): void => {
    expect(r.notes, why(r)).toEqual([]);
    expect(r.icmp.ongoing || r.tcp.ongoing, why(r)).toBe(false);
    expect(r.tcp.answered.split(' → ').at(-1)!.split('@')[0], why(r)).toBe(final);
    expect(r.icmp.answered.split(' → ').at(-1)!.split('@')[0], why(r)).toBe(final);
    expect(r.neigh.toFinalMs, why(r)).toBeDefined();
  };

  describe.each(['havipd', 'keepalived'] as const)('%s pair', (kind) => {
    it('master node crash (SIGKILL + link down): clients wait about Master_Down_Interval, then reach b', async () => {
      const r = await run(kind, 'crash');
      recovered(r, 'b');
      for (const p of [r.icmp, r.tcp]) {
        // The backup's down timer started at the last advert heard, up to one interval before the crash.
        expect(p.outageMs, why(r)).toBeGreaterThanOrEqual(DOWN_MS - 1_000 - 300);
        expect(p.outageMs, why(r)).toBeLessThanOrEqual(DOWN_MS + MARGIN_MS);
      }
      expect(r.tcp.answered, why(r)).toMatch(/^a → b@\+\d+$/);
    });

    it('SIGTERM of the master (priority 0): clients wait about Skew_Time, then reach b', async () => {
      const r = await run(kind, 'sigterm');
      recovered(r, 'b');
      for (const p of [r.icmp, r.tcp]) {
        // The master drops the VIP at once and the backup waits Skew_Time: a real gap, never a long one.
        expect(p.outageMs, why(r)).toBeGreaterThanOrEqual(SKEW_MS / 2);
        expect(p.outageMs, why(r)).toBeLessThanOrEqual(SKEW_MS + MARGIN_MS);
      }
      expect(r.tcp.answered, why(r)).toMatch(/^a → b@\+\d+$/);
    });

    it('healed split brain (protocol 112 dropped both ways, then allowed): clients end at the winner a', async () => {
      const r = await run(kind, 'splitbrain');
      recovered(r, 'a');
      // During the partition both were MASTER and b's gratuitous ARP moved the client to b.
      expect(r.partition, why(r)).toBeDefined();
      expect(r.partition!.bMasterMs, why(r)).toBeLessThanOrEqual(DOWN_MS + MARGIN_MS);
      expect(r.partition!.neighToB, why(r)).toBeDefined();
      expect(r.neigh.seen, why(r)).toMatch(/^b → .*a@\+\d+$/);
      expect(r.neigh.toFinalMs!, why(r)).toBeLessThanOrEqual(HEAL_MAX_MS);
      // As in keepalived 2.2.7, a MASTER that hears a peer it beats answers with an advert and a GARP burst
      // (garp_lower_prio_repeat, on by default), so when a heard b first, the client is put right within
      // one of b's advert intervals; when b heard a first and stepped down, only the entry's expiry does it.
      if (r.partition!.aHeardLower) expect(r.neigh.toFinalMs!, why(r)).toBeLessThanOrEqual(1_000 + MARGIN_MS);
    }, 150_000);
  });

  it('havipd switchover on the backup: clients move to b in less than the Skew_Time a priority-0 hand-over costs', async () => {
    const r = await run('havipd', 'switchover-backup');
    recovered(r, 'b');
    expect(r.switchover, why(r)).toMatch(/VI_1: MASTER with priority \d+/);
    for (const p of [r.icmp, r.tcp]) expect(p.outageMs, why(r)).toBeLessThan(SKEW_MS);
    expect(r.tcp.answered, why(r)).toMatch(/^a → b@\+\d+$/);
  });
});
