// Operator commands for the VRRP core (issue 10): switchover, maintenance and a GARP burst on demand.
// Pure: the control socket validates a command against a snapshot (`checkCommand`), the core applies it
// in `step(now, { kind: 'command', command })` through the usual transition choke points.
//
// Design (RFC 5798 §6.4.2 / §6.4.3; keepalived 2.2.7 `vrrp_state_backup()` / `vrrp_state_master_rx()`):
//
// - **Handover** (switchover on a MASTER, or maintenance on): exactly what SIGTERM does on the wire — one
//   priority-0 advert, the VIPs removed, BACKUP — so the best backup takes over after its Skew_Time
//   (§6.4.2 "If the Priority in the ADVERTISEMENT is zero, then: Set the Master_Down_Timer to Skew_Time").
//   The VIPs are removed before the backup can claim them: no window with two holders. The instance then
//   *yields*: it accepts adverts of any priority as with `nopreempt`, so a lower-priority peer that took
//   over is not preempted straight back. The yield is bounded by the protocol itself: if no other node
//   becomes master, the Master_Down_Interval runs out and the instance is MASTER again. It ends when the
//   instance is MASTER again (or on the next command).
// - **Takeover** (switchover on a BACKUP): a keepalived master gives up only for an advert it loses to
//   (§6.4.3 "If the Priority in the ADVERTISEMENT is greater than the local Priority … Transition to the
//   Backup state"; an equal priority and a higher address would also do, but a lower one never does). So
//   the instance advertises `max(own, heard master + 1)` (at most 254: a priority-255 owner cannot be
//   preempted and the command is refused) and becomes MASTER at once; the advert goes out before the VIPs
//   are added (the becoming-MASTER order), and the old master removes its VIPs on receiving it. The raised
//   priority is kept while MASTER, so a preempting peer (keepalived's default) does not take the VIP straight
//   back; it is dropped when the instance leaves MASTER.
// - **Sync groups**: a switchover moves whole `vrrp_sync_group`s. Naming one member (or the group, `group`)
//   plans every member: a group with a MASTER member hands over (each MASTER member sends its priority 0 and
//   yields, so the peer's members all take over after their Skew_Time and none is preempted back); otherwise
//   each member takes over with its own takeover priority, all wanting MASTER before any transition so the
//   group's `canGotoMaster` lets them go together. If any member cannot, the whole group is refused: a group
//   never ends split between two nodes by a command. The group follows (`SyncGroup.handle`) only after every
//   member moved, so no member is pulled along without its own priority-0 advert.
// - **Maintenance**: never become MASTER (a timer that runs out re-arms instead) and accept every advert,
//   until `maintenance off`. The runtime persists it and feeds it before `start`, so a node under
//   maintenance never holds the VIP after a restart, not even for one advert.

import { LOG_EVENT } from '../log-events.js';
import type { InstanceCtx, VrrpInstance } from './instance.js';
import type { VrrpState } from './types.js';
import { micros } from '../net/units.js';

/** A command the operator gives (`havipd switchover|maintenance|garp`); `instance` undefined = every instance. */
export type Command =
  /** `group`: a vrrp_sync_group's name (then `instance` is ignored). */
  | { readonly type: 'switchover'; readonly instance: string | undefined; readonly group?: string }
  | { readonly type: 'maintenance'; readonly instance: string | undefined; readonly on: boolean }
  | { readonly type: 'garp'; readonly instance: string | undefined };

/** The operator's hold on one instance (kept across reloads with the instance). */
export interface AdminState {
  /** `maintenance on`: never MASTER, accept every advert. */
  maintenance: boolean;
  /** After a handover: accept every advert (as nopreempt) until MASTER again. */
  yielding: boolean;
  /** After a takeover: the priority advertised while MASTER (undefined = none). */
  boost: number | undefined;
}

export function newAdminState(): AdminState {
  return { maintenance: false, yielding: false, boost: undefined };
}

/** What an instance looks like to `checkCommand` (a subset of `InstanceSnapshot`). */
export interface CommandTarget {
  readonly name: string;
  readonly state: VrrpState;
  readonly effectivePriority: number;
  readonly masterPriority: number | undefined;
  readonly vipSet: boolean;
  readonly maintenance: boolean;
}

/** A vrrp_sync_group as `planCommand` sees it. */
export interface CommandGroup {
  readonly name: string;
  readonly members: readonly string[];
}

/** What a command would do to one instance, or why it cannot. */
export type CommandPlan =
  | { readonly instance: string; readonly action: 'handover' | 'takeover' | 'hold' | 'release' | 'garp' | 'none'; readonly priority?: number; readonly note: string }
  | { readonly instance: string; readonly action: 'refuse'; readonly note: string };

/** Highest priority a non-owner may advertise (RFC 5798 §5.2.4: 255 is the address owner's). */
const MAX_BOOST = 254;

/** The takeover priority against a master heard at `masterPriority`, or undefined when none would win. */
export function takeoverPriority(own: number, masterPriority: number | undefined): number | undefined {
  if (masterPriority === undefined || masterPriority === 0) return own;
  if (own > masterPriority) return own;
  const need = masterPriority + 1;
  return need > MAX_BOOST ? undefined : need;
}

function planOne(c: Command, t: CommandTarget): CommandPlan {
  const name = t.name;
  switch (c.type) {
    case 'garp':
      if (t.state !== 'MASTER' || !t.vipSet) return { instance: name, action: 'none', note: `${t.state}: only a MASTER announces its VIPs` };
      return { instance: name, action: 'garp', note: 'GARP/NA burst queued' };
    case 'maintenance':
      if (!c.on) return t.maintenance ? { instance: name, action: 'release', note: 'maintenance off' } : { instance: name, action: 'none', note: 'not under maintenance' };
      if (t.maintenance) return { instance: name, action: 'none', note: 'already under maintenance' };
      return { instance: name, action: 'hold', note: t.state === 'MASTER' ? 'maintenance on: handing over (priority 0)' : 'maintenance on' };
    case 'switchover':
      if (t.maintenance) return { instance: name, action: 'refuse', note: 'under maintenance (run "havipd maintenance off" first)' };
      if (t.state === 'MASTER') return { instance: name, action: 'handover', note: 'handing over: priority-0 advert sent, now BACKUP' };
      if (t.state !== 'BACKUP') return { instance: name, action: 'refuse', note: `in ${t.state} state: cannot take over` };
      {
        const p = takeoverPriority(t.effectivePriority, t.masterPriority);
        if (p === undefined) return { instance: name, action: 'refuse', note: `the master advertises priority ${t.masterPriority ?? '?'}; no priority up to ${MAX_BOOST} preempts it` };
        return { instance: name, action: 'takeover', priority: p, note: `taking over with priority ${p}` };
      }
  }
}

/**
 * What `command` does to each instance it names, computed from their current views; an unknown instance
 * (or group) name gives one `refuse` for that name. A switchover takes in the whole sync group of every
 * instance it names (see the file comment). The core applies exactly these plans (`applyCommand`).
 */
export function planCommand(command: Command, targets: readonly CommandTarget[], groups: readonly CommandGroup[] = []): CommandPlan[] {
  let named: readonly CommandTarget[];
  if (command.type === 'switchover' && command.group !== undefined) {
    const g = groups.find((x) => x.name === command.group);
    if (!g) return [{ instance: command.group, action: 'refuse', note: `no vrrp_sync_group named '${command.group}'` }];
    named = targets.filter((t) => g.members.includes(t.name));
  } else if (command.instance !== undefined) {
    const t = targets.find((x) => x.name === command.instance);
    if (!t) return [{ instance: command.instance, action: 'refuse', note: `no instance named '${command.instance}'` }];
    named = [t];
  } else named = targets;
  if (command.type !== 'switchover') return named.map((t) => planOne(command, t));
  const out: CommandPlan[] = [];
  const done = new Set<string>();
  for (const t of named) {
    if (done.has(t.name)) continue;
    const g = groups.find((x) => x.members.includes(t.name));
    const members = g ? targets.filter((x) => g.members.includes(x.name)) : [t];
    for (const m of members) done.add(m.name);
    out.push(...(g ? planGroupSwitchover(command, g, members) : [planOne(command, t)]));
  }
  return out;
}

/** A switchover of one sync group: all members hand over, or all take over, or the group is refused. */
function planGroupSwitchover(c: Command, g: CommandGroup, members: readonly CommandTarget[]): CommandPlan[] {
  const handover = members.some((m) => m.state === 'MASTER');
  const plans: CommandPlan[] = members.map((m) =>
    handover && m.state !== 'MASTER' ? { instance: m.name, action: 'none', note: `${m.state}: not MASTER` } : planOne(c, m),
  );
  const bad = plans.find((p) => p.action === 'refuse');
  if (bad) {
    return members.map((m) => ({ instance: m.name, action: 'refuse', note: m.name === bad.instance ? `sync group ${g.name}: ${bad.note}` : `sync group ${g.name} moves as one and ${bad.instance} cannot: ${bad.note}` }));
  }
  return plans.map((p) => ({ ...p, note: `${p.note} (sync group ${g.name})` }));
}

/** The command view of a live instance. */
export function commandTarget(i: VrrpInstance): CommandTarget {
  return { name: i.name, state: i.state, effectivePriority: i.effectivePriority, masterPriority: i.masterPriority, vipSet: i.vipSet, maintenance: i.admin.maintenance };
}

/**
 * Apply `command` at `ctx.now` (the core's `command` input). Before `start` only the maintenance hold is
 * recorded (nothing is on the wire yet). Returns the plans applied.
 */
export function applyCommand(
  ctx: InstanceCtx,
  command: Command,
  instances: readonly VrrpInstance[],
  started: boolean,
  groups: readonly CommandGroup[] = [],
): CommandPlan[] {
  const plans = planCommand(command, instances.map(commandTarget), groups);
  const planned: Array<{ plan: CommandPlan; i: VrrpInstance; prev: VrrpState }> = [];
  for (const plan of plans) {
    const i = instances.find((x) => x.name === plan.instance);
    if (!i) continue;
    if (plan.action !== 'refuse' && plan.action !== 'none') {
      i.log(ctx, 'info', LOG_EVENT.commandApplied, `operator command ${command.type}${command.type === 'maintenance' ? (command.on ? ' on' : ' off') : ''}: ${plan.note}`, { command: command.type });
    } else if (plan.action === 'refuse') {
      i.log(ctx, 'warn', LOG_EVENT.commandRefused, `operator command ${command.type} refused: ${plan.note}`, { command: command.type });
    }
    if (!started) {
      if (plan.action === 'hold') {
        i.admin.maintenance = true;
        // Not even an address owner's start-up MASTER: it starts as any BACKUP (leftover VIPs removed).
        i.wantstate = 'BACKUP';
      }
      if (plan.action === 'release') i.admin.maintenance = false;
      continue;
    }
    planned.push({ plan, i, prev: i.state });
  }
  // Takeovers first all want MASTER (with their takeover priority), so a sync group lets its members go.
  for (const { plan, i } of planned) {
    if (plan.action !== 'takeover') continue;
    i.admin.yielding = false;
    if (plan.priority !== undefined && plan.priority !== i.effectivePriority) {
      i.log(ctx, 'info', 'priority.change', `Changing effective priority from ${i.effectivePriority} to ${plan.priority} (switchover)`, { from: i.effectivePriority, to: plan.priority });
      i.admin.boost = plan.priority;
      i.effectivePriority = plan.priority;
    }
    i.wantstate = 'MASTER';
  }
  for (const { plan, i } of planned) {
    switch (plan.action) {
      case 'garp':
        i.sendLinkUpdate(ctx, Math.max(1, i.config.garp.masterRepeat), 'command');
        break;
      case 'hold':
        i.admin.maintenance = true;
        if (i.state === 'MASTER') handover(ctx, i, 'maintenance');
        break;
      case 'release':
        i.admin.maintenance = false;
        i.admin.yielding = false;
        break;
      case 'handover':
        if (i.state === 'MASTER') handover(ctx, i, 'switchover');
        break;
      case 'takeover':
        if (i.state !== 'MASTER' && !i.becomeMaster(ctx, 'switchover')) {
          // A sync group may forbid it (a member is not ready): nothing changed on the wire.
          i.admin.boost = undefined;
          i.setEffectivePriority(ctx);
        }
        break;
      case 'none':
      case 'refuse':
        break;
    }
  }
  // Sync groups follow once every planned member has moved (no member pulled along without its own advert).
  for (const { i, prev } of planned) if (i.state !== prev) i.sync?.handle(prev, i, ctx);
  // A GARP burst changes no state: re-arming the timer here would push a MASTER's next advert up to one
  // advert_int later (each `havipd garp`, and each failed verify attempt, issue 11 §3, delayed an advert).
  for (const { plan, i } of planned) if (plan.action !== 'garp') i.initSands(ctx);
  return plans;
}

/** MASTER → BACKUP with a priority-0 advert (as at SIGTERM), then yield (see the file comment). */
function handover(ctx: InstanceCtx, i: VrrpInstance, reason: 'switchover' | 'maintenance'): void {
  i.admin.yielding = true;
  i.admin.boost = undefined;
  i.wantstate = 'BACKUP';
  // havipd: announce-first — the VIPs stay until the new master's first advert + HANDOVER_GRACE, at most
  // Master_Down_Interval (after which this yielding instance is MASTER again anyway): src/vrrp/healing.ts.
  i.leaveMaster(ctx, true, reason, { until: micros(ctx.now + i.mdi()), awaitingAdvert: true });
  i.setEffectivePriority(ctx);
}

/**
 * After every step while a command's effects last: a yield ends once the instance is MASTER again; a takeover
 * priority ends when it is not MASTER any more (the priority falls back to the configured and tracked one).
 * Returns whether any instance still yields or holds a takeover priority.
 */
export function settleAdmin(ctx: InstanceCtx, instances: readonly VrrpInstance[]): boolean {
  let pending = false;
  // Indexed, since without TurboFan a for-of allocates per element.
  for (let k = 0; k < instances.length; k++) {
    const i = instances[k]!;
    if (i.state === 'MASTER') i.admin.yielding = false;
    else if (i.admin.boost !== undefined) {
      i.admin.boost = undefined;
      i.setEffectivePriority(ctx);
    }
    if (i.admin.yielding || i.admin.boost !== undefined) pending = true;
  }
  return pending;
}
