// Differential test of notifications (reference §3.11, §3.13): the same keepalived.conf run once by
// keepalived 2.2.7 and once by havipd on the same node, with no peer, through one scenario — start, a
// track script fails and recovers, a tracked link goes down and up, stop (SIGTERM). A recording notify
// script appends its argv to a file and a reader appends the vrrp_notify_fifo lines to another.
//
// Asserted: the FIFO lines are the same, in the same order, byte for byte; the notify calls are the same
// per scenario phase (as a multiset) and in the same order per script (keepalived forks the calls of one
// event concurrently — its issues #584/#996 — so the order of appends across scripts is not its to keep).

import { appendFileSync, chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interopGuard } from '../support/interop-guard.js';
import { createLan, createVeth, destroyAll, scratchDir, sleep, spawnGroup, sweepStaleNetns, waitFor, waitForLinkUp, type Lan } from '../support/netns.js';
import { byPhase, linesOf, perScript, recordingsReport, recordRun, type Recording } from '../support/notify-recording.js';
import { instanceBlock, startNode, vipIn, type NodeKind } from '../support/scenario.js';

const guard = interopGuard();

const PHASES = ['start', 'script-fail', 'script-recover', 'link-down', 'link-up', 'stop'] as const;

describe.skipIf(guard.skip)('notify differential: keepalived 2.2.7 vs havipd, same config, same node', () => {
  let lan: Lan;
  const scratch = scratchDir('hv-n2-notify');
  const dir = scratch.path;
  const results: Recording[] = [];

  beforeAll(async () => {
    await sweepStaleNetns();
    lan = await createLan();
    // The tracked link: a second veth pair (no dummy module here); hvtrk0 is set down/up in A.
    await createVeth(lan.a, lan.b, { ifA: 'hvtrk0', ifB: 'hvtrk1' });
  });
  afterAll(async () => {
    await destroyAll();
  });

  const callsPath = join(dir, 'calls.txt');
  const fifoOut = join(dir, 'fifo.txt');
  const fifoPath = join(dir, 'notify.fifo');
  const failFlag = join(dir, 'fail');

  const config = (): string => {
    const notify = join(dir, 'notify.sh');
    writeFileSync(notify, `#!/bin/sh\necho "$*" >> ${callsPath}\n`);
    chmodSync(notify, 0o755);
    const chk = join(dir, 'chk.sh');
    writeFileSync(chk, `#!/bin/sh\n[ ! -e ${failFlag} ]\n`);
    chmodSync(chk, 0o755);
    const vip = (n: number): string => `${vipIn(lan.ipA, 100 + n)}/24`;
    // Timers far apart (VI_1 ~3.4 s after its first script result, the group ~6.5 s, VI_2 ~9.6 s): without a
    // peer each instance times out on its own, and Master_Down_Intervals 0.2 s apart raced the first script
    // run on a busy machine, so the order of the MASTER lines depended on load, not on either daemon.
    const inst = (name: string, vrid: number, prio: number, advertInt: number, lines: string[]): string =>
      instanceBlock({ name, iface: lan.ifA, vrid, priority: prio, advertInt, extra: lines, vips: [vip(vrid - 80)] }).join('\n');
    return [
      'global_defs {',
      '  router_id hv_notify_diff',
      `  vrrp_notify_fifo ${fifoPath}`,
      '}',
      'vrrp_script chk {',
      `  script "${chk}"`,
      '  interval 1',
      '  fall 1',
      '  rise 1',
      '}',
      'vrrp_sync_group SG1 {',
      '  group {',
      '    VI_3',
      '    VI_4',
      '  }',
      `  notify "${notify} G"`,
      `  notify_master "${notify} GM"`,
      `  notify_fault "${notify} GF"`,
      '}',
      inst('VI_1', 81, 150, 1, [
        'track_script {',
        '  chk',
        '}',
        'track_interface {',
        '  hvtrk0',
        '}',
        `notify "${notify} A"`,
        `notify_master "${notify} M"`,
        `notify_backup "${notify} B"`,
        `notify_fault "${notify} F"`,
        `notify_stop "${notify} S"`,
      ]),
      inst('VI_2', 82, 100, 3, ['track_script {', '  chk weight -20', '}', 'notify_priority_changes', `notify "${notify} A2"`]),
      inst('VI_3', 83, 120, 2, ['track_interface {', '  hvtrk0', '}', `notify "${notify} A3"`]),
      inst('VI_4', 84, 110, 2, [`notify "${notify} A4"`]),
      '',
    ].join('\n');
  };

  const fifoLines = (): string[] => linesOf(fifoOut);
  const waitFifo = async (line: string, count = 1, timeoutMs = 15_000): Promise<void> => {
    await waitFor(() => fifoLines().filter((l) => l === line).length >= count, { timeoutMs, intervalMs: 50, what: `FIFO line ${line} ×${count}` });
  };
  const mark = (phase: string): void => appendFileSync(callsPath, `--- ${phase}\n`);

  async function scenario(kind: NodeKind): Promise<Recording> {
    for (const p of [callsPath, fifoOut, failFlag, fifoPath]) rmSync(p, { force: true });
    await lan.a.ip(['link', 'set', 'hvtrk0', 'up']);
    await waitForLinkUp(lan.a, 'hvtrk0');
    writeFileSync(callsPath, '');
    const rec = await recordRun(kind, { dir, calls: callsPath, fifo: fifoOut }, async (run) => {
      mark('start');
      const node = (run.node = await startNode(kind, lan.a, config()));
      // The daemon creates the FIFO; the reader appends whatever it reads.
      await waitFor(() => existsSync(fifoPath), { timeoutMs: 5_000, intervalMs: 10, what: 'FIFO created' });
      const reader = (run.reader = spawnGroup(['/bin/sh', '-c', `exec cat ${fifoPath} >> ${fifoOut}`]));
      await waitFifo('INSTANCE "VI_1" MASTER 150');
      await waitFifo('INSTANCE "VI_2" MASTER 100');
      await waitFifo('GROUP "SG1" MASTER 0');
      await sleep(1500);

      mark('script-fail');
      writeFileSync(failFlag, '');
      await waitFifo('INSTANCE "VI_1" FAULT 150', 1, 10_000).catch(async () => waitFor(() => fifoLines().some((l) => l.startsWith('INSTANCE "VI_1" FAULT')), { timeoutMs: 5_000, what: 'VI_1 FAULT' }));
      await sleep(2500);

      mark('script-recover');
      rmSync(failFlag, { force: true });
      await waitFifo('INSTANCE "VI_1" MASTER 150', 2, 15_000);
      await sleep(1500);

      mark('link-down');
      await lan.a.ip(['link', 'set', 'hvtrk0', 'down']);
      await waitFor(() => fifoLines().filter((l) => l.startsWith('INSTANCE "VI_1" FAULT')).length >= 2, { timeoutMs: 10_000, intervalMs: 50, what: 'VI_1 FAULT (link)' });
      await sleep(2000);

      mark('link-up');
      await lan.a.ip(['link', 'set', 'hvtrk0', 'up']);
      await waitFifo('INSTANCE "VI_1" MASTER 150', 3, 15_000);
      await waitFor(() => fifoLines().filter((l) => l === 'GROUP "SG1" MASTER 0').length >= 2, { timeoutMs: 15_000, intervalMs: 50, what: 'SG1 MASTER again' });
      await sleep(1500);

      mark('stop');
      await node.stop('SIGTERM');
      await reader.exited.catch(() => undefined);
      await sleep(500); // the STOP scripts append after the daemon is gone
    });
    results.push(rec);
    return rec;
  }

  it('records keepalived 2.2.7', async () => {
    const ka = await scenario('keepalived');
    expect(ka.fifo.length).toBeGreaterThan(10);
  });

  it('records havipd and matches keepalived: same FIFO lines in the same order, same calls per phase and per script', async () => {
    const hd = await scenario('havipd');
    const ka = results.find((r) => r.kind === 'keepalived');
    expect(ka, 'the keepalived run must have completed').toBeDefined();
    const report = recordingsReport(ka!, hd);
    console.log(report);
    expect(hd.fifo, report).toEqual(ka!.fifo);
    const kp = byPhase(ka!.calls);
    const hp = byPhase(hd.calls);
    for (const phase of PHASES) {
      const k = kp.get(phase) ?? [];
      const h = hp.get(phase) ?? [];
      expect([...h].sort(), `phase ${phase}: the same calls\n${report}`).toEqual([...k].sort());
      expect(perScript(h), `phase ${phase}: each script called in the same order\n${report}`).toEqual(perScript(k));
    }
  });
});
