// Announce and verify (issue 11 §3): the pure schedule of an instance's verify and move commands. After an
// instance becomes MASTER its verify command runs, again `interval` after each failure, until it exits 0
// (confirmed) or `deadline` after the transition has passed (unconfirmed: the move command runs, then one
// more verify attempt says whether the move worked). Each failed attempt before the deadline asks for the
// GARP/NA burst again. Leaving MASTER cancels everything. Time is an argument; the shell runs the commands
// (src/runtime/verify-runner.ts) and feeds their results back tagged with the `run` they belong to, so a
// result from an earlier MASTER term is ignored.

import type { VerifySettings } from '../config-parser/settings.js';
import type { Effect } from './effects.js';
import type { Micros } from '../net/units.js';
import { LOG_EVENT } from '../log-events.js';

/** Where an instance's verification stands. `off`: not MASTER or no verify command. */
export type VerifyStatus = 'off' | 'verifying' | 'confirmed' | 'unconfirmed';

export type VerifyInput =
  /** The instance entered (`master` true) or left MASTER. */
  | { readonly kind: 'master'; readonly instance: string; readonly master: boolean }
  /** A command finished; `ok` = exit 0. `detail`: how it ended, for the log. */
  | { readonly kind: 'result'; readonly instance: string; readonly run: number; readonly command: 'verify' | 'move'; readonly ok: boolean; readonly detail: string }
  /** The clock reached `nextDeadline()`. */
  | { readonly kind: 'tick' }
  /** New settings (start-up, reload): instances whose command went away are cancelled. */
  | { readonly kind: 'settings'; readonly settings: Readonly<Record<string, VerifySettings>> };

/**
 * What the shell must do, in order. `run` identifies one MASTER term of one instance; the shell passes it
 * back with the result. `cancel` kills that instance's running command (its process group).
 */
export type VerifyEffect =
  | { readonly kind: 'runVerify'; readonly instance: string; readonly run: number; readonly attempt: number; readonly argv: readonly string[]; readonly timeoutMs: number }
  | { readonly kind: 'runMove'; readonly instance: string; readonly run: number; readonly attempts: number; readonly argv: readonly string[]; readonly timeoutMs: number }
  /** Re-send the instance's GARP/NA burst (after a failed attempt). */
  | { readonly kind: 'regarp'; readonly instance: string; readonly attempt: number }
  | { readonly kind: 'cancel'; readonly instance: string; readonly run: number }
  | Extract<Effect, { kind: 'log' }>;

/** Read-only view for status and metrics. */
export interface VerifyView {
  readonly status: VerifyStatus;
  /** Verify attempts in this MASTER term. */
  readonly attempts: number;
  /** When this term's verification started (core clock), undefined when off. */
  readonly since: Micros | undefined;
  /** When it was confirmed / found unconfirmed. */
  readonly decidedAt: Micros | undefined;
  /** Whether the move command ran in this term, and how it ended. */
  readonly move: 'none' | 'running' | 'ok' | 'failed';
  /** How the last command ended (`exit 1`, `timed out`, …). */
  readonly lastResult: string | undefined;
}

type Phase = 'running' | 'waiting' | 'moving' | 'done';

interface Term {
  run: number;
  phase: Phase;
  status: Exclude<VerifyStatus, 'off'>;
  attempts: number;
  since: Micros;
  decidedAt: Micros | undefined;
  /** When the next attempt starts (phase `waiting`). */
  nextAt: Micros | undefined;
  move: VerifyView['move'];
  lastResult: string | undefined;
}

const ms = (n: number): Micros => (n * 1000) as Micros;

export class VerifySchedule {
  private settings: Readonly<Record<string, VerifySettings>> = {};
  private readonly terms = new Map<string, Term>();
  private runs = 0;

  step(now: Micros, input: VerifyInput): VerifyEffect[] {
    const out: VerifyEffect[] = [];
    switch (input.kind) {
      case 'settings':
        this.settings = input.settings;
        for (const [name, t] of [...this.terms]) if (this.settings[name]?.verify === undefined) this.cancel(out, name, t, 'its verify command was removed');
        break;
      case 'master': {
        const t = this.terms.get(input.instance);
        if (!input.master) {
          if (t) this.cancel(out, input.instance, t, 'left MASTER');
          break;
        }
        const s = this.settings[input.instance];
        if (s?.verify === undefined || t) break;
        const term: Term = { run: ++this.runs, phase: 'waiting', status: 'verifying', attempts: 0, since: now, decidedAt: undefined, nextAt: undefined, move: 'none', lastResult: undefined };
        this.terms.set(input.instance, term);
        this.attempt(out, input.instance, term, s);
        break;
      }
      case 'result':
        this.result(now, out, input);
        break;
      case 'tick':
        for (const [name, t] of this.terms) {
          if (t.phase !== 'waiting' || t.nextAt === undefined || t.nextAt > now) continue;
          const s = this.settings[name];
          if (s?.verify === undefined) continue;
          if (t.status === 'verifying' && now >= t.since + ms(s.deadlineMs)) this.deadline(now, out, name, t, s);
          else this.attempt(out, name, t, s);
        }
        break;
    }
    return out;
  }

  /** The earliest time `tick` has something to do, or undefined. */
  nextDeadline(): Micros | undefined {
    let best: Micros | undefined;
    for (const t of this.terms.values()) if (t.phase === 'waiting' && t.nextAt !== undefined && (best === undefined || t.nextAt < best)) best = t.nextAt;
    return best;
  }

  view(instance: string): VerifyView {
    const t = this.terms.get(instance);
    if (!t) return { status: 'off', attempts: 0, since: undefined, decidedAt: undefined, move: 'none', lastResult: undefined };
    return { status: t.status, attempts: t.attempts, since: t.since, decidedAt: t.decidedAt, move: t.move, lastResult: t.lastResult };
  }

  /** Instances with a verify command configured. */
  configured(): string[] {
    return Object.entries(this.settings).filter(([, s]) => s.verify !== undefined).map(([n]) => n);
  }

  private log(out: VerifyEffect[], level: 'info' | 'warn', event: (typeof LOG_EVENT)[keyof typeof LOG_EVENT], instance: string, msg: string, fields: Record<string, string | number>): void {
    out.push({ kind: 'log', level, event, msg: `(${instance}) ${msg}`, instance, fields });
  }

  private attempt(out: VerifyEffect[], name: string, t: Term, s: VerifySettings): void {
    t.attempts++;
    t.phase = 'running';
    t.nextAt = undefined;
    out.push({ kind: 'runVerify', instance: name, run: t.run, attempt: t.attempts, argv: s.verify!, timeoutMs: s.timeoutMs });
  }

  private cancel(out: VerifyEffect[], name: string, t: Term, why: string): void {
    if (t.phase === 'running' || t.phase === 'moving') out.push({ kind: 'cancel', instance: name, run: t.run });
    if (t.status === 'verifying' || t.phase === 'running' || t.phase === 'moving') this.log(out, 'info', LOG_EVENT.verifyCancelled, name, `VIP verification cancelled: ${why}`, { attempts: t.attempts });
    this.terms.delete(name);
  }

  /** The deadline passed unconfirmed: the move command, if any. */
  private deadline(now: Micros, out: VerifyEffect[], name: string, t: Term, s: VerifySettings): void {
    t.status = 'unconfirmed';
    t.decidedAt = now;
    this.log(out, 'warn', LOG_EVENT.verifyUnconfirmed, name, `VIP not confirmed after ${t.attempts} attempt(s) in ${s.deadlineMs / 1000} s${s.move ? ' - running the move command' : ''}`, { attempts: t.attempts });
    if (s.move === undefined) {
      t.phase = 'done';
      return;
    }
    t.phase = 'moving';
    t.move = 'running';
    out.push({ kind: 'runMove', instance: name, run: t.run, attempts: t.attempts, argv: s.move, timeoutMs: s.moveTimeoutMs });
  }

  private result(now: Micros, out: VerifyEffect[], r: Extract<VerifyInput, { kind: 'result' }>): void {
    const t = this.terms.get(r.instance);
    const s = this.settings[r.instance];
    // A result of an earlier term (the instance left MASTER meanwhile) or of a removed command is stale.
    if (!t || t.run !== r.run || s?.verify === undefined) return;
    t.lastResult = r.detail;
    if (r.command === 'move') {
      if (t.phase !== 'moving') return;
      t.move = r.ok ? 'ok' : 'failed';
      this.log(out, r.ok ? 'info' : 'warn', r.ok ? LOG_EVENT.verifyMoved : LOG_EVENT.verifyMoveFailed, r.instance, `move command ${r.ok ? 'succeeded' : `failed (${r.detail})`}`, { result: r.detail });
      // One more verify attempt tells whether the move worked.
      t.phase = 'waiting';
      t.nextAt = (now + ms(s.intervalMs)) as Micros;
      return;
    }
    if (t.phase !== 'running') return;
    if (r.ok) {
      t.status = 'confirmed';
      t.phase = 'done';
      t.decidedAt = now;
      this.log(out, 'info', LOG_EVENT.verifyConfirmed, r.instance, `VIP confirmed by the verify command (attempt ${t.attempts})`, { attempts: t.attempts });
      return;
    }
    this.log(out, 'info', LOG_EVENT.verifyFailed, r.instance, `verify attempt ${t.attempts} failed (${r.detail})`, { attempt: t.attempts, result: r.detail });
    if (t.status !== 'verifying') {
      // The attempt after the move failed too: unconfirmed for this term.
      t.phase = 'done';
      return;
    }
    const end = (t.since + ms(s.deadlineMs)) as Micros;
    if (now >= end) {
      this.deadline(now, out, r.instance, t, s);
      return;
    }
    out.push({ kind: 'regarp', instance: r.instance, attempt: t.attempts });
    t.phase = 'waiting';
    t.nextAt = Math.min(now + ms(s.intervalMs), end) as Micros;
  }
}
