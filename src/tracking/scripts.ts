// The vrrp_script runner (keepalived 2.2.7 vrrp_scheduler.c vrrp_script_thread() /
// vrrp_script_child_thread(), vrrp.c clear_diff_script(); reference §1.9.4, §3.9): every `interval` one run
// of each script, never two at once; exit 0 = success, anything else, a signal or the timeout = failure;
// the rise/fall counter decides the status, and only status changes (and the first result) are fed to
// the core as `{ kind: 'script', name, ok }`. Log lines are keepalived's.

import type { VrrpScriptConfig } from '../config-parser/types.js';
import type { Logger } from '../log.js';
import type { Input } from '../vrrp/effects.js';
import type { ProcessHandle, ProcessOutcome, ProcessResult, Spawner } from '../scripts/process.js';
import { systemTimers, type TimerHandle, type Timers } from '../edges/timers.js';

// ───────────────────────────── rise / fall (pure) ─────────────────────────────

/** keepalived's `init_state`: before the first result, `init_fail` given, or running normally. */
export type ScriptInitState = 'init' | 'failed' | 'done';

export interface RiseFallState {
  /** keepalived's `result` counter r ∈ [0, rise+fall−1]; OK iff r ≥ rise. */
  readonly r: number;
  readonly init: ScriptInitState;
}

export function initialRiseFall(cfg: Pick<VrrpScriptConfig, 'rise' | 'initFail'>): RiseFallState {
  // Initial r = rise−1 so one result decides; `init_fail` ⇒ r = 0 (failed until proven otherwise).
  return cfg.initFail ? { r: 0, init: 'failed' } : { r: cfg.rise - 1, init: 'init' };
}

export const isOk = (s: RiseFallState, rise: number): boolean => s.r >= rise;

/**
 * One result through the counter (vrrp_script_child_thread()). `change` is the new status when the
 * instances must be told (keepalived calls update_script_priorities()), else `undefined`.
 *
 * keepalived-compat: a failure in the init state reports even when r < rise (so the first result
 * decides whatever rise/fall are); with `init_fail` a first failure reports nothing.
 * Test: test/unit/tracking/scripts.test.ts "the first result decides whatever rise and fall are".
 */
export function applyResult(s: RiseFallState, success: boolean, rise: number, fall: number): { state: RiseFallState; change: boolean | undefined } {
  const top = rise + fall - 1;
  let r = s.r;
  let change: boolean | undefined;
  if (success) {
    if (r < rise - 1) r++;
    else if (r !== top) {
      if (r < rise) change = true;
      r = top;
    }
  } else if (r > rise) {
    r--;
  } else {
    if (r === rise || s.init === 'init') change = false;
    r = 0;
  }
  return { state: { r, init: 'done' }, change };
}

/**
 * The counter for a script whose config changed on reload (clear_diff_script()): its status is kept,
 * mapped onto the new rise/fall. `undefined` when the old one had no result yet (start afresh).
 */
export function carryOverRiseFall(old: RiseFallState, oldCfg: Pick<VrrpScriptConfig, 'rise' | 'fall'>, cfg: Pick<VrrpScriptConfig, 'rise' | 'fall'>): RiseFallState | undefined {
  if (old.init === 'init') return undefined;
  if (old.r < oldCfg.rise) {
    const r = old.r === 0 ? 0 : Math.max(0, cfg.rise - (oldCfg.rise - old.r));
    return { r, init: 'done' };
  }
  const top = cfg.rise + cfg.fall - 1;
  const r = old.r === oldCfg.rise + oldCfg.fall - 1 ? top : Math.min(top, cfg.rise + (old.r - oldCfg.rise));
  return { r, init: 'done' };
}

/** keepalived's words for a failed run: `exit type` and `(reason code)`. */
export function describeOutcome(o: ProcessOutcome): { success: boolean; type: string; reason?: string } {
  switch (o.kind) {
    case 'exited':
      return o.code === 0 ? { success: true, type: 'succeeded' } : { success: false, type: 'failed', reason: `exited with status ${o.code}` };
    case 'signaled':
      return { success: false, type: 'failed', reason: `due to signal ${o.signo}` };
    case 'timedOut':
      return { success: false, type: 'timed_out' };
    case 'spawnError':
      // keepalived's child logs the exec error and exits 0 (a success!); havipd counts it as a failure.
      return { success: false, type: 'failed', reason: `cannot be executed: ${o.code}` };
  }
}

// ───────────────────────────── the runner ─────────────────────────────

/** A script ready to run: its config, the checked argv and the identity it runs as. */
export interface PreparedScript {
  readonly config: VrrpScriptConfig;
  readonly argv: readonly string[];
  readonly uid?: number;
  readonly gid?: number;
}

export interface ScriptRunnerDeps {
  readonly spawn: Spawner;
  readonly logger: Logger;
  /** Receives status changes (the Supervisor's `feed`). */
  readonly feed: (input: Extract<Input, { kind: 'script' }>) => void;
  /** Timers for the run interval and the stop grace (tests inject a fake clock). Default Node's. */
  readonly timers?: Timers;
}

/** What a runner leaves for its successor on reload. */
export interface ScriptCarry {
  readonly config: VrrpScriptConfig;
  readonly state: RiseFallState;
  readonly lastStatus: number;
}

interface Slot {
  readonly s: PreparedScript;
  state: RiseFallState;
  lastStatus: number;
  running: ProcessHandle | undefined;
  timer: TimerHandle | undefined;
}

const microsToMs = (us: number): number => Math.max(1, Math.round(us / 1000));

export class ScriptRunner {
  private readonly slots = new Map<string, Slot>();
  private get timers(): Timers {
    return this.deps.timers ?? systemTimers;
  }
  private started = false;
  private stopped = false;

  constructor(
    scripts: readonly PreparedScript[],
    private readonly deps: ScriptRunnerDeps,
    carry: ReadonlyMap<string, ScriptCarry> = new Map(),
  ) {
    for (const s of scripts) {
      const prev = carry.get(s.config.name);
      let state = initialRiseFall(s.config);
      let lastStatus = 0;
      if (prev) {
        const kept = carryOverRiseFall(prev.state, prev.config, s.config);
        if (kept) {
          state = kept;
          lastStatus = prev.lastStatus;
          deps.logger.info({ event: 'script.reload', script: s.config.name }, `VRRP_Script(${s.config.name}) considered ${isOk(kept, s.config.rise) ? 'successful' : 'unsuccessful'} on reload`);
        }
      }
      this.slots.set(s.config.name, { s, state, lastStatus, running: undefined, timer: undefined });
    }
  }

  /** Inputs to feed before the instances start: scripts whose status is known (init_fail, reload). */
  initialInputs(): Array<Extract<Input, { kind: 'script' }>> {
    const out: Array<Extract<Input, { kind: 'script' }>> = [];
    for (const [name, slot] of this.slots) {
      if (slot.state.init !== 'init') out.push({ kind: 'script', name, ok: isOk(slot.state, slot.s.config.rise) });
    }
    return out;
  }

  /** Names of the scripts this runner runs. */
  names(): string[] {
    return [...this.slots.keys()];
  }

  /** The status of each script (for dumps and reload). */
  carry(): Map<string, ScriptCarry> {
    const m = new Map<string, ScriptCarry>();
    for (const [name, slot] of this.slots) m.set(name, { config: slot.s.config, state: slot.state, lastStatus: slot.lastStatus });
    return m;
  }

  /** First run of every script now, then one every `interval`. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    for (const slot of this.slots.values()) this.tick(slot);
  }

  /**
   * Stops the timers and terminates running scripts (SIGTERM to their groups, SIGKILL after
   * `graceMs`); resolves when every child has exited.
   */
  async stop(graceMs = 1000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const waits: Array<Promise<unknown>> = [];
    for (const slot of this.slots.values()) {
      if (slot.timer) this.timers.clearTimeout(slot.timer);
      slot.timer = undefined;
      const h = slot.running;
      if (!h) continue;
      h.terminate();
      const force = this.timers.setTimeout(() => h.kill(), graceMs);
      waits.push(h.done.finally(() => this.timers.clearTimeout(force)));
    }
    await Promise.all(waits);
  }

  private tick(slot: Slot): void {
    if (this.stopped) return;
    const cfg = slot.s.config;
    slot.timer = this.timers.setTimeout(() => this.tick(slot), microsToMs(cfg.interval));
    if (slot.running) {
      // keepalived-compat: keepalived 2.2.7 logs this and still starts a second copy (fixed upstream by
      // returning here); havipd skips the run, as the message says.
      // Test: test/unit/tracking/scripts.test.ts "never runs two copies: a run still going is skipped with keepalived’s message".
      this.deps.logger.info(
        { event: 'script.skip', script: cfg.name },
        `Track script ${cfg.name} is ${slot.running.phase?.() === 'running' || slot.running.phase === undefined ? 'already running' : 'being timed out'}, expect idle - skipping run`,
      );
      return;
    }
    const timeoutUs = cfg.timeout > 0 ? cfg.timeout : cfg.interval;
    let h: ProcessHandle;
    try {
      h = this.deps.spawn({ argv: slot.s.argv, timeoutMs: microsToMs(timeoutUs), ...(slot.s.uid !== undefined ? { uid: slot.s.uid } : {}), ...(slot.s.gid !== undefined ? { gid: slot.s.gid } : {}) });
    } catch (err) {
      this.deps.logger.error({ event: 'script.error', script: cfg.name, err }, `Failed to start track script ${cfg.name}: ${String(err)}`);
      this.result(slot, { outcome: { kind: 'spawnError', code: 'EIO', message: String(err) }, output: '', outputBytes: 0, pid: undefined });
      return;
    }
    slot.running = h;
    void h.done.then((r) => {
      if (slot.running === h) slot.running = undefined;
      this.result(slot, r);
    });
  }

  private result(slot: Slot, r: ProcessResult): void {
    const cfg = slot.s.config;
    const log = this.deps.logger;
    const o = r.outcome;
    if (o.kind === 'exited') {
      if (o.code !== slot.lastStatus) log.info({ event: 'script.status', script: cfg.name, status: o.code }, `Script \`${cfg.name}\` now returning ${o.code}`);
      slot.lastStatus = o.code;
    }
    const d = describeOutcome(o);
    if (!d.success && r.output !== '') {
      log.debug({ event: 'script.output', script: cfg.name, bytes: r.outputBytes }, `VRRP_Script(${cfg.name}) output${r.outputBytes > r.output.length ? ` (first ${r.output.length} of ${r.outputBytes} bytes)` : ''}: ${r.output.trimEnd()}`);
    }
    if (o.kind === 'spawnError') log.warn({ event: 'script.error', script: cfg.name, code: o.code }, `Error exec-ing command '${slot.s.argv[0] ?? ''}': ${o.message}`);
    const { state, change } = applyResult(slot.state, d.success, cfg.rise, cfg.fall);
    slot.state = state;
    if (this.stopped || change === undefined) return;
    const msg = `VRRP_Script(${cfg.name}) ${d.type}${d.reason !== undefined ? ` (${d.reason})` : ''}`;
    log.info({ event: 'script.result', script: cfg.name, ok: change, outcome: o.kind }, msg);
    this.deps.feed({ kind: 'script', name: cfg.name, ok: change });
  }
}
