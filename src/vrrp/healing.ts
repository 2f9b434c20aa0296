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
// **The claim watch.** A partition that drops only VRRP (a security group or nftables rule on protocol 112)
// lets everything else through, ARP included: the other master's GARP burst reaches this node, which keeps
// its own VIP and so sees another host claim it. When the paths heal, a loser that hears this node's advert
// first (keepalived always: it has no step-down notice) steps down without a sound, and clients stay on its
// MAC until their neighbour entry goes stale (a soak measured 6.6 s with keepalived as the loser, 44.5 s
// with keepalived on both sides). So a MASTER that sees an ARP frame with one of its VIPs as sender address
// from another MAC watches that host: half an advert interval after each of its adverts it sends an ARP probe
// for the VIP (sender address 0.0.0.0, RFC 5227 §2.1.1), which a host holding the address answers; a probe
// that no other host answered within `claimAnswerWait(advert_int)` means the other has given the VIP up (a
// loser steps down on one of this node's adverts, so half an interval later it is gone), and this node sends
// its becoming-MASTER burst (GARP reason `claim-released`) so that clients come back. Any frame from
// another host that speaks for the VIP counts as an answer (its own GARP too). Two havipd masters watch
// each other and simply keep probing until the heal, which the rules above handle. Nothing happens while
// the other host keeps the address (the split brain is not over), and nothing where a cloud's SDN answers
// ARP itself (the probe is then answered for ever: one frame per advert interval, no burst). Off with
// `reannounce`.
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
  /** The claim watch in progress (MASTER only; see the file comment). */
  claim: ClaimWatch | undefined;
  /** Claims by another host seen while MASTER (watches started; `havipd_vip_claims_total`). */
  claims: number;
  /** Bursts sent because a claimant stopped answering (`havipd_vip_claim_releases_total`). */
  claimReleases: number;
  /** The last one: when, and the other master. */
  last: { readonly at: Micros; readonly peer: string; readonly peerPriority: number } | undefined;
}

export function newHealState(): HealState {
  return { masterSince: undefined, masterReason: undefined, tookOverFrom: undefined, lastOtherMaster: undefined, tailFollowUpFor: undefined, heals: 0, last: undefined, claim: undefined, claims: 0, claimReleases: 0 };
}

/** Another host's claim on one of this MASTER's VIPs, being watched (see "The claim watch"). */
export interface ClaimWatch {
  readonly ifname: string;
  /** The VIP it claimed (the one probed). */
  readonly vip: string;
  /** The claimant's MAC (the last one heard). */
  mac: string;
  readonly since: Micros;
  /** Another host spoke for the VIP since the last probe went out (or since the claim). */
  answered: boolean;
  /** When the next probe goes out (half an advert interval after an advert); undefined while none is due. */
  probeAt: Micros | undefined;
  /** When the outstanding probe's answer is due; undefined while none is outstanding. */
  checkAt: Micros | undefined;
}

/**
 * How long a probe's answer may take: a quarter of an advert interval, at most 250 ms (the probe goes out
 * half an interval after an advert, so its verdict comes before the next one).
 */
export function claimAnswerWait(advertInt: Micros): Micros {
  return micros(Math.min(Math.floor(advertInt / 4), 250_000));
}

/**
 * A MASTER with its VIPs set saw an ARP frame from `mac` (not its own) with `vip` as sender address on
 * `ifname`. Starts a watch and returns true, or marks the watch in progress answered and returns false.
 */
export function claimSeen(s: HealState, ifname: string, vip: string, mac: string, now: Micros, switches: HealingSwitches): boolean {
  if (!switches.reannounce) return false;
  if (s.claim !== undefined) {
    s.claim.answered = true;
    s.claim.mac = mac;
    return false;
  }
  s.claim = { ifname, vip, mac, since: now, answered: true, probeAt: undefined, checkAt: undefined };
  s.claims++;
  return true;
}

/**
 * At a periodic advert: schedules the next probe half an advert interval later (not at the advert itself:
 * a loser steps down on receiving an advert, and a probe sent with it would still find the VIP on the loser's
 * interface). Returns whether one was scheduled (a deadline moved).
 */
export function claimScheduleProbe(s: HealState, now: Micros, advertInt: Micros): boolean {
  const c = s.claim;
  if (c === undefined || c.probeAt !== undefined || c.checkAt !== undefined) return false;
  c.probeAt = micros(now + Math.floor(advertInt / 2));
  return true;
}

/** The watch's next deadline (a probe to send or an answer due), or undefined. */
export function claimDeadline(s: HealState): Micros | undefined {
  const c = s.claim;
  if (c === undefined) return undefined;
  return c.probeAt ?? c.checkAt;
}

/** What is due at `now`: a probe to send (its answer then due `claimAnswerWait` later), or a verdict. */
export type ClaimDue =
  | { readonly kind: 'probe'; readonly claim: ClaimWatch }
  /** `released`: no answer came (the watch ends; re-announce); `held`: one came (probe again after the next advert). */
  | { readonly kind: 'released' | 'held'; readonly claim: ClaimWatch };

export function claimDue(s: HealState, now: Micros, advertInt: Micros): ClaimDue | undefined {
  const c = s.claim;
  if (c === undefined) return undefined;
  if (c.probeAt !== undefined) {
    if (c.probeAt > now) return undefined;
    c.probeAt = undefined;
    c.answered = false;
    c.checkAt = micros(now + claimAnswerWait(advertInt));
    return { kind: 'probe', claim: c };
  }
  if (c.checkAt === undefined || c.checkAt > now) return undefined;
  c.checkAt = undefined;
  if (c.answered) return { kind: 'held', claim: c };
  s.claim = undefined;
  s.claimReleases++;
  return { kind: 'released', claim: c };
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
 * The claim watch's plan (see the file comment): interface → the IPv4 VIPs (and `virtual_ipaddress_excluded`)
 * that instances with `reannounce` on put there. Interfaces without any are absent.
 */
export function claimWatchPlan(config: DaemonConfig): Map<string, string[]> {
  const plan = new Map<string, string[]>();
  for (const i of config.instances) {
    if (!(i.healing ?? DEFAULT_HEALING).reannounce) continue;
    for (const v of [...i.vips, ...i.excludedVips]) {
      const ifname = v.dev ?? i.interface ?? config.global.defaultInterface;
      if (v.family !== 4 || !ifname) continue;
      const list = plan.get(ifname) ?? [];
      if (!list.includes(v.address)) list.push(v.address);
      plan.set(ifname, list);
    }
  }
  return plan;
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
