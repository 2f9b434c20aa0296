// Split-brain healing and the announce-first hand-over (issue 11 §1, §2): the pure decisions. RFC 5798
// §6.4.3 (a Master that receives a lower-priority advert from another Master) and §6.4.2 / §6.4.3 (a
// Master stepping down); none of this is in keepalived 2.2.7, which is why every rule here is `havipd:`.
//
// **Healing.** Two masters exist after a partition (security group or firewall dropping IP protocol 112,
// a cut link) or a start-up race: both hold the VIP and both sent a GARP burst, so clients, switches and
// the cloud point at whichever announced last — often the one that is about to lose. When the paths heal,
// the winner (higher priority, or equal priority and higher address) learns it in one of two ways:
//
// 1. it receives the loser's advert while MASTER (the loser's advert timer fired first), or
// 2. the loser received the winner's advert first and steps down; a havipd loser whose mastership began
//    because its master went silent (`master-no-response`, the only way a second master appears) then
//    sends one last advert at its own priority as it steps down (keepalived's `higher_prio_send_advert`,
//    made the default for that case), which reaches the winner as case 1.
//
// The winner then re-announces: the GARP/NA burst of becoming MASTER (garp_master_repeat, and the
// garp_master_delay burst after it) instead of the lower-priority burst, plus a `reannounce` effect on which
// the shell re-runs notify_master (and the generic notify script) with HAVIPD_REANNOUNCE=1, counts it and
// records it. Rate limit: once per *other-master episode*. An episode starts with the first advert from
// a lower master and lasts while such adverts keep coming less than Master_Down_Interval apart; a stuck
// peer that keeps advertising as MASTER triggers one re-announcement, not one per advert.
//
// **The follow-up.** The other master is still MASTER when this one answers its advert and steps down only
// when one of this one's adverts reaches it (the immediate answer, else the next periodic one), so a GARP it
// sends in between — its own garp_master_delay burst, or one already queued — lands after this one's burst
// and points clients back at it, which then drops the VIP. Its step-down notice would bring keepalived's
// lower-priority burst, but a lossy path that loses the notice leaves clients on the loser until this
// node's next burst (garp_lower_prio_delay, 5 s by default; a soak saw a 4.7 s client gap from exactly this,
// the other master being the one just taken over from). So on a re-announcement, and on the first trailing
// advert of the master just taken over from in a MASTER period, the becoming-MASTER burst goes out once more
// `followUpDelay(advert_int)` later: one advert interval (by then the other has had the immediate
// answer and a periodic advert) plus `HANDOVER_GRACE`. Sent only while still MASTER with the VIPs set.
//
// Not a split brain: the trailing advert of the master this node has just taken over from (it preempted
// it, took it over by `havipd switchover`, or it released with priority 0), within Master_Down_Interval of
// becoming MASTER: the becoming-MASTER burst has just told everyone.
//
// **Announce-first hand-over.** A MASTER that leaves for another master — it received a higher-priority
// (or equal-priority, higher-address) advert, or an operator handed over (priority 0, src/vrrp/commands.ts)
// — keeps its VIPs (and virtual routes) on the interface for a short, bounded time after it has heard the
// new master's first advert, because the new master's first advert goes out *before* it adds the VIPs and
// sends its GARP (the becoming-MASTER order). Clients keep reaching the old master until the GARP moves
// them; then the old master removes the VIPs. While held, the instance is BACKUP in every other respect:
// it sends no GARP and no advert and `vipSet` is false. Bounds:
// - after the new master's first advert: `HANDOVER_GRACE` (100 ms; the new master's address add and GARP
//   take a few ms even on a busy 2-core machine);
// - after a priority-0 hand-over with no advert heard yet: the instance's own Master_Down_Interval, the
//   time after which the yielding instance becomes MASTER again anyway (then the VIPs simply stay);
// - a transition to FAULT, a stop or a reload removing the instance removes held VIPs at once.
// The window in which two nodes hold the VIP is at most `HANDOVER_GRACE`, and it only begins once the new
// master has announced itself.

import { micros, type Micros } from '../net/units.js';
import type { DaemonConfig, HealingSettings } from '../config-parser/types.js';
import type { TransitionReason } from './effects.js';

/**
 * The healing switches of one instance (the settings file's `[healing]`; both default to on):
 * `reannounce` re-sends the GARP/NA burst when another master is detected (and sends the loser's last
 * advert); `rerunNotifyMaster` re-runs notify_master (and the generic notify script) with
 * HAVIPD_REANNOUNCE=1 on a re-announcement.
 */
export type HealingSwitches = HealingSettings;

export const DEFAULT_HEALING: HealingSwitches = { reannounce: true, rerunNotifyMaster: true };

/** How long an old master keeps its VIPs after the new master's first advert (see the file comment). */
export const HANDOVER_GRACE: Micros = micros(100_000);

/** How long after the advert that brought it the follow-up burst goes out (see the file comment). */
export function followUpDelay(advertInt: Micros): Micros {
  return micros(advertInt + HANDOVER_GRACE);
}

/** Per-instance healing state (kept across reloads with the instance). */
export interface HealState {
  /** When the current MASTER period began (undefined when not MASTER). */
  masterSince: Micros | undefined;
  /** Why it began. */
  masterReason: TransitionReason | undefined;
  /** The master heard last before it began (the node taken over from), if any. */
  tookOverFrom: string | undefined;
  /** The last advert from another, lower MASTER in the current episode. */
  lastOtherMaster: Micros | undefined;
  /** The MASTER period (its `masterSince`) whose taken-over master's trailing advert brought a follow-up. */
  tailFollowUpFor: Micros | undefined;
  /** Re-announcements so far (`havipd_split_brain_heals_total`). */
  heals: number;
  /** The last one: when, and the other master. */
  last: { readonly at: Micros; readonly peer: string; readonly peerPriority: number } | undefined;
}

export function newHealState(): HealState {
  return { masterSince: undefined, masterReason: undefined, tookOverFrom: undefined, lastOtherMaster: undefined, tailFollowUpFor: undefined, heals: 0, last: undefined };
}

/** What a MASTER makes of an advert from another MASTER that it beats. */
export type OtherMasterVerdict =
  /** A new other-master episode: re-announce. */
  | 'heal'
  /** The episode already re-announced (adverts less than Master_Down_Interval apart). */
  | 'episode'
  /** The trailing advert of the master just taken over from: not a split brain. */
  | 'takeover-tail'
  /** Re-announcing is switched off. */
  | 'off';

/**
 * Classifies an advert from `src` that this MASTER beats, received at `now`, and updates the episode.
 * `mdi` is this instance's Master_Down_Interval. Does not check that the advert was valid or lower: the
 * caller (`masterRx`, the §6.4.3 "lower priority" branch) has.
 */
export function otherMaster(s: HealState, src: string, now: Micros, mdi: Micros, switches: HealingSwitches): OtherMasterVerdict {
  if (!switches.reannounce) return 'off';
  if (s.masterSince !== undefined && src === s.tookOverFrom && now - s.masterSince < mdi) return 'takeover-tail';
  const inEpisode = s.lastOtherMaster !== undefined && now - s.lastOtherMaster < mdi;
  s.lastOtherMaster = now;
  return inEpisode ? 'episode' : 'heal';
}

/**
 * Whether an advert classified `verdict` (by `otherMaster`) schedules the follow-up burst (see the file
 * comment): every re-announcement, and the first trailing advert of the master taken over from in a MASTER
 * period (recorded in `s`).
 */
export function followUpDue(s: HealState, verdict: OtherMasterVerdict): boolean {
  if (verdict === 'heal') return true;
  if (verdict !== 'takeover-tail' || s.tailFollowUpFor === s.masterSince) return false;
  s.tailFollowUpFor = s.masterSince;
  return true;
}

/**
 * Whether a MASTER stepping down for `src`'s advert sends one last advert at its own priority (case 2 of
 * the file comment): healing on, and its mastership began because the master went silent.
 */
export function sendsStepDownNotice(s: HealState, switches: HealingSwitches): boolean {
  return switches.reannounce && s.masterReason === 'master-no-response';
}

/** The VIPs a former MASTER still holds (see "Announce-first hand-over"). */
export interface VipHold {
  /** Remove them at this time (the bound). */
  readonly until: Micros;
  /** Still waiting for the new master's first advert (a priority-0 hand-over). */
  readonly awaitingAdvert: boolean;
}

/**
 * The configuration with each instance's healing switches set from the settings file (`healingOf(name)`,
 * src/config-parser/settings.ts `settingsFor(...).healing`); instances whose switches are the defaults
 * are left as they are. Returns `config` itself when nothing changes.
 */
export function withHealing(config: DaemonConfig, healingOf: (instance: string) => HealingSettings): DaemonConfig {
  let changed = false;
  const instances = config.instances.map((i) => {
    const h = healingOf(i.name);
    const cur = i.healing ?? DEFAULT_HEALING;
    if (h.reannounce === cur.reannounce && h.rerunNotifyMaster === cur.rerunNotifyMaster) return i;
    changed = true;
    return { ...i, healing: { reannounce: h.reannounce, rerunNotifyMaster: h.rerunNotifyMaster } };
  });
  return changed ? { ...config, instances } : config;
}
