// The shell of announce-and-verify (issue 11 §3): drives the pure schedule (src/vrrp/verify.ts) with its own
// timer and runs its verify / move commands through the script runner (src/scripts/process.ts: own process
// group, killed at the timeout, output bounded). Nothing here waits on a command: results come back as
// inputs, so a hanging command never delays an advert.

import type { VerifySettings } from '../config-parser/settings.js';
import { VerifySchedule, type VerifyEffect, type VerifyInput, type VerifyView } from '../vrrp/verify.js';
import type { Effect } from '../vrrp/effects.js';
import type { Clock } from '../edges/clock.js';
import { scriptEnv, spawnProcess, type ProcessHandle, type ProcessResult, type Spawner } from '../scripts/process.js';
import { LOG_EVENT } from '../log-events.js';
import type { Micros } from '../net/units.js';

/** What the commands get to know about the instance (HAVIPD_* variables). */
export interface VerifyTarget {
  readonly vips: readonly string[];
  readonly ifname: string;
  readonly mac: string | undefined;
}

export interface VerifyRunnerDeps {
  readonly clock: Clock;
  /** Default: the real one (src/scripts/process.ts). */
  readonly spawn?: Spawner;
  /** The instance's VIPs, interface and MAC now. */
  readonly target: (instance: string) => VerifyTarget | undefined;
  /** Re-send the instance's GARP/NA burst through the core's path. */
  readonly regarp: (instance: string) => void;
  /** Log lines (and events) of the schedule and of the runner. */
  readonly log: (e: Extract<Effect, { kind: 'log' }>) => void;
  /** The environment the commands start from (default: havipd's, without the unsafe variables). */
  readonly env?: NodeJS.ProcessEnv;
}

/** How a command ended, in a few words (`exit 0`, `exit 3`, `timed out (SIGTERM)`, `not started: ENOENT`). */
export function describeResult(r: ProcessResult): string {
  const o = r.outcome;
  switch (o.kind) {
    case 'exited':
      return `exit ${o.code}`;
    case 'signaled':
      return `killed by ${o.signal}`;
    case 'timedOut':
      return `timed out (${o.signal})`;
    case 'spawnError':
      return `not started: ${o.code}`;
  }
}

export class VerifyRunner {
  private readonly schedule = new VerifySchedule();
  private readonly running = new Map<string, { run: number; handle: ProcessHandle }>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly deps: VerifyRunnerDeps) {}

  setSettings(settings: Readonly<Record<string, VerifySettings>>): void {
    this.input({ kind: 'settings', settings });
  }

  /** The instance entered or left MASTER. */
  master(instance: string, master: boolean): void {
    this.input({ kind: 'master', instance, master });
  }

  view(instance: string): VerifyView {
    return this.schedule.view(instance);
  }

  /** Every instance with a verify command, with its view. */
  views(): Record<string, VerifyView> {
    return Object.fromEntries(this.schedule.configured().map((n) => [n, this.schedule.view(n)]));
  }

  /** Kills every running command and stops the timer. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const r of this.running.values()) r.handle.kill();
    this.running.clear();
  }

  private input(i: VerifyInput): void {
    if (this.stopped) return;
    const effects = this.schedule.step(this.deps.clock.now(), i);
    for (const e of effects) this.perform(e);
    this.arm();
  }

  private perform(e: VerifyEffect): void {
    switch (e.kind) {
      case 'log':
        this.deps.log(e);
        return;
      case 'regarp':
        this.deps.log({ kind: 'log', level: 'info', event: LOG_EVENT.verifyRegarp, msg: `(${e.instance}) verify attempt ${e.attempt} failed - sending the GARP/NA burst again`, instance: e.instance, fields: { attempt: e.attempt } });
        this.deps.regarp(e.instance);
        return;
      case 'cancel': {
        const r = this.running.get(e.instance);
        if (r && r.run === e.run) {
          r.handle.kill();
          this.running.delete(e.instance);
        }
        return;
      }
      case 'runVerify':
      case 'runMove':
        this.start(e);
        return;
    }
  }

  private start(e: Extract<VerifyEffect, { kind: 'runVerify' | 'runMove' }>): void {
    const command = e.kind === 'runVerify' ? 'verify' : 'move';
    const t = this.deps.target(e.instance);
    const env: NodeJS.ProcessEnv = {
      ...scriptEnv(this.deps.env ?? process.env),
      HAVIPD_INSTANCE: e.instance,
      HAVIPD_VIP: t?.vips[0] ?? '',
      HAVIPD_VIPS: (t?.vips ?? []).join(' '),
      HAVIPD_INTERFACE: t?.ifname ?? '',
      HAVIPD_MAC: t?.mac ?? '',
      HAVIPD_ATTEMPT: String(e.kind === 'runVerify' ? e.attempt : e.attempts),
    };
    const handle = (this.deps.spawn ?? spawnProcess)({ argv: e.argv, timeoutMs: e.timeoutMs, killGraceMs: 1000, captureBytes: 1024, env });
    this.running.set(e.instance, { run: e.run, handle });
    void handle.done.then((r) => {
      const cur = this.running.get(e.instance);
      if (cur?.handle === handle) this.running.delete(e.instance);
      const detail = describeResult(r);
      if (r.outcome.kind !== 'exited') {
        const out = r.output.trim().slice(0, 200);
        this.deps.log({ kind: 'log', level: 'warn', event: LOG_EVENT.verifyRunError, msg: `(${e.instance}) ${command} command ${e.argv[0]} ${detail}${out ? `: ${out}` : ''}`, instance: e.instance, fields: { command, result: detail } });
      }
      this.input({ kind: 'result', instance: e.instance, run: e.run, command, ok: r.outcome.kind === 'exited' && r.outcome.code === 0, detail });
    });
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const d = this.schedule.nextDeadline();
    if (d === undefined || this.stopped) return;
    const delay = Math.max(0, Math.ceil((d - this.deps.clock.now()) / 1000));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.deps.clock.now() < (d as Micros)) return this.arm();
      this.input({ kind: 'tick' });
    }, delay);
    // Verification alone never keeps the process alive.
    this.timer.unref();
  }
}
