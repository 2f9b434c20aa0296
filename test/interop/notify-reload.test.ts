// Differential test of reload notifications (reference §3.15, §1.9.2 `fifo_write_vrrp_states_on_reload`,
// §1.9.3 `notify_deleted`): keepalived 2.2.7 and havipd on the same node run the same config, get SIGHUP
// with a new one (one MASTER kept with a new priority, one FAULT kept, one removed with notify_deleted, one
// removed without, one added), then SIGTERM. The FIFO lines must be identical and in the same order; the notify
// calls identical per phase and per script (see notify-differential.test.ts for why not globally).

import { appendFileSync, chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interopGuard } from '../support/interop-guard.js';
import { createLan, createVeth, destroyAll, scratchDir, sleep, spawnGroup, sweepStaleNetns, waitFor, type Lan } from '../support/netns.js';
import { byPhase, linesOf, perScript, recordingsReport, recordRun, type Recording } from '../support/notify-recording.js';
import { instanceBlock, startNode, vipIn, type NodeKind } from '../support/scenario.js';

const guard = interopGuard();

describe.skipIf(guard.skip)('notify on reload: keepalived 2.2.7 vs havipd', () => {
  let lan: Lan;
  const dir = scratchDir('hv-n2-notify-reload').path;
  const results: Recording[] = [];
  const callsPath = join(dir, 'calls.txt');
  const fifoOut = join(dir, 'fifo.txt');
  const fifoPath = join(dir, 'notify.fifo');
  const notify = join(dir, 'notify.sh');

  beforeAll(async () => {
    await sweepStaleNetns();
    lan = await createLan();
    // A tracked link that stays down: VI_7 is kept in FAULT across the reload.
    await createVeth(lan.a, lan.b, { ifA: 'hvdn0', ifB: 'hvdn1' });
    await lan.a.ip(['link', 'set', 'hvdn0', 'down']);
    writeFileSync(notify, `#!/bin/sh\necho "$*" >> ${callsPath}\n`);
    chmodSync(notify, 0o755);
  });
  afterAll(async () => {
    await destroyAll();
  });

  const inst = (name: string, vrid: number, prio: number, lines: string[]): string =>
    instanceBlock({ name, iface: lan.ifA, vrid, priority: prio, extra: lines, vips: [`${vipIn(lan.ipA, vrid)}/24`] }).join('\n');
  const globals = ['global_defs {', '  router_id hv_notify_reload', `  vrrp_notify_fifo ${fifoPath}`, '  fifo_write_vrrp_states_on_reload', '}'].join('\n');
  const before = (): string =>
    [
      globals,
      inst('VI_1', 91, 150, [`notify "${notify} A1"`, `notify_master "${notify} M1"`]),
      inst('VI_2', 92, 100, [`notify "${notify} A2"`, `notify_deleted "${notify} D2"`]),
      inst('VI_5', 95, 100, [`notify "${notify} A5"`, `notify_fault "${notify} F5"`]),
      inst('VI_7', 97, 100, ['track_interface {', '  hvdn0', '}', `notify "${notify} A7"`]),
      '',
    ].join('\n');
  const after = (): string =>
    [
      globals,
      inst('VI_1', 91, 140, [`notify "${notify} A1"`, `notify_master "${notify} M1"`]),
      // Kept in FAULT and placed before the new VI_6: its re-written state comes first (vrrp_init_state order).
      inst('VI_7', 97, 100, ['track_interface {', '  hvdn0', '}', `notify "${notify} A7"`]),
      inst('VI_6', 96, 90, [`notify "${notify} A6"`]),
      '',
    ].join('\n');

  const fifoLines = (): string[] => linesOf(fifoOut);
  const waitLine = (pred: (l: string) => boolean, what: string, timeoutMs = 15_000): Promise<unknown> =>
    waitFor(() => fifoLines().some(pred), { timeoutMs, intervalMs: 50, what });
  const mark = (phase: string): void => appendFileSync(callsPath, `--- ${phase}\n`);

  async function scenario(kind: NodeKind): Promise<Recording> {
    for (const p of [callsPath, fifoOut, fifoPath]) rmSync(p, { force: true });
    writeFileSync(callsPath, '');
    const rec = await recordRun(kind, { dir, calls: callsPath, fifo: fifoOut }, async (run) => {
      mark('start');
      const node = (run.node = await startNode(kind, lan.a, before()));
      // keepalived closes, unlinks and recreates its FIFO on reload: the reader reopens the path in a loop.
      run.reader = spawnGroup(['/bin/sh', '-c', `while :; do [ -p ${fifoPath} ] && cat ${fifoPath} >> ${fifoOut}; sleep 0.02; done`]);
      await waitLine((l) => l === 'INSTANCE "VI_1" MASTER 150', 'VI_1 MASTER');
      await waitLine((l) => l === 'INSTANCE "VI_5" MASTER 100', 'VI_5 MASTER');
      await waitLine((l) => l === 'INSTANCE "VI_2" MASTER 100', 'VI_2 MASTER');
      await sleep(1000);
      mark('reload');
      writeFileSync(join(node.dir, 'keepalived.conf'), after());
      node.signal('SIGHUP');
      await waitLine((l) => l === 'INSTANCE "VI_6" MASTER 90', 'VI_6 MASTER after reload', 20_000);
      await sleep(1500);
      mark('stop');
      await node.stop('SIGTERM');
      await sleep(500);
    });
    results.push(rec);
    return rec;
  }

  it('records keepalived 2.2.7', async () => {
    const ka = await scenario('keepalived');
    expect(ka.fifo.some((l) => l.startsWith('INSTANCE "VI_6"'))).toBe(true);
  });

  it('havipd: same FIFO lines in the same order; same calls per phase and per script', async () => {
    const hd = await scenario('havipd');
    const ka = results.find((r) => r.kind === 'keepalived');
    expect(ka, 'the keepalived run must have completed').toBeDefined();
    const report = recordingsReport(ka!, hd);
    console.log(report);
    expect(hd.fifo, report).toEqual(ka!.fifo);
    const kp = byPhase(ka!.calls);
    const hp = byPhase(hd.calls);
    for (const phase of ['start', 'reload', 'stop']) {
      const k = kp.get(phase) ?? [];
      const h = hp.get(phase) ?? [];
      expect([...h].sort(), `phase ${phase}\n${report}`).toEqual([...k].sort());
      expect(perScript(h), `phase ${phase}\n${report}`).toEqual(perScript(k));
    }
  });
});
