// The chaos soak's regression list (issue 14 §1): every entry of test/chaos/regressions.json — a seed whose
// run broke an invariant, appended by `npm run chaos` — replayed with just the faults that broke it
// (`--faults A-B`: those faults, from the priorities the reloads before them left). Every invariant must hold,
// and where the entry bounds it, the client's longest gap too. An entry not yet fixed fails here until it is.
// The short soak's fixed seeds (chaos-soak.test.ts) cover the refused broken configuration (1403, 1406) and
// nopreempt after a kill (1504), which were found the same way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegressions } from '../chaos/regressions.js';
import { runSoak, SOAK_NETNS_PREFIX } from '../chaos/soak.js';
import { interopGuard } from '../support/interop-guard.js';
import { destroyAll, sweepStaleNetns } from '../support/netns.js';

const guard = interopGuard(['nft', 'taskset']);
const ENTRIES = loadRegressions();

describe.skipIf(guard.skip)('chaos soak regressions, replayed (test/chaos/regressions.json)', () => {
  beforeAll(async () => {
    await sweepStaleNetns(SOAK_NETNS_PREFIX);
  });
  afterAll(async () => {
    await destroyAll();
  });

  it('the list has entries', () => {
    expect(ENTRIES.length).toBeGreaterThan(0);
  });

  it.each(ENTRIES)('$fleet fleet, seed $seed, faults $faults (events $events)', async (e) => {
    const r = await runSoak({ seed: e.seed, events: e.events, fleet: e.fleet, window: e.faults, advertIntS: 0.5, maxMs: 120_000, ...(e.nopreempt ? { nopreempt: true } : {}) });
    process.stdout.write(`${r.report}\n`);
    const replay = `npm run chaos -- --seed ${e.seed} --events ${e.events} --fleet ${e.fleet} --faults ${e.faults.join('-')}${e.nopreempt ? ' --nopreempt' : ''}`;
    const named = r.faults.map((f) => f.n);
    expect(named, 'the faults replayed').toContain(e.faults[0]);
    expect(named).toContain(e.faults[1]);
    expect(r.applied.filter((l) => / start /.test(l)).length).toBe(r.faults.length);
    expect(r.verdict.figures.client?.replies ?? 0).toBeGreaterThan(100);
    expect(r.verdict.failures, `replay: ${replay}`).toEqual([]);
    if (e.clientGapMaxS !== undefined) {
      const c = r.verdict.figures.client!;
      expect(c.longestS, `client's longest gap (${c.longestAt}); replay: ${replay}`).toBeLessThanOrEqual(e.clientGapMaxS);
    }
  }, 300_000);
});
