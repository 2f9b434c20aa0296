// Notifier: effects → notify-script argv and FIFO lines exactly as keepalived 2.2.7 makes them (reference
// §3.13, vrrp_notify.c), plus havipd's ordering/timeout guarantees, with a fake spawner and a fake FIFO.

import { describe, expect, it } from 'vitest';
import type { CommandSpec, FifoSpec, GlobalDefs } from '../../../src/config-parser/types.js';
import type { Effect } from '../../../src/vrrp/effects.js';
import { VrrpCore } from '../../../src/vrrp/core.js';
import { micros } from '../../../src/net/units.js';
import { Notifier, fifoSpecs, type ChildExit, type ChildHandle, type NotifyCommand } from '../../../src/notification/notify.js';
import type { FifoSink } from '../../../src/notification/fifo.js';
import { daemonConfig, instanceConfig, syncGroup } from '../../support/config.js';
import { FakeTimers } from '../../support/fake-timers.js';

const cmd = (raw: string): CommandSpec => ({ raw, argv: raw.split(' ') });

interface FakeChild {
  readonly cmd: NotifyCommand;
  readonly signals: string[];
  exit(code?: number, signal?: string): void;
}

/** Records every spawn; children exit when the test says so (or at once with `autoExit`). */
class FakeSpawner {
  readonly children: FakeChild[] = [];
  readonly events: string[] = [];
  constructor(private readonly autoExit = true) {}
  spawn = (c: NotifyCommand): ChildHandle => {
    let resolve!: (x: ChildExit) => void;
    const exited = new Promise<ChildExit>((r) => (resolve = r));
    let done = false;
    const child: FakeChild = {
      cmd: c,
      signals: [],
      exit: (code = 0, signal?: string) => {
        if (done) return;
        done = true;
        this.events.push(`exit ${c.argv.join(' ')}`);
        resolve({ code, signal: signal ?? null });
      },
    };
    this.children.push(child);
    this.events.push(`start ${c.argv.join(' ')}`);
    if (this.autoExit) queueMicrotask(() => child.exit(0));
    return {
      pid: 1000 + this.children.length,
      exited,
      kill: (sig) => {
        child.signals.push(sig);
        if (sig === 'SIGKILL') child.exit(null as unknown as number, 'SIGKILL');
      },
    };
  };
  get argvs(): string[] {
    return this.children.map((c) => c.cmd.argv.join(' '));
  }
}

class FakeFifo implements FifoSink {
  readonly lines: string[] = [];
  closed = false;
  constructor(readonly path: string) {}
  write(line: string): void {
    this.lines.push(line);
  }
  close(): void {
    this.closed = true;
  }
}

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function setup(opts: { global?: Partial<GlobalDefs>; instances?: ReturnType<typeof instanceConfig>[]; syncGroups?: ReturnType<typeof syncGroup>[]; autoExit?: boolean; timeoutMs?: number; stopWaitMs?: number } = {}) {
  const config = daemonConfig({
    global: { vrrpNotifyFifo: { path: '/run/ka.fifo' }, ...opts.global },
    instances: opts.instances ?? [instanceConfig({ name: 'VI_1', priority: 150, notify: { generic: cmd('/tmp/notify.sh A') } })],
    syncGroups: opts.syncGroups,
  });
  const sp = new FakeSpawner(opts.autoExit ?? true);
  const fifos: FakeFifo[] = [];
  const opened: string[] = [];
  const timers = new FakeTimers();
  const n = new Notifier(config, {
    log: silent,
    timers,
    spawn: sp.spawn,
    openFifo: (spec: FifoSpec, beforeOpen) => {
      beforeOpen();
      opened.push(spec.path);
      const f = new FakeFifo(spec.path);
      fifos.push(f);
      return f;
    },
    scriptTimeoutMs: opts.timeoutMs,
    killGraceMs: 50,
    stopWaitMs: opts.stopWaitMs,
  });
  n.start();
  return { n, sp, fifos, opened, config, timers };
}

const tr = (instance: string, from: string, to: string, priority: number, o: Partial<Extract<Effect, { kind: 'transition' }>> = {}): Effect =>
  ({ kind: 'transition', instance, vrid: 51, from, to, reason: 'startup', priority, group: undefined, notify: true, ...o }) as Effect;
const gtr = (group: string, from: string, to: string, members: string[]): Effect => ({ kind: 'groupTransition', group, from, to, members }) as Effect;

describe('Notifier: keepalived 2.2.7 calls and FIFO lines', () => {
  it('generic notify gets INSTANCE NAME STATE PRIORITY; FIFO lines carry the effective priority (measured sequence)', async () => {
    const { n, sp, fifos } = setup();
    n.handle(tr('VI_1', 'INIT', 'BACKUP', 150));
    n.handle(tr('VI_1', 'BACKUP', 'MASTER', 150));
    n.handle(tr('VI_1', 'MASTER', 'STOP', 150, { reason: 'shutdown' }));
    await n.close();
    expect(sp.argvs).toEqual(['/tmp/notify.sh A INSTANCE VI_1 BACKUP 150', '/tmp/notify.sh A INSTANCE VI_1 MASTER 150', '/tmp/notify.sh A INSTANCE VI_1 STOP 150']);
    expect(fifos[0]!.lines).toEqual(['INSTANCE "VI_1" BACKUP 150\n', 'INSTANCE "VI_1" MASTER 150\n', 'INSTANCE "VI_1" STOP 150\n']);
    expect(fifos[0]!.closed).toBe(true);
  });

  it('state script first (its own args only), then generic; fault/stop/backup each pick their script', async () => {
    const notify = { master: cmd('/s/master.sh m1'), backup: cmd('/s/backup.sh'), fault: cmd('/s/fault.sh f'), stop: cmd('/s/stop.sh'), generic: cmd('/s/g.sh') };
    const { n, sp } = setup({ instances: [instanceConfig({ name: 'VI_1', notify })] });
    n.handle(tr('VI_1', 'INIT', 'BACKUP', 100));
    n.handle(tr('VI_1', 'BACKUP', 'MASTER', 100));
    n.handle(tr('VI_1', 'MASTER', 'FAULT', 90));
    n.handle(tr('VI_1', 'FAULT', 'STOP', 90));
    await n.close();
    expect(sp.argvs).toEqual([
      '/s/backup.sh',
      '/s/g.sh INSTANCE VI_1 BACKUP 100',
      '/s/master.sh m1',
      '/s/g.sh INSTANCE VI_1 MASTER 100',
      '/s/fault.sh f',
      '/s/g.sh INSTANCE VI_1 FAULT 90',
      '/s/stop.sh',
      '/s/g.sh INSTANCE VI_1 STOP 90',
    ]);
  });

  it('transitions with notify=false (already notified through the group, silent FAULT init) run nothing', async () => {
    const { n, sp, fifos } = setup();
    n.handle(tr('VI_1', 'INIT', 'FAULT', 150, { notify: false }));
    await n.idle();
    expect(sp.argvs).toEqual([]);
    expect(fifos[0]!.lines).toEqual([]);
  });

  it('sync group: members first, then GROUP NAME STATE 0 (specific group script, generic, FIFO)', async () => {
    const { n, sp, fifos } = setup({
      instances: [instanceConfig({ name: 'VI_1', priority: 150, notify: { generic: cmd('/n.sh A-VI_1') } }), instanceConfig({ name: 'VI_2', vrid: 52, notify: {} })],
      syncGroups: [syncGroup('SG1', ['VI_1', 'VI_2'], { notify: { master: cmd('/g-master.sh'), generic: cmd('/n.sh A-SG') } })],
    });
    n.handle(tr('VI_1', 'BACKUP', 'MASTER', 150, { group: 'SG1' }));
    n.handle(tr('VI_2', 'BACKUP', 'MASTER', 100, { group: 'SG1' }));
    n.handle(gtr('SG1', 'BACKUP', 'MASTER', ['VI_1', 'VI_2']));
    n.handle(tr('VI_1', 'MASTER', 'STOP', 150, { group: 'SG1' }));
    n.handle(tr('VI_2', 'MASTER', 'STOP', 100, { group: 'SG1' }));
    n.handle(gtr('SG1', 'MASTER', 'STOP', ['VI_1', 'VI_2']));
    await n.close();
    // Start order: member before group; each queue (instance, group) in its own order.
    expect(sp.argvs.slice(0, 2)).toEqual(['/n.sh A-VI_1 INSTANCE VI_1 MASTER 150', '/g-master.sh']);
    expect(sp.argvs.filter((a) => a.includes('VI_1'))).toEqual(['/n.sh A-VI_1 INSTANCE VI_1 MASTER 150', '/n.sh A-VI_1 INSTANCE VI_1 STOP 150']);
    expect(sp.argvs.filter((a) => a.includes('SG') || a.includes('g-master'))).toEqual(['/g-master.sh', '/n.sh A-SG GROUP SG1 MASTER 0', '/n.sh A-SG GROUP SG1 STOP 0']);
    expect(fifos[0]!.lines).toEqual([
      'INSTANCE "VI_1" MASTER 150\n',
      'INSTANCE "VI_2" MASTER 100\n',
      'GROUP "SG1" MASTER 0\n',
      'INSTANCE "VI_1" STOP 150\n',
      'INSTANCE "VI_2" STOP 100\n',
      'GROUP "SG1" STOP 0\n',
    ]);
    const g = sp.children.find((c) => c.cmd.argv[0] === '/g-master.sh')!;
    expect(g.cmd.env).toMatchObject({ HAVIPD_GROUP: 'SG1', HAVIPD_STATE: 'MASTER', HAVIPD_PREVIOUS_STATE: 'BACKUP', HAVIPD_MEMBERS: 'VI_1 VI_2' });
  });

  it('notify_master_rx_lower_pri runs with no extra args; FIFO MASTER_RX_LOWER_PRI with the effective priority', async () => {
    const { n, sp, fifos } = setup({ instances: [instanceConfig({ name: 'VI_1', notify: { masterRxLowerPri: cmd('/rx.sh a b'), generic: cmd('/g.sh') } })] });
    n.handle({ kind: 'masterRxLowerPri', instance: 'VI_1', priority: 150 });
    await n.close();
    expect(sp.argvs).toEqual(['/rx.sh a b']);
    expect(fifos[0]!.lines).toEqual(['INSTANCE "VI_1" MASTER_RX_LOWER_PRI 150\n']);
  });

  it('havipd split-brain re-announcement: notify_master and the generic script again with HAVIPD_REANNOUNCE=1, no FIFO line; nothing when rerun_notify_master is off', async () => {
    const { n, sp, fifos } = setup({ instances: [instanceConfig({ name: 'VI_1', notify: { master: cmd('/m.sh x'), backup: cmd('/b.sh'), generic: cmd('/g.sh') } })] });
    n.handle({ kind: 'reannounce', instance: 'VI_1', vrid: 51, peer: '10.0.0.2', peerPriority: 100, priority: 150, group: undefined, rerunNotifyMaster: true });
    n.handle({ kind: 'reannounce', instance: 'VI_1', vrid: 51, peer: '10.0.0.2', peerPriority: 100, priority: 150, group: undefined, rerunNotifyMaster: false });
    await n.close();
    expect(sp.argvs).toEqual(['/m.sh x', '/g.sh INSTANCE VI_1 MASTER 150']);
    for (const c of sp.children) {
      expect(c.cmd.env).toEqual({ HAVIPD_INSTANCE: 'VI_1', HAVIPD_STATE: 'MASTER', HAVIPD_PREVIOUS_STATE: 'MASTER', HAVIPD_PRIORITY: '150', HAVIPD_REANNOUNCE: '1', HAVIPD_EVENT: 'REANNOUNCE', HAVIPD_PEER: '10.0.0.2' });
    }
    expect(fifos[0]!.lines).toEqual([]);
  });

  it('priority changes: MASTER_PRIORITY / BACKUP_PRIORITY (FAULT counts as BACKUP) with the new priority, only when enabled', async () => {
    const { n, sp, fifos } = setup();
    n.handle({ kind: 'priorityChange', instance: 'VI_1', from: 150, to: 90, state: 'MASTER', notify: true });
    n.handle({ kind: 'priorityChange', instance: 'VI_1', from: 90, to: 60, state: 'BACKUP', notify: true });
    n.handle({ kind: 'priorityChange', instance: 'VI_1', from: 60, to: 50, state: 'FAULT', notify: true });
    n.handle({ kind: 'priorityChange', instance: 'VI_1', from: 50, to: 40, state: 'MASTER', notify: false });
    await n.close();
    expect(sp.argvs).toEqual([]);
    expect(fifos[0]!.lines).toEqual(['INSTANCE "VI_1" MASTER_PRIORITY 90\n', 'INSTANCE "VI_1" BACKUP_PRIORITY 60\n', 'INSTANCE "VI_1" BACKUP_PRIORITY 50\n']);
  });

  it('removed at reload: reported FAULT without notify_deleted (generic only: no notify_fault, as 2.2.7); DELETED with its script', async () => {
    const a = setup({ instances: [instanceConfig({ name: 'VI_1', notify: { fault: cmd('/f.sh'), generic: cmd('/g.sh') } })] });
    a.n.handle(tr('VI_1', 'BACKUP', 'FAULT', 100, { reason: 'reload-removed' }));
    await a.n.close();
    expect(a.sp.argvs).toEqual(['/g.sh INSTANCE VI_1 FAULT 100']);
    expect(a.fifos[0]!.lines).toEqual(['INSTANCE "VI_1" FAULT 100\n']);
    const b = setup({ instances: [instanceConfig({ name: 'VI_1', notify: { fault: cmd('/f.sh'), deleted: { command: cmd('/d.sh x') }, generic: cmd('/g.sh') } })] });
    b.n.handle(tr('VI_1', 'BACKUP', 'DELETED', 100));
    await b.n.close();
    expect(b.sp.argvs).toEqual(['/d.sh x', '/g.sh INSTANCE VI_1 DELETED 100']);
    expect(b.fifos[0]!.lines).toEqual(['INSTANCE "VI_1" DELETED 100\n']);
  });

  it('both FIFOs: notify_fifo gets each line first, then vrrp_notify_fifo; the same path twice is one FIFO', async () => {
    const two = setup({ global: { notifyFifo: { path: '/run/all.fifo' }, vrrpNotifyFifo: { path: '/run/vrrp.fifo' } } });
    expect(two.opened).toEqual(['/run/all.fifo', '/run/vrrp.fifo']);
    two.n.handle(tr('VI_1', 'INIT', 'BACKUP', 150));
    expect(two.fifos.map((f) => f.lines)).toEqual([['INSTANCE "VI_1" BACKUP 150\n'], ['INSTANCE "VI_1" BACKUP 150\n']]);
    await two.n.close();
    const same = setup({ global: { notifyFifo: { path: '/run/x.fifo' }, notifyFifoScript: cmd('/r.sh'), vrrpNotifyFifo: { path: '/run/x.fifo' }, vrrpNotifyFifoScript: cmd('/v.sh') } });
    expect(same.opened).toEqual(['/run/x.fifo']);
    expect(fifoSpecs(same.config).map((f) => f.script?.raw)).toEqual(['/r.sh']);
    await same.n.close();
  });

  it('FIFO scripts start once with the path appended, and get SIGTERM at close (after the STOP lines)', async () => {
    const { n, sp, fifos } = setup({ autoExit: false, global: { vrrpNotifyFifo: { path: '/run/v.fifo' }, vrrpNotifyFifoScript: cmd('/reader.sh -q') } });
    expect(sp.argvs).toEqual(['/reader.sh -q /run/v.fifo']);
    n.handle(tr('VI_1', 'MASTER', 'STOP', 150));
    sp.children[1]!.exit(0);
    await n.close();
    expect(fifos[0]!.lines).toEqual(['INSTANCE "VI_1" STOP 150\n']);
    expect(sp.children[0]!.signals).toEqual(['SIGTERM']);
  });

  it('no FIFO configured: scripts still run, nothing is written', async () => {
    const { n, sp, fifos } = setup({ global: { vrrpNotifyFifo: undefined } });
    n.handle(tr('VI_1', 'INIT', 'BACKUP', 150));
    await n.close();
    expect(fifos).toEqual([]);
    expect(sp.argvs).toEqual(['/tmp/notify.sh A INSTANCE VI_1 BACKUP 150']);
  });

  it("a 'notify' effect (FAULT → FAULT on a first own fault) notifies like a transition", async () => {
    const { n, sp, fifos } = setup({ instances: [instanceConfig({ name: 'VI_1', notify: { fault: cmd('/f.sh'), generic: cmd('/g.sh') } })] });
    n.handle({ kind: 'notify', instance: 'VI_1', vrid: 51, state: 'FAULT', reason: 'fault', priority: 100, group: undefined });
    await n.close();
    expect(sp.argvs).toEqual(['/f.sh', '/g.sh INSTANCE VI_1 FAULT 100']);
    expect(fifos[0]!.lines).toEqual(['INSTANCE "VI_1" FAULT 100\n']);
    expect(sp.children[0]!.cmd.env).toMatchObject({ HAVIPD_STATE: 'FAULT', HAVIPD_PREVIOUS_STATE: 'FAULT' });
  });

  it('HAVIPD_* environment for instance scripts', async () => {
    const { n, sp } = setup();
    n.handle(tr('VI_1', 'BACKUP', 'MASTER', 150));
    await n.close();
    expect(sp.children[0]!.cmd.env).toEqual({ HAVIPD_INSTANCE: 'VI_1', HAVIPD_STATE: 'MASTER', HAVIPD_PREVIOUS_STATE: 'BACKUP', HAVIPD_PRIORITY: '150' });
  });

});

describe('Notifier: ordering, timeouts, shutdown (better than keepalived #584/#996)', () => {
  it("one instance's scripts run one at a time in order; other instances are not held up", async () => {
    const { n, sp, timers } = setup({
      autoExit: false,
      instances: [instanceConfig({ name: 'VI_1', notify: { master: cmd('/m.sh'), generic: cmd('/g.sh') } }), instanceConfig({ name: 'VI_2', vrid: 52, notify: { generic: cmd('/g2.sh') } })],
    });
    n.handle(tr('VI_1', 'BACKUP', 'MASTER', 100));
    n.handle(tr('VI_1', 'MASTER', 'BACKUP', 100));
    n.handle(tr('VI_2', 'BACKUP', 'MASTER', 100));
    await timers.advance(10);
    expect(sp.events).toEqual(['start /m.sh', 'start /g2.sh INSTANCE VI_2 MASTER 100']);
    sp.children[0]!.exit(0);
    await timers.advance(10);
    expect(sp.events.slice(2)).toEqual(['exit /m.sh', 'start /g.sh INSTANCE VI_1 MASTER 100']);
    sp.children[2]!.exit(1);
    await timers.advance(10);
    expect(sp.events.slice(4)).toEqual(['exit /g.sh INSTANCE VI_1 MASTER 100', 'start /g.sh INSTANCE VI_1 BACKUP 100']);
    for (const c of sp.children) c.exit(0);
    await n.close();
  });

  it('a script past its timeout gets SIGTERM, then SIGKILL, and the queue moves on', async () => {
    const { n, sp, timers } = setup({ autoExit: false, timeoutMs: 30, instances: [instanceConfig({ name: 'VI_1', notify: { master: cmd('/hang.sh'), generic: cmd('/g.sh') } })] });
    n.handle(tr('VI_1', 'BACKUP', 'MASTER', 100));
    await timers.advance(150);
    expect(sp.children[0]!.signals).toEqual(['SIGTERM', 'SIGKILL']);
    expect(sp.argvs).toEqual(['/hang.sh', '/g.sh INSTANCE VI_1 MASTER 100']);
    sp.children[1]!.exit(0);
    await n.close();
  });

  it('shutdown waits for STOP scripts at most stopWaitMs, then SIGKILLs their process groups and skips the rest', async () => {
    const { n, sp, timers } = setup({ autoExit: false, stopWaitMs: 60, instances: [instanceConfig({ name: 'VI_1', notify: { stop: cmd('/stop.sh'), generic: cmd('/g.sh') } })] });
    n.handle(tr('VI_1', 'MASTER', 'STOP', 100));
    const t0 = timers.now();
    await timers.drive(n.close());
    const took = timers.now() - t0;
    expect(took).toBeGreaterThanOrEqual(55);
    expect(took).toBeLessThan(1000);
    expect(sp.children[0]!.signals).toEqual(['SIGKILL']);
    expect(sp.argvs).toEqual(['/stop.sh']); // the generic STOP never started
  });

  it('shutdown returns at once when the STOP scripts are quick', async () => {
    const { n, timers } = setup({ stopWaitMs: 5000 });
    n.handle(tr('VI_1', 'MASTER', 'STOP', 150));
    const t0 = timers.now();
    await timers.drive(n.close());
    expect(timers.now() - t0).toBeLessThan(1000);
  });
});

describe('Notifier: reload', () => {
  it('new scripts apply after reload; removed instances use their old scripts; unchanged FIFO stays open', async () => {
    const { n, sp, fifos, config } = setup({ instances: [instanceConfig({ name: 'VI_1', notify: { generic: cmd('/old.sh') } }), instanceConfig({ name: 'VI_9', vrid: 59, notify: { deleted: { command: cmd('/gone.sh') } } })] });
    const next = { ...config, instances: [instanceConfig({ name: 'VI_1', notify: { generic: cmd('/new.sh') } })] };
    n.reload(next);
    n.handle(tr('VI_9', 'BACKUP', 'DELETED', 100));
    n.handle(tr('VI_1', 'BACKUP', 'MASTER', 100));
    n.afterReload({ started: true, stopped: false, instances: [{ name: 'VI_1', state: 'MASTER', effectivePriority: 100 } as never], groups: [], unknownVrid: 0 });
    await n.close();
    expect(sp.argvs).toEqual(['/gone.sh', '/new.sh INSTANCE VI_1 MASTER 100']);
    expect(fifos).toHaveLength(1);
    expect(fifos[0]!.lines).toEqual(['INSTANCE "VI_9" DELETED 100\n', 'INSTANCE "VI_1" MASTER 100\n']);
  });

  it('fifo_write_vrrp_states_on_reload: removed first, then groups, then instances in order; kept MASTERs are not re-written (keepalived 2.2.7)', async () => {
    const { n, fifos, config } = setup({ global: { fifoWriteVrrpStatesOnReload: true } });
    n.reload(config);
    n.handle(tr('VI_2', 'INIT', 'BACKUP', 100)); // a new instance's init notification
    n.handle(tr('VI_9', 'MASTER', 'FAULT', 50, { reason: 'reload-removed' })); // a removed one without notify_deleted (core order: removed first anyway)
    const inst = (name: string, state: string, effectivePriority: number) => ({ name, state, effectivePriority }) as never;
    n.afterReload({
      started: true,
      stopped: false,
      instances: [inst('VI_1', 'BACKUP', 150), inst('VI_2', 'BACKUP', 100), inst('VI_3', 'MASTER', 90), inst('VI_4', 'FAULT', 80)],
      groups: [{ name: 'SG1', state: 'MASTER', members: [] }],
      unknownVrid: 0,
    });
    await n.close();
    expect(fifos[0]!.lines).toEqual([
      'INSTANCE "VI_9" FAULT 50\n',
      'GROUP "SG1" MASTER 0\n',
      'INSTANCE "VI_1" BACKUP 150\n',
      'INSTANCE "VI_2" BACKUP 100\n',
      'INSTANCE "VI_4" FAULT 80\n',
    ]);
  });

  it('a reload that fails before afterReload still delivers its held-back lines at the next reload', async () => {
    const { n, fifos, config } = setup();
    n.reload(config);
    n.handle(tr('VI_1', 'MASTER', 'FAULT', 150, { reason: 'reload-removed' }));
    expect(fifos[0]!.lines).toEqual([]);
    n.reload(config);
    expect(fifos[0]!.lines).toEqual(['INSTANCE "VI_1" FAULT 150\n']);
    await n.close();
  });

  it('without fifo_write_vrrp_states_on_reload nothing is re-written', async () => {
    const { n, fifos, config } = setup();
    n.reload(config);
    n.afterReload({ started: true, stopped: false, instances: [{ name: 'VI_1', state: 'MASTER', effectivePriority: 150 } as never], groups: [], unknownVrid: 0 });
    await n.close();
    expect(fifos[0]!.lines).toEqual([]);
  });

  it('a changed FIFO path closes the old FIFO (SIGTERM to its script) and opens the new one', async () => {
    const { n, sp, fifos, config, opened } = setup({ autoExit: false, global: { vrrpNotifyFifo: { path: '/a.fifo' }, vrrpNotifyFifoScript: cmd('/r.sh') } });
    n.reload({ ...config, global: { ...config.global, vrrpNotifyFifo: { path: '/b.fifo' } } });
    expect(opened).toEqual(['/a.fifo', '/b.fifo']);
    expect(fifos[0]!.closed).toBe(true);
    expect(sp.children[0]!.signals).toEqual(['SIGTERM']);
    expect(sp.argvs).toEqual(['/r.sh /a.fifo', '/r.sh /b.fifo']);
    for (const c of sp.children) c.exit(0);
    await n.close();
  });
});

describe('Notifier over the real core', () => {
  it('start → BACKUP (init, notified) → MASTER → STOP for two instances: keepalived 2.2.7 lines and calls', async () => {
    const { n, sp, fifos, config } = setup({
      instances: [
        instanceConfig({ name: 'VI_1', priority: 150, notify: { generic: cmd('/tmp/notify.sh A') } }),
        instanceConfig({ name: 'VI_6', vrid: 56, priority: 100, notify: { generic: cmd('/tmp/notify.sh A') } }),
      ],
    });
    const core = new VrrpCore(config);
    const run = (effects: readonly Effect[]) => effects.forEach((e) => n.handle(e));
    run(core.step(micros(0), { kind: 'interfaceAddress', ifname: 'eth0', family: 4, address: '10.0.0.1' }));
    run(core.step(micros(0), { kind: 'start' }));
    for (let i = 0; i < 10; i++) {
      const d = core.nextDeadline();
      if (d === undefined || d > 3_700_000) break;
      run(core.step(d, { kind: 'tick' }));
    }
    run(core.step(micros(4_000_000), { kind: 'stop' }));
    await n.close();
    // VI_1 (150) has the shorter Master_Down_Interval (3.414 s < 3.609 s): MASTER first.
    expect(fifos[0]!.lines.join('')).toBe(
      ['INSTANCE "VI_1" BACKUP 150', 'INSTANCE "VI_6" BACKUP 100', 'INSTANCE "VI_1" MASTER 150', 'INSTANCE "VI_6" MASTER 100', 'INSTANCE "VI_1" STOP 150', 'INSTANCE "VI_6" STOP 100', ''].join('\n'),
    );
    expect(sp.argvs.filter((a) => a.includes('VI_1'))).toEqual(['/tmp/notify.sh A INSTANCE VI_1 BACKUP 150', '/tmp/notify.sh A INSTANCE VI_1 MASTER 150', '/tmp/notify.sh A INSTANCE VI_1 STOP 150']);
  });
});
