// The real daemon's systemd notify protocol (issue 10 §4; sd_notify(3), systemd.service(5) Type=notify,
// WatchdogSec=) against a datagram receiver standing where systemd's $NOTIFY_SOCKET would be. No systemd runs
// here (PID 1 is not systemd, `systemctl is-system-running` says "offline"), so this checks what systemd
// would read, from the daemon as shipped: READY=1 only once the instance has a state (STATUS names it) with
// MAINPID = the daemon; WATCHDOG=1 at half WATCHDOG_USEC and never a gap of WATCHDOG_USEC; around a reload
// RELOADING=1 with MONOTONIC_USEC on CLOCK_MONOTONIC (what systemd ≥ 253 requires) and then READY=1 with
// the new STATUS; STOPPING=1 at SIGTERM, then no READY. (STATUS= lines come with every transition, also
// before READY=1 and after STOPPING=1; systemd shows them and acts on neither.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNative } from '../../src/native/index.js';
import { interopGuard } from '../support/interop-guard.js';
import { lanScenario } from '../support/lan-scenario.js';
import { sleep } from '../support/netns.js';
import { entering } from '../support/scenario.js';

const guard = interopGuard(['keepalived']);
const WATCHDOG_USEC = 2_000_000;

interface Datagram {
  /** CLOCK_MONOTONIC µs when the test read it. */
  readonly at: bigint;
  readonly fields: Record<string, string>;
}

describe.skipIf(guard.skip)('systemd notify from the running daemon', () => {
  const sc = lanScenario({ vridBase: 190, scratch: 'hv-n2-sdn' });

  it('READY after the first state, WATCHDOG within WATCHDOG_USEC, RELOADING with MONOTONIC_USEC then READY on reload, STOPPING at SIGTERM', async () => {
    const native = loadNative();
    const dir = mkdtempSync(join(tmpdir(), 'havipd-sdn-'));
    const path = join(dir, 'notify.sock');
    const fd = native.openUnixDgram(path);
    const got: Datagram[] = [];
    const mono = (): bigint => process.hrtime.bigint() / 1000n;
    let reading = true;
    const reader = (async () => {
      while (reading) {
        const d = native.recvUnixDgram(fd);
        if (d === null) {
          await sleep(5);
          continue;
        }
        got.push({ at: mono(), fields: Object.fromEntries(d.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])) });
      }
    })();
    const since = (i: number): Datagram[] => got.slice(i);
    const show = (ds: readonly Datagram[]): string => ds.map((d) => `${d.at} ${JSON.stringify(d.fields)}`).join('\n');
    try {
      await sc.explain(async () => {
        const a = await sc.start('havipd', 'a', sc.conf('a', 150), { env: { NOTIFY_SOCKET: path, WATCHDOG_USEC: String(WATCHDOG_USEC) } });
        await a.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
        await sleep(5_000);

        // READY=1: the first datagram, once the instance has a state, from the daemon's own pid.
        const ready = got.find((d) => d.fields.READY === '1')!;
        expect(ready, show(got.slice(0, 3))).toBeDefined();
        // Before it only STATUS= lines (one per transition: systemd shows them while the unit is activating).
        expect(got.slice(0, got.indexOf(ready)).every((d) => Object.keys(d.fields).join() === 'STATUS'), show(got.slice(0, 4))).toBe(true);
        expect(ready.fields.MAINPID).toBe(String(a.havipd!.pid));
        expect(ready.fields.STATUS).toMatch(/^VI_1 (BACKUP|MASTER)\b/);

        // WATCHDOG=1 every WATCHDOG_USEC / 2; systemd acts on a gap of WATCHDOG_USEC.
        const dogs = got.filter((d) => d.fields.WATCHDOG === '1');
        expect(dogs.length, `${dogs.length} pings`).toBeGreaterThanOrEqual(4);
        const gaps = dogs.slice(1).map((d, i) => Number(d.at - dogs[i]!.at));
        console.log(`watchdog gaps (µs, WATCHDOG_USEC ${WATCHDOG_USEC}): ${gaps.join(' ')}`);
        for (const g of gaps) expect(g, gaps.join(' ')).toBeLessThan(WATCHDOG_USEC);
        const mean = gaps.reduce((x, y) => x + y, 0) / gaps.length;
        expect(mean).toBeGreaterThan(WATCHDOG_USEC / 2 - 100_000);
        expect(mean).toBeLessThan(WATCHDOG_USEC / 2 + 300_000);

        // Reload (SIGHUP, as systemctl reload through ExecReload=havipd reload would trigger it).
        a.havipd!.writeConfig(sc.conf('a', 160));
        const before = got.length;
        const t0 = mono();
        a.signal('SIGHUP');
        await a.waitForLog(/Reload complete/, { timeoutMs: 10_000 });
        await sleep(1_500);
        const t1 = mono();
        // Besides the watchdog pings and the periodic STATUS= refresh (every 5 s): exactly these two.
        const around = since(before).filter((d) => d.fields.WATCHDOG === undefined && Object.keys(d.fields).join() !== 'STATUS');
        expect(around.map((d) => Object.keys(d.fields).sort().join(',')), show(around)).toEqual(['MONOTONIC_USEC,RELOADING', 'READY,STATUS']);
        const stamp = BigInt(around[0]!.fields.MONOTONIC_USEC!);
        // CLOCK_MONOTONIC of the daemon, taken between our SIGHUP and our read of the datagram.
        expect(stamp >= t0 && stamp <= around[0]!.at, `${t0} ≤ ${stamp} ≤ ${around[0]!.at}`).toBe(true);
        expect(around[1]!.at <= t1).toBe(true);
        expect(around[1]!.fields.STATUS).toMatch(/^VI_1 MASTER\b/);

        // Stop: STOPPING=1, then nothing but the STATUS= of the instances' shutdown transitions.
        const beforeStop = got.length;
        await a.stop('SIGTERM');
        await sleep(300);
        const tail = since(beforeStop).filter((d) => d.fields.WATCHDOG === undefined);
        const stopping = tail.findIndex((d) => d.fields.STOPPING === '1');
        expect(stopping, show(tail)).toBeGreaterThanOrEqual(0);
        expect(tail.slice(stopping + 1).every((d) => Object.keys(d.fields).join() === 'STATUS'), show(tail)).toBe(true);
      });
    } finally {
      reading = false;
      await reader;
      native.close(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
