// A short, bounded chaos soak (issue 14 §1; the long one is `npm run chaos`): a havipd pair, then havipd
// beside keepalived 2.2.7, each under a fixed seeded schedule of faults (kill/restart, SIGSTOP, link flap,
// VRRP loss, partition, track script, SIGHUP reload with a new priority, CPU hog, control-socket flood),
// with the invariants of test/chaos/invariants.ts checked from the bridge capture. About 2-3 minutes in all.
// A failure prints the seed and the command that replays it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSoak } from '../chaos/soak.js';
import { interopGuard } from '../support/interop-guard.js';
import { destroyAll, sweepStaleNetns } from '../support/netns.js';

const guard = interopGuard(['nft', 'taskset']);
/** Fixed seeds (chosen so each short schedule has its own mix of faults; any seed must pass). */
const CASES = [
  { fleet: 'havipd' as const, seed: 1401, events: 8 },
  { fleet: 'mixed' as const, seed: 1402, events: 6 },
];

describe.skipIf(guard.skip)('chaos soak, short (issue 14 §1)', () => {
  beforeAll(async () => {
    await sweepStaleNetns('hv-chaos');
  });
  afterAll(async () => {
    await destroyAll();
  });

  it.each(CASES)('$fleet fleet, seed $seed, $events faults: one master, converges, no crash', async ({ fleet, seed, events }) => {
    const r = await runSoak({ seed, events, fleet, advertIntS: 0.5, maxMs: 120_000 });
    process.stdout.write(`${r.report}\n`);
    expect(r.applied.filter((l) => / start /.test(l)).length).toBe(events);
    expect(r.adverts).toBeGreaterThan(50);
    expect(r.verdict.failures, `replay: npm run chaos -- --seed ${seed} --events ${events} --fleet ${fleet}`).toEqual([]);
  }, 400_000);
});
