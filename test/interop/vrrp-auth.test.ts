// VRRPv2 simple-password authentication over unicast (RFC 2338 §5.3.6.1 / keepalived `auth_type PASS`,
// reference §2.2, §2.6): havipd and keepalived 2.2.7 accept each other's adverts with the same
// password in both roles, and reject a wrong one in both directions — keepalived logs
// `received an invalid passwd!`, havipd counts it under Authentication Errors / Failure in the SIGUSR2
// stats dump — so each one, hearing nothing valid, becomes MASTER. No password in havipd's dumps.

import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startCapture, type Capture } from '../support/capture.js';
import { interopGuard } from '../support/interop-guard.js';
import { createLan, destroyAll, scratchDir, sleep, sweepStaleNetns, type Lan } from '../support/netns.js';
import { advertsFrom, describeRows, entering, explainFailure, startNode, statsCounter, vipIn, vrrpConfig, waitVip, type NodeKind, type VrrpNode } from '../support/scenario.js';

const guard = interopGuard();

describe.skipIf(guard.skip)('VRRPv2 auth PASS over unicast (havipd ⇄ keepalived 2.2.7)', () => {
  let lan: Lan;
  let nodes: VrrpNode[] = [];
  let cap: Capture | undefined;
  const scratch = scratchDir('hv-n2-auth');
  let vrid = 80;
  let vip = '';

  beforeAll(async () => {
    await sweepStaleNetns();
    lan = await createLan();
  });
  beforeEach(() => {
    vrid += 1;
    vip = `${vipIn(lan.ipA, vrid)}/24`;
  });
  afterEach(async () => {
    await cap?.stop().catch(() => undefined);
    cap = undefined;
    await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
    nodes = [];
  });
  afterAll(async () => {
    await destroyAll();
  });

  const conf = (side: 'a' | 'b', priority: number, pass: string): string =>
    vrrpConfig({
      routerId: `hv_${side}`,
      instances: [
        {
          iface: side === 'a' ? lan.ifA : lan.ifB,
          vrid,
          priority,
          authPass: pass,
          unicastSrc: side === 'a' ? lan.ipA : lan.ipB,
          unicastPeers: [side === 'a' ? lan.ipB : lan.ipA],
          vips: [vip],
        },
      ],
    });

  const start = async (kind: NodeKind, side: 'a' | 'b', config: string): Promise<VrrpNode> => {
    const n = await startNode(kind, side === 'a' ? lan.a : lan.b, config);
    nodes.push(n);
    return n;
  };

  it.each([
    ['havipd', 'keepalived'],
    ['keepalived', 'havipd'],
  ] as const)('same password: %s MASTER (150), %s stays BACKUP (100); unicast adverts carry auth type 1', async (masterKind, backupKind) => {
    cap = await startCapture(lan.b, lan.ifB, join(scratch.path, `ok${vrid}.pcap`), { filter: 'ip proto 112' });
    await explainFailure(
      () => nodes,
      async () => {
        const master = await start(masterKind, 'a', conf('a', 150, 'secret1'));
        await master.waitForLog(/\(VI_1\) Entering BACKUP STATE \(init\)/, { timeoutMs: 5_000 });
        const backup = await start(backupKind, 'b', conf('b', 100, 'secret1'));
        const backupStarted = Date.now();
        await master.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
        await waitVip(lan.a, lan.ifA, vip, true);
        // Past the backup's own Master_Down_Interval (3.609 s) with margin: it has been accepting adverts.
        await sleep(Math.max(0, backupStarted + 5_000 - Date.now()));
        expect(backup.countLog(entering('MASTER'))).toBe(0);
        expect(backup.log()).not.toMatch(/invalid passwd/);
        const rows = await cap!.stop();
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
      },
      async () => (cap ? describeRows(await cap.peek()) : ''),
    );
  });

  it('wrong password, both directions: keepalived logs "received an invalid passwd!", havipd counts every bad advert as an auth failure; both become MASTER', async () => {
    cap = await startCapture(lan.a, lan.ifA, join(scratch.path, `bad${vrid}.pcap`), { filter: 'ip proto 112' });
    await explainFailure(
      () => nodes,
      async () => {
        const h = await start('havipd', 'a', conf('a', 150, 'secret1'));
        const k = await start('keepalived', 'b', conf('b', 100, 'other22'));
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
        const rows = await cap!.stop();
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
      },
      async () => (cap ? describeRows(await cap.peek()) : ''),
    );
  });
});
