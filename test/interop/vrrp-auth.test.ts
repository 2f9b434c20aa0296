// VRRPv2 simple-password authentication over unicast (RFC 2338 §5.3.6.1 / keepalived `auth_type PASS`,
// reference §2.2, §2.6): havipd and keepalived 2.2.7 accept each other's adverts with the same
// password in both roles, and reject a wrong one in both directions — keepalived logs
// `received an invalid passwd!`, havipd counts it under Authentication Errors / Failure in the SIGUSR2
// stats dump — so each one, hearing nothing valid, becomes MASTER. No password in havipd's dumps.

import { describe, expect, it } from 'vitest';
import { interopGuard } from '../support/interop-guard.js';
import { lanScenario } from '../support/lan-scenario.js';
import { sleep, waitFor } from '../support/netns.js';
import { advertsFrom, describeRows, entering, statsCounter, waitVip } from '../support/scenario.js';

const guard = interopGuard();

describe.skipIf(guard.skip)('VRRPv2 auth PASS over unicast (havipd ⇄ keepalived 2.2.7)', () => {
  const sc = lanScenario({ vridBase: 80, scratch: 'hv-n2-auth' });
  const conf = (side: 'a' | 'b', priority: number, pass: string): string => sc.conf(side, priority, { authPass: pass, unicast: true });

  it.each([
    ['havipd', 'keepalived'],
    ['keepalived', 'havipd'],
  ] as const)('same password: %s MASTER (150), %s stays BACKUP (100); unicast adverts carry auth type 1', async (masterKind, backupKind) => {
    const { lan, vrid, vip } = sc;
    await sc.capture(`ok${vrid}.pcap`);
    await sc.explain(async () => {
      const { master, backup, backupStarted } = await sc.startPair(masterKind, backupKind, (side, priority) => conf(side, priority, 'secret1'));
      await waitVip(lan.a, lan.ifA, vip, true);
      // Past the backup's own Master_Down_Interval (3.609 s) with margin: it has been accepting adverts.
      await sleep(Math.max(0, backupStarted + 5_000 - Date.now()));
      // That window is counted from the backup's start, the master's adverts from its own transition (its
      // Master_Down_Interval after its start, later on a loaded machine): the second advert is one
      // advert_int (1 s) after the first, so wait for it on the wire, bounded by two intervals.
      const cap = sc.cap!;
      await waitFor(async () => advertsFrom(await cap.peek(), lan.ipA, vrid, 150).length >= 2 || undefined, { timeoutMs: 2_000, intervalMs: 100, what: "the master's second advert" }).catch(() => undefined);
      expect(backup.countLog(entering('MASTER'))).toBe(0);
      expect(backup.log()).not.toMatch(/invalid passwd/);
      const rows = await cap.stop();
      const adverts = advertsFrom(rows, lan.ipA, vrid, 150);
      expect(adverts.length, describeRows(rows)).toBeGreaterThanOrEqual(2);
      for (const r of adverts) {
        expect(r.dst).toBe(lan.ipB);
        expect(r.ttl).toBe(255);
        expect(r.vrrp).toMatchObject({ version: 2, authType: 1, adverInt: 1, addresses: [vip.split('/')[0]] });
      }
      const h = (master.havipd ?? backup.havipd)!;
      const stats = await h.dump('stats');
      expect(statsCounter(stats, ['Authentication Errors', 'Failure']), stats).toBe(0);
      if (backup.havipd) expect(statsCounter(stats, ['Advertisements', 'Received']), stats).toBeGreaterThanOrEqual(2);
      else expect(statsCounter(stats, ['Advertisements', 'Sent']), stats).toBeGreaterThanOrEqual(2);
    });
  });

  it('wrong password, both directions: keepalived logs "received an invalid passwd!", havipd counts every bad advert as an auth failure; both become MASTER', async () => {
    const { lan, vrid } = sc;
    await sc.capture(`bad${vrid}.pcap`, 'ip proto 112', 'a');
    await sc.explain(async () => {
      const h = await sc.start('havipd', 'a', conf('a', 150, 'secret1'));
      const k = await sc.start('keepalived', 'b', conf('b', 100, 'other22'));
      // Each discards the other's adverts, so each times out and becomes MASTER.
      await h.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
      await k.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
      await k.waitForLog(/received an invalid passwd!/, { timeoutMs: 5_000 });
      await h.waitForLog(/received an invalid passwd!/, { timeoutMs: 5_000 });
      await sleep(2_000);
      // keepalived 2.2.7 quirk seen here: as MASTER it goes quiet while invalid adverts keep arriving
      // about once per advert_int (each one seems to re-arm its advert timer), so it may send as few
      // as one advert. What havipd must do is count every one that reached it, no more, no less.
      await k.stop('SIGKILL'); // no priority-0 advert, nothing more on the wire from B
      await sleep(200);
      const hv = h.havipd!;
      const stats = await hv.dump('stats');
      const rows = await sc.cap!.stop();
      const bad = advertsFrom(rows, lan.ipB, vrid, 100);
      const why = `${stats}\n${describeRows(rows)}`;
      expect(bad.length, why).toBeGreaterThanOrEqual(1);
      for (const r of bad) expect(r.vrrp).toMatchObject({ version: 2, authType: 1 });
      expect(statsCounter(stats, ['Authentication Errors', 'Failure']), why).toBe(bad.length);
      expect(statsCounter(stats, ['Advertisements', 'Received']), why).toBe(0);
      expect(h.countLog(/received an invalid passwd!/), why).toBeGreaterThanOrEqual(1);
      expect(h.countLog(entering('BACKUP'))).toBe(1); // only the init one: never demoted by an invalid advert
      // keepalived saw every havipd advert sent while it was up as invalid (it logs each one in 2.2.7).
      expect(k.countLog(/received an invalid passwd!/)).toBeGreaterThanOrEqual(2);
      const data = await hv.dump('data');
      for (const text of [stats, data, hv.log()]) expect(text).not.toContain('secret1');
      expect(data).toMatch(/Authentication type = SIMPLE_PASSWORD/);
    });
  });
});
