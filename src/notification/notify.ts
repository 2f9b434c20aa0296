// Notifications (reference §1.9.2, §1.9.3, §1.9.5, §3.11, §3.13, §3.15; keepalived 2.2.7 `vrrp_notify.c`,
// `lib/notify.c`): turns the core's `transition`, `groupTransition`, `masterRxLowerPri` and `priorityChange`
// effects into exactly the notify-script runs and FIFO lines keepalived makes, in keepalived's order
// (state script, generic script, FIFO line; members before their group).
//
// Better than keepalived (its issues #584, #996): one instance's (or group's) scripts run one at a time, in
// order, each with a timeout, instead of being forked concurrently and finishing out of order; every script
// gets HAVIPD_* variables; FIFO lines are queued instead of dropped when the reader is slow (fifo.ts).

import type { CommandSpec, DaemonConfig, FifoSpec, NotifyConfig } from '../config-parser/types.js';
import type { CoreSnapshot, Effect } from '../vrrp/effects.js';
import { FifoWriter, type FifoSink } from './fifo.js';
import { orderReloadNotifications, type NotificationOwner } from '../vrrp/reload-notify-order.js';
import { killGroup, scriptEnv, spawnProcess } from '../scripts/process.js';
import { systemTimers, type TimerHandle, type Timers } from '../edges/timers.js';
import { scriptIdentity, systemUserDb } from '../scripts/script-security.js';

// ───────────────────────────── spawning ─────────────────────────────

/** One command to run: argv exactly as keepalived passes it, the user to run as, extra environment. */
export interface NotifyCommand {
  readonly argv: readonly string[];
  /** User / group names (`undefined`: the default script user). */
  readonly user?: string;
  readonly group?: string;
  /** Added to the daemon's environment. */
  readonly env: Readonly<Record<string, string>>;
}

export interface ChildExit {
  readonly code: number | null;
  readonly signal: string | null;
  /** Set when the command could not be started at all. */
  readonly error?: string;
}

/** A started command. */
export interface ChildHandle {
  readonly pid: number | undefined;
  /** Resolves once the process has exited (or failed to start); never rejects. */
  readonly exited: Promise<ChildExit>;
  /** Signal the command's whole process group (it runs in its own, like keepalived's `setpgid(0, 0)`). */
  kill(signal: NodeJS.Signals): void;
}

export type NotifySpawn = (cmd: NotifyCommand) => ChildHandle;

/** Minimal logger (pino's `Logger` fits). */
export interface NotifyLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * The real spawner, on the shared process edge (process.ts, keepalived `system_call_script()`): its own
 * process group, the script user's uid/gid, `execve()` for `#!`/ELF files and `/bin/sh -c` otherwise,
 * IFS/LD_PRELOAD/LD_LIBRARY_PATH removed from the environment. `scriptUser` is the global `script_user`.
 */
export function createSpawner(scriptUser: { user: string; group?: string } | undefined): NotifySpawn {
  return (cmd) => {
    const ownUid = process.getuid?.() ?? 0;
    const ownGid = process.getgid?.() ?? 0;
    const id = scriptIdentity(cmd, scriptUser, systemUserDb, { uid: ownUid, gid: ownGid });
    if ('error' in id) return { pid: undefined, exited: Promise.resolve({ code: null, signal: null, error: id.error }), kill: () => undefined };
    const h = spawnProcess({
      argv: cmd.argv,
      env: { ...scriptEnv(), ...cmd.env },
      captureBytes: 0,
      ...(id.uid !== ownUid ? { uid: id.uid } : {}),
      ...(id.gid !== ownGid ? { gid: id.gid } : {}),
    });
    const exited = h.done.then((r): ChildExit => {
      const o = r.outcome;
      if (o.kind === 'exited') return { code: o.code, signal: null };
      if (o.kind === 'spawnError') return { code: null, signal: null, error: `${o.code}: ${o.message}` };
      return { code: null, signal: o.signal };
    });
    let done = false;
    void exited.then(() => (done = true));
    return {
      pid: h.pid,
      exited,
      kill(signal) {
        if (h.pid !== undefined && !done) killGroup(h.pid, signal);
      },
    };
  };
}

// ───────────────────────────── the notifier ─────────────────────────────

export interface NotifierOptions {
  readonly log: NotifyLogger;
  /** Default: {@link createSpawner} with the config's `script_user`. */
  readonly spawn?: NotifySpawn;
  /** Default: {@link FifoWriter.open}. `beforeOpen` must run between creating and opening the FIFO. */
  readonly openFifo?: (spec: FifoSpec, beforeOpen: () => void) => FifoSink;
  /** Per notify script: SIGTERM to its process group after this long (ms). Default 10 000. */
  readonly scriptTimeoutMs?: number;
  /** SIGKILL this long after the SIGTERM of a timed-out script (ms). Default 2 000 (as track scripts). */
  readonly killGraceMs?: number;
  /** At shutdown, how long STOP notifications may run before their process groups are killed. Default 1 000. */
  readonly stopWaitMs?: number;
  /** Timers for the script timeouts and the shutdown wait (tests inject a fake clock). Default Node's. */
  readonly timers?: Timers;
}

type StateWord = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'DELETED' | '{UNKNOWN}';

/** keepalived's word for a state in notify arguments and FIFO lines (`{UNKNOWN}` for INIT, as it does). */
function stateWord(s: string): StateWord {
  return s === 'MASTER' || s === 'BACKUP' || s === 'FAULT' || s === 'STOP' || s === 'DELETED' ? s : '{UNKNOWN}';
}

function stateScript(n: NotifyConfig, s: StateWord): CommandSpec | undefined {
  switch (s) {
    case 'MASTER':
      return n.master;
    case 'BACKUP':
      return n.backup;
    case 'FAULT':
      return n.fault;
    case 'STOP':
      return n.stop;
    case 'DELETED':
      return n.deleted?.command;
    default:
      return undefined;
  }
}

interface FifoEntry {
  readonly spec: FifoSpec;
  readonly script: CommandSpec | undefined;
  sink: FifoSink | undefined;
  reader: ChildHandle | undefined;
}

interface Job {
  readonly key: string;
  readonly cmd: NotifyCommand;
  readonly what: string;
}

/** keepalived's FIFO configuration after `global_defs` completion: the same path twice ⇒ only `notify_fifo`. */
export function fifoSpecs(config: DaemonConfig): Array<{ spec: FifoSpec; script: CommandSpec | undefined; kind: '' | 'vrrp_' }> {
  const g = config.global;
  const out: Array<{ spec: FifoSpec; script: CommandSpec | undefined; kind: '' | 'vrrp_' }> = [];
  if (g.notifyFifo) out.push({ spec: g.notifyFifo, script: g.notifyFifoScript, kind: '' });
  // keepalived-compat: "notify FIFO %s has been specified for global and vrrp FIFO - ignoring vrrp FIFO".
  // Test: test/unit/notification/notify.test.ts "both FIFOs: notify_fifo gets each line first, then vrrp_notify_fifo; the same path twice is one FIFO".
  if (g.vrrpNotifyFifo && g.vrrpNotifyFifo.path !== g.notifyFifo?.path) out.push({ spec: g.vrrpNotifyFifo, script: g.vrrpNotifyFifoScript, kind: 'vrrp_' });
  return out;
}

const sameCmd = (a: CommandSpec | undefined, b: CommandSpec | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.raw === b.raw && a.user === b.user && a.group === b.group && a.argv.join('\0') === b.argv.join('\0'));

/**
 * Runs the notifications of the core's effects; the Supervisor drives it: {@link Notifier.start} before the
 * instances start (it opens the FIFOs and starts the FIFO scripts, as keepalived does before
 * `vrrp_init_state()`), {@link Notifier.handle} for each notification effect, {@link Notifier.close} after
 * the stop (it waits for the STOP notifications, at most `stopWaitMs`, then kills what is left).
 *
 * Ordering guarantees: within one instance (or one group) scripts run one at a time in the order
 * keepalived starts them (state script, then generic); FIFO lines are written synchronously in effect order,
 * so the FIFO sees exactly keepalived's line sequence. Scripts of different instances run concurrently.
 * Not checked here: script security (the parser disables insecure scripts) and whether a script exists
 * (a failed start is logged).
 */
export class Notifier {
  private config: DaemonConfig;
  private instances = new Map<string, NotifyConfig>();
  private groups = new Map<string, NotifyConfig>();
  /** Notify configs of the previous configuration (removed instances are notified with their old scripts). */
  private retired = new Map<string, NotifyConfig>();
  private fifos: FifoEntry[] = [];
  private readonly tails = new Map<string, Promise<void>>();
  private readonly running = new Set<ChildHandle>();
  private readonly spawnFn: NotifySpawn;
  private closing = false;
  private closed = false;
  /**
   * Between `reload()` and `afterReload()`: the FIFO lines of that window, held back so they can be
   * written in keepalived's reload order (`clear_diff_vrrp()` then `vrrp_init_state()`), with their owner.
   */
  private reloadLines: Array<{ readonly owner: NotificationOwner; readonly item: string }> | undefined;

  constructor(
    config: DaemonConfig,
    private readonly opts: NotifierOptions,
  ) {
    this.config = config;
    this.spawnFn = opts.spawn ?? createSpawner(config.global.scriptUser);
    this.index(config);
  }

  private index(config: DaemonConfig): void {
    this.instances = new Map(config.instances.map((i) => [i.name, i.notify]));
    this.groups = new Map(config.syncGroups.map((g) => [g.name, g.notify]));
  }

  /** Opens the FIFOs (creating them, mode 0644) and starts their scripts with the FIFO path appended. */
  start(): void {
    for (const f of fifoSpecs(this.config)) this.fifos.push(this.openFifo(f.spec, f.script, f.kind));
  }

  private openFifo(spec: FifoSpec, script: CommandSpec | undefined, kind: string): FifoEntry {
    const entry: FifoEntry = { spec, script, sink: undefined, reader: undefined };
    const startReader = (): void => {
      if (!script) return;
      // keepalived `fifo_open()`: the script is started after mkfifo and before the open, path appended.
      const h = this.spawnFn({ argv: [...script.argv, spec.path], user: script.user, group: script.group, env: { HAVIPD_FIFO: spec.path } });
      entry.reader = h;
      void h.exited.then((x) => {
        if (entry.reader === h) entry.reader = undefined;
        if (x.error) this.opts.log.error({ event: 'notify.fifo-script', path: spec.path, error: x.error }, `${kind}notify fifo script ${script.raw} could not start: ${x.error}`);
        else if (!this.closing) this.opts.log.info({ event: 'notify.fifo-script', path: spec.path, code: x.code, signal: x.signal }, `${kind}notify fifo script terminated`);
      });
    };
    try {
      entry.sink = this.opts.openFifo ? this.opts.openFifo(spec, startReader) : FifoWriter.open(spec, { log: this.opts.log, ...(this.opts.timers ? { timers: this.opts.timers } : {}) }, startReader, this.fifoOwner(spec));
    } catch (err) {
      this.opts.log.error({ event: 'notify.fifo-open', path: spec.path }, err instanceof Error ? err.message : String(err));
    }
    return entry;
  }

  private fifoOwner(spec: FifoSpec): { uid?: number; gid?: number } | undefined {
    if (spec.user === undefined && spec.group === undefined) return undefined;
    const u = spec.user !== undefined ? systemUserDb.user(spec.user) : undefined;
    const gid = spec.group !== undefined ? systemUserDb.group(spec.group) : u?.gid;
    return { uid: u?.uid, gid };
  }

  private closeFifo(entry: FifoEntry): void {
    entry.sink?.close();
    entry.sink = undefined;
    entry.reader?.kill('SIGTERM');
  }

  /** One notification effect, from the Supervisor's effect switch. Never throws. */
  handle(e: Effect): void {
    if (this.closed) return;
    switch (e.kind) {
      case 'transition':
        if (e.notify) this.instanceNotifies(e.instance, e.from, e.to, e.priority, e.group, e.reason === 'reload-removed');
        return;
      case 'notify':
        // keepalived send_instance_notifies() without a state change (FAULT → FAULT on a first own fault).
        this.instanceNotifies(e.instance, e.state, e.state, e.priority, e.group, e.reason === 'reload-removed');
        return;
      case 'groupTransition': {
        const n = this.groups.get(e.group) ?? this.retired.get(`group:${e.group}`) ?? {};
        const word = stateWord(e.to);
        const env = { HAVIPD_GROUP: e.group, HAVIPD_STATE: word, HAVIPD_PREVIOUS_STATE: e.from, HAVIPD_PRIORITY: '0', HAVIPD_MEMBERS: e.members.join(' ') };
        const key = `g:${e.group}`;
        // keepalived sends no notify_deleted for groups (get_gscript has no DELETED case).
        const specific = word === 'DELETED' ? undefined : stateScript(n, word);
        if (specific) this.enqueue(key, specific, [], env, `group ${word.toLowerCase()} notify`);
        if (n.generic) this.enqueue(key, n.generic, ['GROUP', e.group, word, '0'], env, 'group notify');
        this.fifoLine('GROUP', e.group, word, 0);
        return;
      }
      case 'masterRxLowerPri': {
        const n = this.instances.get(e.instance) ?? {};
        const env = { HAVIPD_INSTANCE: e.instance, HAVIPD_STATE: 'MASTER', HAVIPD_PREVIOUS_STATE: 'MASTER', HAVIPD_PRIORITY: String(e.priority), HAVIPD_EVENT: 'MASTER_RX_LOWER_PRI' };
        if (n.masterRxLowerPri) this.enqueue(`i:${e.instance}`, n.masterRxLowerPri, [], env, 'notify_master_rx_lower_pri');
        this.fifoLine('INSTANCE', e.instance, 'MASTER_RX_LOWER_PRI', e.priority);
        return;
      }
      case 'reannounce': {
        // havipd: split-brain healing (src/vrrp/healing.ts): notify_master and the generic script run
        // again, as for becoming MASTER, with HAVIPD_REANNOUNCE=1 (and the other master in HAVIPD_PEER), so a
        // script that moves the IP by a cloud API puts it right. No FIFO line: the state did not change,
        // and FIFO readers expect one line per transition (havipd events shows the re-announcement).
        if (!e.rerunNotifyMaster) return;
        const n = this.instances.get(e.instance) ?? {};
        const env = {
          HAVIPD_INSTANCE: e.instance,
          HAVIPD_STATE: 'MASTER',
          HAVIPD_PREVIOUS_STATE: 'MASTER',
          HAVIPD_PRIORITY: String(e.priority),
          HAVIPD_REANNOUNCE: '1',
          HAVIPD_EVENT: 'REANNOUNCE',
          HAVIPD_PEER: e.peer,
          ...(e.group ? { HAVIPD_GROUP: e.group } : {}),
        };
        const key = `i:${e.instance}`;
        const specific = stateScript(n, 'MASTER');
        if (specific) this.enqueue(key, specific, [], env, 'master notify (re-announce)');
        if (n.generic) this.enqueue(key, n.generic, ['INSTANCE', e.instance, 'MASTER', String(e.priority)], env, 'notify (re-announce)');
        return;
      }
      case 'priorityChange':
        if (e.notify) this.fifoLine('INSTANCE', e.instance, e.state === 'MASTER' ? 'MASTER_PRIORITY' : 'BACKUP_PRIORITY', e.to);
        return;
      default:
        return;
    }
  }

  /** keepalived `send_instance_notifies()`: state script, generic script with 4 args, FIFO line. */
  private instanceNotifies(instance: string, from: string, to: string, priority: number, group: string | undefined, removed: boolean): void {
    const n = this.instances.get(instance) ?? this.retired.get(instance) ?? {};
    // The core decided DELETED (notify_deleted) or FAULT (without it) for a removed instance.
    const word = stateWord(to);
    const deleted = removed || word === 'DELETED';
    const env = { HAVIPD_INSTANCE: instance, HAVIPD_STATE: word, HAVIPD_PREVIOUS_STATE: from, HAVIPD_PRIORITY: String(priority), ...(group ? { HAVIPD_GROUP: group } : {}) };
    const key = `i:${instance}`;
    // keepalived-compat: the state script of a removed instance is its notify_deleted one, so a removed
    // instance without notify_deleted (reported FAULT) runs no notify_fault (verified with 2.2.7), only the
    // generic script.
    // Test: test/unit/notification/notify.test.ts "removed at reload: reported FAULT without notify_deleted (generic only: no notify_fault, as 2.2.7); DELETED with its script".
    const specific = deleted ? n.deleted?.command : stateScript(n, word);
    if (specific) this.enqueue(key, specific, [], env, `${word.toLowerCase()} notify`);
    if (n.generic) this.enqueue(key, n.generic, ['INSTANCE', instance, word, String(priority)], env, 'notify');
    this.fifoLine('INSTANCE', instance, word, priority);
  }

  /** keepalived `notify_fifo()`: `TYPE "NAME" STATE PRIO\n`, to `notify_fifo` first, then `vrrp_notify_fifo`. */
  private fifoLine(type: 'INSTANCE' | 'GROUP', name: string, state: string, priority: number): void {
    if (this.fifos.length === 0) return;
    const line = `${type} "${name}" ${state} ${priority}\n`;
    if (this.reloadLines) this.reloadLines.push({ owner: { type, name }, item: line });
    else this.writeLine(line);
  }

  private writeLine(line: string): void {
    for (const f of this.fifos) f.sink?.write(line);
  }

  private enqueue(key: string, spec: CommandSpec, extra: readonly string[], env: Readonly<Record<string, string>>, what: string): void {
    const job: Job = { key, cmd: { argv: [...spec.argv, ...extra], user: spec.user, group: spec.group, env }, what };
    // An idle queue starts the script right away, so scripts start in effect order as keepalived forks them.
    const prev = this.tails.get(key);
    const next = prev ? prev.then(() => this.runJob(job)) : this.runJob(job);
    this.tails.set(key, next);
    void next.then(() => {
      if (this.tails.get(key) === next) this.tails.delete(key);
    });
  }

  private async runJob(job: Job): Promise<void> {
    if (this.closed) {
      this.opts.log.warn({ event: 'notify.skipped', key: job.key, argv: job.cmd.argv }, `${job.what} not run: shutting down`);
      return;
    }
    const log = this.opts.log;
    const h = this.spawnFn(job.cmd);
    this.running.add(h);
    log.debug({ event: 'notify.run', argv: job.cmd.argv, pid: h.pid }, `Running ${job.what}: ${job.cmd.argv.join(' ')}`);
    const timeoutMs = this.opts.scriptTimeoutMs ?? 10_000;
    const graceMs = this.opts.killGraceMs ?? 2_000;
    const timers = this.opts.timers ?? systemTimers;
    let term: TimerHandle | undefined;
    let kill: TimerHandle | undefined;
    let cap: TimerHandle | undefined;
    const timedOut = new Promise<'timeout'>((r) => {
      term = timers.setTimeout(() => {
        log.warn({ event: 'notify.timeout', argv: job.cmd.argv, pid: h.pid }, `${job.what} ${job.cmd.argv[0]} timed out after ${timeoutMs} ms: SIGTERM`);
        h.kill('SIGTERM');
        kill = timers.setTimeout(() => {
          h.kill('SIGKILL');
          // An unkillable process must not hold the queue forever.
          cap = timers.setTimeout(() => r('timeout'), graceMs);
        }, graceMs);
      }, timeoutMs);
    });
    try {
      const x = await Promise.race([h.exited, timedOut]);
      if (x === 'timeout') log.error({ event: 'notify.stuck', pid: h.pid }, `${job.what} ${job.cmd.argv[0]} did not exit after SIGKILL`);
      else if (x.error) log.error({ event: 'notify.error', argv: job.cmd.argv, error: x.error }, `Error exec-ing ${job.what} '${job.cmd.argv[0]}': ${x.error}`);
      else if (x.code !== 0) log.info({ event: 'notify.result', argv: job.cmd.argv, code: x.code, signal: x.signal }, `${job.what} ${job.cmd.argv[0]} exited with ${x.signal ?? `status ${x.code}`}`);
    } finally {
      for (const t of [term, kill, cap]) if (t) timers.clearTimeout(t);
      this.running.delete(h);
    }
  }

  /** Resolves when every queued script has finished (tests). */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }

  /**
   * SIGHUP, before the daemon applies `config`: the new scripts apply from now on (removed instances keep
   * their old ones for their FAULT/DELETED notification). FIFOs whose path or script changed are closed
   * (their script SIGTERMed, the FIFO unlinked if we created it) and the new ones opened; unchanged ones stay
   * open with their reader running (keepalived closes and reopens them all; keeping them loses no line).
   */
  reload(config: DaemonConfig): void {
    // A reload that never completed: its held-back lines go out as they came.
    const pending = this.reloadLines ?? [];
    this.reloadLines = undefined;
    for (const p of pending) this.writeLine(p.item);
    const retired = new Map<string, NotifyConfig>();
    for (const [k, v] of this.instances) retired.set(k, v);
    for (const [k, v] of this.groups) retired.set(`group:${k}`, v);
    this.retired = retired;
    this.config = config;
    this.index(config);
    const wanted = fifoSpecs(config);
    const keep: FifoEntry[] = [];
    for (const f of this.fifos) {
      const w = wanted.find((x) => x.spec.path === f.spec.path);
      if (w && f.sink && sameCmd(w.script, f.script) && w.spec.user === f.spec.user && w.spec.group === f.spec.group) keep.push(f);
      else this.closeFifo(f);
    }
    for (const w of wanted) if (!keep.some((f) => f.spec.path === w.spec.path)) keep.push(this.openFifo(w.spec, w.script, w.kind));
    // notify_fifo before vrrp_notify_fifo, as keepalived writes them.
    this.fifos = wanted.map((w) => keep.find((f) => f.spec.path === w.spec.path)!).filter(Boolean);
    this.reloadLines = [];
  }

  /**
   * After the core applied the reload: writes the FIFO lines of the reload in the order the core decides
   * (src/vrrp/reload-notify-order.ts: removed instances, then groups, then instances in configuration
   * order, with `fifo_write_vrrp_states_on_reload` current states where nothing was notified).
   */
  afterReload(snapshot: CoreSnapshot): void {
    const held = this.reloadLines ?? [];
    this.reloadLines = undefined;
    for (const step of orderReloadNotifications(held, snapshot, this.config.global.fifoWriteVrrpStatesOnReload)) {
      if (step.kind === 'held') this.writeLine(step.item);
      else this.writeLine(`${step.type} "${step.name}" ${stateWord(step.state)} ${step.priority}\n`);
    }
  }

  /**
   * Shutdown, after the Supervisor performed the STOP effects: waits at most `stopWaitMs` for the queued scripts, then kills
   * the process groups still running (SIGKILL, keepalived's `child_killed_thread`) and skips what never
   * started; then flushes and closes the FIFOs and SIGTERMs the FIFO scripts (after the STOP lines, so a
   * FIFO-script reader can see them; keepalived SIGTERMs it first).
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const waitMs = this.opts.stopWaitMs ?? 1_000;
    const timers = this.opts.timers ?? systemTimers;
    let timer: TimerHandle | undefined;
    const all = this.idle();
    const expired = await Promise.race([all.then(() => false), new Promise<boolean>((r) => (timer = timers.setTimeout(() => r(true), waitMs)))]);
    if (timer) timers.clearTimeout(timer);
    this.closed = true;
    if (expired) {
      for (const h of this.running) {
        this.opts.log.warn({ event: 'notify.killed', pid: h.pid }, `notify script (pid ${h.pid}) still running at shutdown: SIGKILL`);
        h.kill('SIGKILL');
      }
      await Promise.race([all, new Promise((r) => timers.setTimeout(() => r(undefined), 200))]);
    }
    for (const f of this.fifos) this.closeFifo(f);
    this.fifos = [];
  }
}
