// SIGUSR1 / SIGUSR2 state dumps of the running daemon (reference §4.3, §4.4): havipd writes
// $TMPDIR/keepalived.data and $TMPDIR/keepalived.stats in keepalived 2.2.7's layout — `State = MASTER`
// / `BACKUP` with the master's address and priority, counters that moved where traffic flowed, and
// never the password — checked while it runs against the real keepalived, whose own stats dump (same
// signal, same moment) has the same layout.

import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interopGuard } from '../support/interop-guard.js';
import { lanScenario } from '../support/lan-scenario.js';
import { sleep } from '../support/netns.js';
import { readDump, statsCounter, type NodeKind } from '../support/scenario.js';

const guard = interopGuard();

/** The stats layout with the numbers taken out: the labels and their indentation. */
const shape = (stats: string): string[] => stats.split('\n').map((l) => l.replace(/\d+$/, 'N')).filter((l) => l.trim() !== '');

describe.skipIf(guard.skip)('SIGUSR1 / SIGUSR2 dumps (havipd, next to keepalived 2.2.7)', () => {
  const sc = lanScenario({ vridBase: 110 });

  it.each([
    ['havipd', 'keepalived'],
    ['keepalived', 'havipd'],
  ] as const)('%s MASTER, %s BACKUP: havipd dumps its state and counters; the stats layout is keepalived\'s', async (masterKind: NodeKind, backupKind: NodeKind) => {
    const { lan, vrid, vip } = sc;
    await sc.explain(async () => {
      const { master, backup } = await sc.startPair(masterKind, backupKind, (side, priority) => sc.conf(side, priority, { authPass: 'pw4dump' }));
      await sleep(2_500); // a few adverts each way of the counters
      const h = (master.havipd ?? backup.havipd)!;
      const k = master.keepalived ? master : backup;
      const isMaster = master.kind === 'havipd';
      const data = await h.dump('data');
      const stats = await h.dump('stats');
      const why = `--- data ---\n${data}\n--- stats ---\n${stats}`;

      // keepalived.data: the lines exporters parse, in keepalived's spelling.
      expect(data, why).toMatch(/^------< VRRP Topology >------$/m);
      expect(data, why).toMatch(/^ VRRP Instance = VI_1$/m);
      expect(data, why).toMatch(new RegExp(`^   State = ${isMaster ? 'MASTER' : 'BACKUP'}$`, 'm'));
      expect(data, why).toMatch(new RegExp(`^   Virtual Router ID = ${vrid}$`, 'm'));
      expect(data, why).toMatch(new RegExp(`^   Priority = ${isMaster ? 150 : 100}$`, 'm'));
      expect(data, why).toMatch(/^   Virtual IP \(1\):$/m);
      expect(data, why).toContain(`${vip} dev ${isMaster ? lan.ifA : lan.ifB}`);
      expect(data, why).toMatch(/^   Authentication type = SIMPLE_PASSWORD$/m);
      if (!isMaster) {
        expect(data, why).toMatch(new RegExp(`^   Master router = ${lan.ipA.replace(/\./g, '\\.')}$`, 'm'));
        expect(data, why).toMatch(/^   Master priority = 150$/m);
      }
      // No secret anywhere.
      for (const text of [data, stats, h.log()]) expect(text).not.toContain('pw4dump');

      // keepalived.stats: counters that moved.
      const c = (...p: string[]): number | undefined => statsCounter(stats, p);
      expect(stats, why).toMatch(/^VRRP Instance: VI_1$/m);
      if (isMaster) {
        expect(c('Advertisements', 'Sent'), why).toBeGreaterThanOrEqual(2);
        expect(c('Became master'), why).toBe(1);
      } else {
        expect(c('Advertisements', 'Received'), why).toBeGreaterThanOrEqual(2);
        expect(c('Advertisements', 'Sent'), why).toBe(0);
        expect(c('Became master'), why).toBe(0);
      }
      expect(c('Released master'), why).toBe(0);
      expect(c('Authentication Errors', 'Failure'), why).toBe(0);
      expect(c('Priority Zero', 'Sent'), why).toBe(0);
      // Dumps are 0600 like keepalived's (umask 0177).
      expect(statSync(join(h.dir, 'keepalived.stats')).mode & 0o777).toBe(0o600);
      expect(statSync(join(h.dir, 'keepalived.data')).mode & 0o777).toBe(0o600);

      // Same layout as keepalived's own stats dump taken now.
      const ks = await readDump(k, 'stats');
      expect(shape(stats)).toEqual(shape(ks));
      // And the counters agree across the wire: what one sent, the other received (±2 in flight).
      const kc = (...p: string[]): number => statsCounter(ks, p) ?? -1;
      const [sent, rcvd] = isMaster ? [c('Advertisements', 'Sent')!, kc('Advertisements', 'Received')] : [kc('Advertisements', 'Sent'), c('Advertisements', 'Received')!];
      expect(Math.abs(sent - rcvd), `sent ${sent}, received ${rcvd}\n${why}\n--- keepalived ---\n${ks}`).toBeLessThanOrEqual(2);
    });
  });
});
