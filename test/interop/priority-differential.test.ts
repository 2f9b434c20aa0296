// Differential test of effective-priority changes (reference §3.9, §3.15): keepalived 2.2.7 and havipd on
// the same node run the same config with a weighted track_file and notify_priority_changes, and go through
// the same steps — the file's status moves the priority, reaches −254 (FAULT, the priority kept), leaves
// it, then two SIGHUPs change the base priority (with the tracker, then without). The FIFO lines must be
// identical and in the same order, and both logs carry keepalived's -D lines for these steps.

import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interopGuard } from '../support/interop-guard.js';
import { createLan, destroyAll, scratchDir, sleep, spawnGroup, sweepStaleNetns, waitFor, type Lan } from '../support/netns.js';
import { linesOf, recordRun, sideBySide, type Recording } from '../support/notify-recording.js';
import { instanceBlock, startNode, vipIn, type NodeKind } from '../support/scenario.js';

const guard = interopGuard();

describe.skipIf(guard.skip)('effective priority: keepalived 2.2.7 vs havipd (track_file FAULT, base-priority reloads)', () => {
  let lan: Lan;
  const dir = scratchDir('hv-prio-diff').path;
  const results: Recording[] = [];
  const callsPath = join(dir, 'calls.txt');
  const fifoOut = join(dir, 'fifo.txt');
  const fifoPath = join(dir, 'notify.fifo');
  const tf = join(dir, 'tf');

  beforeAll(async () => {
    await sweepStaleNetns();
    lan = await createLan();
  });
  afterAll(async () => {
    await destroyAll();
  });

  const config = (priority: number, tracked: boolean): string =>
    [
      'global_defs {',
      '  router_id hv_prio_diff',
      `  vrrp_notify_fifo ${fifoPath}`,
      '}',
      'track_file tf {',
      `  file "${tf}"`,
      '}',
      instanceBlock({
        name: 'VI_1',
        iface: lan.ifA,
        vrid: 73,
        priority,
        extra: ['notify_priority_changes', ...(tracked ? ['track_file {', '  tf weight 10', '}'] : [])],
        vips: [`${vipIn(lan.ipA, 73)}/24`],
      }).join('\n'),
      '',
    ].join('\n');

  const fifoLines = (): string[] => linesOf(fifoOut);
  const waitLine = (line: string, count: number, what: string, timeoutMs = 15_000): Promise<unknown> =>
    waitFor(() => fifoLines().filter((l) => l === line).length >= count, { timeoutMs, intervalMs: 50, what });

  async function scenario(kind: NodeKind): Promise<Recording> {
    for (const p of [callsPath, fifoOut, fifoPath]) rmSync(p, { force: true });
    writeFileSync(callsPath, '');
    writeFileSync(tf, '0\n');
    const rec = await recordRun(kind, { dir, calls: callsPath, fifo: fifoOut }, async (run) => {
      const node = (run.node = await startNode(kind, lan.a, config(150, true)));
      // keepalived recreates its FIFO on reload: the reader reopens the path in a loop.
      run.reader = spawnGroup(['/bin/sh', '-c', `while :; do [ -p ${fifoPath} ] && cat ${fifoPath} >> ${fifoOut}; sleep 0.02; done`]);
      await waitLine('INSTANCE "VI_1" MASTER 150', 1, 'MASTER 150');
      await sleep(500);
      writeFileSync(tf, '-4\n');
      await waitLine('INSTANCE "VI_1" MASTER_PRIORITY 110', 1, 'MASTER_PRIORITY 110');
      await sleep(500);
      writeFileSync(tf, '-30\n');
      await waitFor(() => fifoLines().some((l) => l.startsWith('INSTANCE "VI_1" FAULT')), { timeoutMs: 10_000, intervalMs: 50, what: 'FAULT' });
      await sleep(1000);
      writeFileSync(tf, '1\n');
      await waitLine('INSTANCE "VI_1" MASTER 160', 1, 'MASTER 160 after the FAULT', 15_000);
      await sleep(500);
      writeFileSync(tf, '-2\n');
      await waitLine('INSTANCE "VI_1" MASTER_PRIORITY 130', 1, 'MASTER_PRIORITY 130');
      await sleep(500);
      writeFileSync(join(node.dir, 'keepalived.conf'), config(140, true));
      node.signal('SIGHUP');
      await node.waitForLog(/Changing effective priority from 140 to 120/, { timeoutMs: 10_000 });
      await sleep(1500);
      writeFileSync(join(node.dir, 'keepalived.conf'), config(130, false));
      node.signal('SIGHUP');
      // Nothing is expected from this reload: give it time to say something if it would.
      await sleep(2500);
      await node.stop('SIGTERM');
      await sleep(500);
    });
    results.push(rec);
    return rec;
  }

  const detailLines = (log: string): string[] =>
    log
      .split('\n')
      .map((l) => /\(VI_1\)(?::)? (?:tracked file tf (?:now|leaving) FAULT state|Setting effective priority to \d+|Changing effective priority from \d+ to \d+)/.exec(l)?.[0])
      .filter((l): l is string => l !== undefined);

  it('records keepalived 2.2.7', async () => {
    const ka = await scenario('keepalived');
    expect(ka.fifo).toContain('INSTANCE "VI_1" FAULT 110');
  });

  it('havipd: the same FIFO lines in the same order, and the same priority/FAULT log lines', async () => {
    const hd = await scenario('havipd');
    const ka = results.find((r) => r.kind === 'keepalived');
    expect(ka, 'the keepalived run must have completed').toBeDefined();
    const report = ['FIFO lines:', sideBySide(ka!.fifo, hd.fifo), '', 'log lines:', sideBySide(detailLines(ka!.log), detailLines(hd.log))].join('\n');
    console.log(report);
    expect(hd.fifo, report).toEqual(ka!.fifo);
    expect(detailLines(hd.log), report).toEqual(detailLines(ka!.log));
  });
});
