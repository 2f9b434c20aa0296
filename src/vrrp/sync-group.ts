// vrrp_sync_group: members move together (keepalived 2.2.7 `vrrp_sync.c`, the TSM table in
// `vrrp_scheduler.c`; reference §3.11). Not in the RFCs: RFC 5798 instances are independent.

import type { SyncGroupConfig } from '../config-parser/types.js';
import type { InstanceCtx, VrrpInstance } from './instance.js';
import type { VrrpState } from './types.js';

export class SyncGroup {
  state: VrrpState = 'INIT';
  readonly members: VrrpInstance[] = [];

  constructor(public config: SyncGroupConfig) {}

  get name(): string {
    return this.config.name;
  }

  faultyMembers(): number {
    return this.members.filter((m) => m.faults.length > 0).length;
  }
  initMembers(): number {
    return this.members.filter((m) => m.scriptsInInit > 0).length;
  }

  private log(ctx: InstanceCtx, msg: string, to: VrrpState): void {
    ctx.out.push({ kind: 'log', level: 'info', event: 'group.transition', msg: `VRRP_Group(${this.name}) ${msg}`, fields: { group: this.name, to } });
  }

  private setState(ctx: InstanceCtx, to: VrrpState): void {
    const from = this.state;
    this.state = to;
    ctx.out.push({ kind: 'groupTransition', group: this.name, from, to, members: this.members.map((m) => m.name) });
  }

  /** Group notification at start for a group in BACKUP or FAULT (keepalived `vrrp_init_state()`). */
  announceInitial(ctx: InstanceCtx): void {
    if (this.state === 'BACKUP' || this.state === 'FAULT') {
      ctx.out.push({ kind: 'groupTransition', group: this.name, from: 'INIT', to: this.state, members: this.members.map((m) => m.name) });
    }
  }

  /**
   * keepalived `vrrp_sync_can_goto_master()`: yes if the group is MASTER, or every other member wants
   * MASTER (prefer BACKUP to avoid thrashing). A pure predicate: keepalived also restarts the asking
   * member's down timer when it says no; here each caller does that explicitly (`restartDownTimer`).
   */
  canGotoMaster(v: VrrpInstance): boolean {
    if (this.state === 'MASTER') return true;
    return this.members.every((m) => m === v || m.wantstate === 'MASTER');
  }

  /** keepalived `vrrp_sync_master()`: one member became MASTER, pull the others. */
  syncMaster(v: VrrpInstance, ctx: InstanceCtx): void {
    if (this.state === 'MASTER') return;
    if (!this.canGotoMaster(v)) {
      v.restartDownTimer(ctx);
      return;
    }
    this.log(ctx, 'Syncing instances to MASTER state', 'MASTER');
    for (const m of this.members) {
      if (m !== v && m.state !== 'MASTER') {
        m.wantstate = 'MASTER';
        m.becomeMaster(ctx, 'sync-group');
      }
    }
    this.setState(ctx, 'MASTER');
  }

  /** keepalived `vrrp_sync_backup()`: one member left MASTER (or came up as BACKUP), pull the others. */
  syncBackup(v: VrrpInstance, ctx: InstanceCtx): void {
    if (this.state === 'BACKUP') return;
    this.log(ctx, 'Syncing instances to BACKUP state', 'BACKUP');
    for (const m of this.members) {
      if (m === v || m.state === 'BACKUP') continue;
      m.wantstate = 'BACKUP';
      if (m.state === 'FAULT' || m.state === 'INIT') m.leaveFault(ctx, 'sync-group');
      else m.leaveMaster(ctx, false, 'sync-group');
    }
    this.setState(ctx, 'BACKUP');
  }

  /** keepalived `vrrp_sync_fault()`: one member entered FAULT, the others follow. */
  syncFault(v: VrrpInstance, ctx: InstanceCtx): void {
    if (this.state === 'FAULT') return;
    this.log(ctx, 'Syncing instances to FAULT state', 'FAULT');
    for (const m of this.members) {
      if (m === v || m.state === 'FAULT') continue;
      m.wantstate = 'FAULT';
      if (m.state === 'MASTER') m.leaveMaster(ctx, false, 'sync-group');
      // keepalived-compat: "a bit of a bodge" — 2.2.7 sets the state to FAULT before vrrp_state_leave_fault(),
      // so there is no "Entering FAULT STATE" line; the transition is still reported from the old state.
      // Test: test/unit/vrrp/sync-group.test.ts "sync group FAULT bodge"; test/sim/testdata/sync-group-fault-pull.txt.
      else m.leaveFault(ctx, 'sync-group', { log: 'none' });
    }
    this.setState(ctx, 'FAULT');
  }

  /** The TSM table (`VRRP_TSM_HANDLE`) after a member's event: BACKUP/FAULT/MASTER → MASTER, MASTER → BACKUP. */
  handle(prev: VrrpState, v: VrrpInstance, ctx: InstanceCtx): void {
    if (v.state === 'MASTER' && (prev === 'BACKUP' || prev === 'MASTER' || prev === 'FAULT')) this.syncMaster(v, ctx);
    else if (prev === 'MASTER' && v.state === 'BACKUP') this.syncBackup(v, ctx);
  }
}
