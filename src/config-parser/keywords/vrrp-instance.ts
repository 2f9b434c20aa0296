// Keyword table of `vrrp_instance NAME { … }` (reference §1.9.3): every keyword keepalived 2.2.7 accepts.
// Values are checked here; cross-field rules (state/priority, strict mode, auth, VIP count) are in resolve.ts.

import { parseAddress, isMulticast, parseTrackItem, parseUnicastPeerItem, parseVipItem, trackProcessItem } from './items.js';
import { notActedOn, optionalBool, readInt, readSecondsUs, setNotify } from './common.js';
import { readCommand } from './common.js';
import { readInteger } from '../values.js';
import type { InstanceDraft } from './state.js';
import type { KeywordTable, KwCtx } from './table.js';
import { plain } from './table.js';
import { authenticationTable, type AuthDraft } from './authentication.js';
import { authHmacTable, openAuthHmac } from './auth-hmac.js';
import { checkRouteItem, checkRuleItem } from './route-rule.js';

type D = InstanceDraft;
const S = (d: D): string => d.name;

function inactive(d: D, ctx: KwCtx, what: string): void {
  const kw = ctx.arg(0)!;
  if (!d.inactive.includes(kw)) d.inactive.push(kw);
  notActedOn(ctx, what, d.name);
}

function addVip(d: D, ctx: KwCtx, excluded: boolean): void {
  const vip = parseVipItem(ctx, d.name, false);
  if (!vip) return;
  if (!excluded) {
    if (d.family === undefined) d.family = vip.family;
    else if (d.family !== vip.family) {
      ctx.report('error', 'family-mismatch', 'GENERAL_ERROR', `${ctx.arg(0)}: the address family must match the instance's (IPv${d.family}, set by its first VIP) - ignored`, { subject: d.name });
      return;
    }
    if (d.vips.some((v) => v.address === vip.address) || d.evips.some((v) => v.address === vip.address && v.dev === vip.dev)) {
      // havipd: follows keepalived 2.3.3+, which refuses a duplicate VIP; 2.2.7 added it twice.
      ctx.report('error', 'duplicate-vip', 'GENERAL_ERROR', `(${d.name}): VIP duplicates a${d.vips.some((v) => v.address === vip.address) ? '' : 'n excluded'} VIP ${ctx.arg(0)} - ignoring`, { subject: d.name });
      return;
    }
    d.vips.push(vip);
  } else {
    if (d.vips.some((v) => v.address === vip.address && v.dev === vip.dev) || d.evips.some((v) => v.family === vip.family && v.address === vip.address && v.dev === vip.dev)) {
      ctx.report('error', 'duplicate-vip', 'GENERAL_ERROR', `(${d.name}): Excluded VIP duplicates a${d.vips.some((v) => v.address === vip.address) ? '' : 'n excluded'} VIP ${ctx.arg(0)} - ignoring`, { subject: d.name });
      return;
    }
    d.evips.push(vip);
  }
}

function setSrcIp(d: D, ctx: KwCtx, unicast: boolean): void {
  const a = parseAddress(ctx.arg(1)!);
  if (!a || a.prefix !== undefined) {
    ctx.report('error', 'invalid-address', 'GENERAL_ERROR', `${ctx.arg(0)} '${ctx.arg(1)}' is not an IP address - ignored`, { tok: 1, subject: d.name });
    return;
  }
  if (d.family !== undefined && d.family !== a.family) {
    ctx.report('error', 'family-mismatch', 'GENERAL_ERROR', `${ctx.arg(0)} ${ctx.arg(1)} is not of the instance's address family (IPv${d.family}) - ignored`, { tok: 1, subject: d.name });
    return;
  }
  if (d.family === undefined) d.family = a.family;
  if (unicast) {
    d.unicastSrcIp = a.address;
    d.unicastConfigured = true;
  } else d.mcastSrcIp = a.address;
}

function garpSeconds(d: D, ctx: KwCtx, key: 'masterDelay' | 'masterRefresh' | 'lowerPrioDelay'): void {
  const r = readInteger(ctx.arg(1)!, 0, 86400, true);
  if (r.value === undefined) ctx.report('error', r.problem!.code, 'GENERAL_ERROR', `${ctx.arg(0)}: ${r.problem!.message} (whole seconds) - ignored`, { tok: 1, subject: d.name });
  else d.garp[key] = r.value * 1_000_000;
}

function garpRepeat(d: D, ctx: KwCtx, key: 'masterRepeat' | 'masterRefreshRepeat' | 'lowerPrioRepeat'): void {
  const r = readInteger(ctx.arg(1)!, 0, 1_000_000, true);
  if (r.value === undefined) {
    ctx.report('error', r.problem!.code, 'GENERAL_ERROR', `${ctx.arg(0)}: ${r.problem!.message} - ignored`, { tok: 1, subject: d.name });
    return;
  }
  if (r.value === 0 && key !== 'lowerPrioRepeat') {
    ctx.report('error', 'repeat-zero', 'GENERAL_ERROR', `${ctx.arg(0)} must be greater than 0; set to 1`, { tok: 1, subject: d.name });
    d.garp[key] = 1;
  } else d.garp[key] = r.value;
}

function boolField(key: 'skipCheckAdvAddr' | 'strict' | 'lowerPrioNoAdvert' | 'higherPrioSendAdvert' | 'notifyPriorityChanges' | 'smtpAlert' | 'v3ChecksumAsV2') {
  return plain<D>((d, ctx) => {
    const b = optionalBool(ctx, d.name);
    if (b !== undefined) d[key] = b;
  });
}

export const vrrpInstanceTable: KeywordTable<D> = {
  state: plain((d, ctx) => {
    const s = ctx.arg(1)!;
    if (s === 'MASTER') d.state = 'MASTER';
    else if (s === 'BACKUP') {
      if (d.state === 'MASTER') ctx.report('error', 'state-already-master', 'GENERAL_ERROR', `state was already set to MASTER - 'BACKUP' ignored`, { tok: 1, subject: d.name });
      else d.state = 'BACKUP';
    } else {
      // keepalived-compat: case-sensitive; anything else is BACKUP with an error.
      // Test: test/unit/config-parser/keywords-vrrp-instance.test.ts "state master (lower case) → BACKUP with an error and a hint".
      const hint = s.toUpperCase() === 'MASTER' || s.toUpperCase() === 'BACKUP' ? `write '${s.toUpperCase()}' in upper case` : undefined;
      ctx.report('error', 'invalid-state', 'GENERAL_ERROR', `unknown state '${s}' (expected MASTER or BACKUP, upper case); using BACKUP`, { tok: 1, subject: d.name, ...(hint ? { hint } : {}) });
      d.state = 'BACKUP';
    }
  }, 1, 'initial state wish'),
  interface: plain((d, ctx) => {
    const name = ctx.arg(1)!;
    if (name.length >= 16) {
      ctx.report('error', 'interface-name-too-long', 'GENERAL_ERROR', `interface name '${name}' is longer than 15 characters - ignored`, { tok: 1, subject: d.name });
      return;
    }
    d.iface = name;
    const host = ctx.env.hostInterfaces;
    if (host && !host.includes(name) && !ctx.env.root.global.dynamicInterfaces) {
      ctx.report('error', 'unknown-interface', 'GENERAL_ERROR', `interface ${name} does not exist on this host (set dynamic_interfaces in global_defs to allow it)`, { tok: 1, subject: d.name });
      d.ifaceMissing = true;
    }
    if (name === 'lo') {
      ctx.report('error', 'loopback-interface', 'GENERAL_ERROR', `the loopback interface cannot be used for VRRP - ignored`, { tok: 1, subject: d.name });
      delete d.iface;
    }
  }, 1),
  virtual_router_id: plain((d, ctx) => {
    const r = readInteger(ctx.arg(1)!, 1, 255, true);
    if (r.value === undefined) ctx.report('error', r.problem!.code, 'GENERAL_ERROR', `virtual_router_id: ${r.problem!.message} - ignored`, { tok: 1, subject: d.name });
    else d.vrid = r.value;
  }, 1),
  priority: plain((d, ctx) => {
    const r = readInteger(ctx.arg(1)!, 1, 255, true);
    if (r.value === undefined) {
      ctx.report('error', r.problem!.code, 'GENERAL_ERROR', `priority: ${r.problem!.message}; using the default 100`, { tok: 1, subject: d.name });
      d.priority = 100;
    } else d.priority = r.value;
  }, 1),
  advert_int: plain((d, ctx) => {
    const v = readSecondsUs(ctx, 10_000, 255_000_000, d.name);
    if (v !== undefined) d.advertInt = v;
  }, 1),
  version: plain((d, ctx) => {
    const r = readInteger(ctx.arg(1)!, 2, 3);
    if (r.value === undefined) {
      ctx.report('error', r.problem!.code, 'GENERAL_ERROR', `version must be 2 or 3 (got '${ctx.arg(1)}') - ignored`, { tok: 1, subject: d.name });
      return;
    }
    if ((d.version !== undefined && d.version !== r.value) || (r.value === 2 && d.family === 6)) {
      ctx.report('error', 'version-conflict', 'GENERAL_ERROR', `version ${r.value} conflicts with the version already configured or deduced (IPv6 needs 3) - ignored`, { tok: 1, subject: d.name });
      return;
    }
    d.version = r.value as 2 | 3;
  }, 1),
  authentication: {
    kind: 'block',
    table: () => authenticationTable,
    open: (d): AuthDraft => ({ instance: d }),
  },
  // keepalived 2.4: the HMAC-SHA256 advert trailer (keywords/auth-hmac.ts).
  auth_hmac: { kind: 'block', table: () => authHmacTable, open: openAuthHmac },
  virtual_ipaddress: { kind: 'values', item: (d, ctx) => addVip(d, ctx, false) },
  virtual_ipaddress_excluded: { kind: 'values', item: (d, ctx) => addVip(d, ctx, true) },
  // Installed when the instance becomes MASTER, removed when it leaves (src/edges/routes.ts).
  virtual_routes: {
    kind: 'values',
    item: (d, ctx) => {
      if (checkRouteItem(ctx, d.name, false)) d.routes.push(ctx.tokens.map((t) => t.text).join(' '));
    },
  },
  virtual_rules: {
    kind: 'values',
    item: (d, ctx) => {
      if (checkRuleItem(ctx, d.name, false)) d.rules.push(ctx.tokens.map((t) => t.text).join(' '));
    },
  },
  unicast_src_ip: plain((d, ctx) => setSrcIp(d, ctx, true), 1),
  mcast_src_ip: plain((d, ctx) => setSrcIp(d, ctx, false), 1),
  unicast_peer: {
    kind: 'values',
    handle: (d) => { d.unicastConfigured = true; },
    item: (d, ctx) => {
      const p = parseUnicastPeerItem(ctx, d.name);
      if (!p) return;
      const fam = p.address.includes(':') ? 6 : 4;
      if (d.family !== undefined && d.family !== fam) {
        ctx.report('error', 'family-mismatch', 'GENERAL_ERROR', `unicast peer ${p.address} is not of the instance's address family (IPv${d.family}) - ignored`, { subject: d.name });
        return;
      }
      // keepalived 2.4.3 sets check_unicast_src for min_ttl/max_ttl before its duplicate check.
      if (p.minTtl !== undefined || p.maxTtl !== undefined) d.checkUnicastSrc = true;
      if (d.unicastPeers.some((q) => q.address === p.address)) {
        // havipd: follows keepalived 2.4.3, which refuses a duplicate peer (an error); 2.2.7 accepted it silently.
        ctx.report('error', 'duplicate-unicast-peer', 'GENERAL_ERROR', `(${d.name}) ${ctx.arg(0)} - duplicate unicast_peer - ignored`, { subject: d.name });
        return;
      }
      d.unicastPeers.push(p);
    },
  },
  unicast_fault_no_peer: plain((d) => { d.unicastFaultNoPeer = true; d.unicastConfigured = true; }),
  check_unicast_src: plain((d) => { d.checkUnicastSrc = true; d.unicastConfigured = true; }),
  old_unicast_checksum: plain((d, ctx) => {
    const v = ctx.arg(1);
    if (v === undefined) d.oldUnicastChecksum = 'always';
    else if (v === 'never') d.oldUnicastChecksum = 'never';
    else ctx.report('error', 'invalid-value', 'GENERAL_ERROR', `unknown old_unicast_checksum mode '${v}' (expected nothing or 'never') - ignored`, { tok: 1, subject: d.name });
  }),
  unicast_ttl: plain((d, ctx) => {
    const r = readInteger(ctx.arg(1)!, 0, 255, true);
    if (r.value === undefined) ctx.report('error', r.problem!.code, 'GENERAL_ERROR', `unicast_ttl: ${r.problem!.message} - ignored`, { tok: 1, subject: d.name });
    else d.unicastTtl = r.value;
  }, 1),
  mcast_dst_ip: plain((d, ctx) => {
    const a = parseAddress(ctx.arg(1)!);
    if (!a || a.prefix !== undefined) {
      ctx.report('error', 'invalid-address', 'GENERAL_ERROR', `mcast_dst_ip '${ctx.arg(1)}' is not an IP address - ignored`, { tok: 1, subject: d.name });
      return;
    }
    if (!isMulticast(a) || (a.family === 6 && !/^ff[0-9a-f]2:/.test(a.address))) {
      ctx.report('error', 'not-multicast', 'GENERAL_ERROR', `mcast_dst_ip ${ctx.arg(1)} is not a ${a.family === 6 ? 'link-local scope ' : ''}multicast address - ignored`, { tok: 1, subject: d.name });
      return;
    }
    d.mcastDstIp = a.address;
  }, 1),
  native_ipv6: plain((d, ctx) => {
    if (d.family === 4) {
      ctx.report('error', 'family-mismatch', 'GENERAL_ERROR', 'native_ipv6 cannot be given with IPv4 addresses - ignored', { subject: d.name });
      return;
    }
    d.family = 6;
    d.version = 3;
  }),
  dont_track_primary: plain((d) => { d.dontTrackPrimary = true; }),
  track_src_ip: plain((d) => { d.trackSrcIp = true; }),
  track_interface: { kind: 'values', item: (d, ctx) => { const t = parseTrackItem(ctx, S(d), 'track_interface', false); if (t) pushTrack(d.trackInterfaces, t, ctx, d.name, 'track_interface'); } },
  track_script: {
    kind: 'values',
    item: (d, ctx) => {
      const t = parseTrackItem(ctx, S(d), 'track_script', true);
      if (!t) return;
      // keepalived-compat: scripts must be defined before the instance that tracks them.
      // Test: test/unit/config-parser/keepalived-compat.test.ts "a vrrp_script defined after the instance that tracks it is not found: reported, not tracked".
      if (!ctx.env.root.scripts.has(t.name)) {
        ctx.report('error', 'unknown-track-script', 'GENERAL_ERROR', `track script ${t.name} is not defined (a vrrp_script must come before the instance that tracks it) - ignored`, { subject: d.name });
        return;
      }
      pushTrack(d.trackScripts, t, ctx, d.name, 'track_script');
    },
  },
  track_file: {
    kind: 'values',
    item: (d, ctx) => {
      const t = parseTrackItem(ctx, S(d), 'track_file', true);
      if (!t) return;
      if (!ctx.env.root.trackFiles.has(t.name)) {
        ctx.report('error', 'unknown-track-file', 'GENERAL_ERROR', `track file ${t.name} is not defined (a track_file block must come before the instance that tracks it) - ignored`, { subject: d.name });
        return;
      }
      pushTrack(d.trackFiles, t, ctx, d.name, 'track_file');
    },
  },
  track_process: {
    kind: 'values',
    item: (d, ctx) => {
      const t = trackProcessItem(ctx, d.name, 'instance');
      if (t) pushTrack(d.trackProcesses, t, ctx, d.name, 'track_process');
    },
  },
  track_bfd: { kind: 'values', item: (d, ctx) => inactive(d, ctx, 'BFD tracking') },
  notify_master: plain((d, ctx) => setNotify(d.notify, 'master', ctx, d.name), 1),
  notify_backup: plain((d, ctx) => setNotify(d.notify, 'backup', ctx, d.name), 1),
  notify_fault: plain((d, ctx) => setNotify(d.notify, 'fault', ctx, d.name), 1),
  notify_stop: plain((d, ctx) => setNotify(d.notify, 'stop', ctx, d.name), 1),
  notify: plain((d, ctx) => setNotify(d.notify, 'generic', ctx, d.name), 1),
  notify_master_rx_lower_pri: plain((d, ctx) => setNotify(d.notify, 'masterRxLowerPri', ctx, d.name), 1),
  notify_deleted: plain((d, ctx) => {
    if (d.notify.deleted !== undefined) {
      ctx.report('error', 'duplicate-notify', 'GENERAL_ERROR', `notify_deleted is already set - ignored`, { subject: d.name });
      return;
    }
    d.notify.deleted = ctx.arg(1) !== undefined ? { command: readCommand(ctx) } : {};
  }),
  smtp_alert: boolField('smtpAlert'),
  notify_priority_changes: boolField('notifyPriorityChanges'),
  nopreempt: plain((d) => { d.nopreempt = true; }),
  preempt: plain((d) => { d.nopreempt = false; }),
  preempt_delay: plain((d, ctx) => {
    const v = readSecondsUs(ctx, 0, 1000_000_000, d.name);
    d.preemptDelay = v ?? 0;
  }, 1),
  garp_master_delay: plain((d, ctx) => garpSeconds(d, ctx, 'masterDelay'), 1),
  garp_master_refresh: plain((d, ctx) => garpSeconds(d, ctx, 'masterRefresh'), 1),
  garp_master_repeat: plain((d, ctx) => garpRepeat(d, ctx, 'masterRepeat'), 1),
  garp_master_refresh_repeat: plain((d, ctx) => garpRepeat(d, ctx, 'masterRefreshRepeat'), 1),
  garp_lower_prio_delay: plain((d, ctx) => garpSeconds(d, ctx, 'lowerPrioDelay'), 1),
  garp_lower_prio_repeat: plain((d, ctx) => garpRepeat(d, ctx, 'lowerPrioRepeat'), 1),
  down_timer_adverts: plain((d, ctx) => {
    const v = readInt(ctx, 1, 100, d.name);
    if (v !== undefined) d.downTimerAdverts = v;
  }, 1),
  garp_extra_if: plain((d, ctx) => inactive(d, ctx, 'periodic GARP on extra interfaces')),
  vmac_garp_intvl: plain((d, ctx) => {
    ctx.report('warning', 'deprecated-keyword', 'DEPRECATED', `'vmac_garp_intvl' is deprecated - use 'garp_extra_if'`, { subject: d.name });
    inactive(d, ctx, 'periodic GARP on extra interfaces');
  }),
  lower_prio_no_advert: boolField('lowerPrioNoAdvert'),
  higher_prio_send_advert: boolField('higherPrioSendAdvert'),
  skip_check_adv_addr: boolField('skipCheckAdvAddr'),
  strict_mode: boolField('strict'),
  accept: plain((d) => { d.accept = true; }),
  no_accept: plain((d, ctx) => {
    d.accept = false;
    inactive(d, ctx, 'Accept_Mode off is recorded, but no firewall rule dropping traffic to the VIPs is installed');
  }),
  promote_secondaries: plain((d) => { d.promoteSecondaries = true; }),
  use_vmac: plain((d, ctx) => {
    d.useVmac = ctx.tokens.slice(1).map((t) => t.text).join(' ');
    inactive(d, ctx, 'no macvlan is created; adverts use the interface itself');
  }),
  use_vmac_addr: plain((d, ctx) => inactive(d, ctx, 'VMACs')),
  vmac_xmit_base: plain((d, ctx) => inactive(d, ctx, 'VMACs')),
  use_ipvlan: plain((d, ctx) => inactive(d, ctx, 'ipvlan interfaces')),
  vrf: plain((d, ctx) => inactive(d, ctx, 'VRFs'), 1),
  kernel_rx_buf_size: plain((d, ctx) => inactive(d, ctx, 'socket buffer sizing'), 1),
  debug: plain((d, ctx) => {
    if (readInteger(ctx.arg(1)!, 0, 4, true).value === undefined) {
      ctx.report('error', 'number-out-of-range', 'GENERAL_ERROR', `debug value '${ctx.arg(1)}' is not valid (expected 0..4)`, { tok: 1, subject: d.name });
    }
  }, 1),
  linkbeat_use_polling: plain((d, ctx) => {
    ctx.report('error', 'deprecated-keyword', 'GENERAL_ERROR', `'linkbeat_use_polling' in a vrrp_instance is deprecated - use a linkbeat_interfaces block`, { subject: d.name });
  }),
  lvs_sync_daemon_interface: plain((d, ctx) => {
    ctx.report('error', 'deprecated-keyword', 'GENERAL_ERROR', `'lvs_sync_daemon_interface' in a vrrp_instance is deprecated - use global lvs_sync_daemon`, { subject: d.name });
  }, 1),
  // Newer than 2.2.7 (the dispatcher notes that 2.2.7 would not know them; 2.4.3 does).
  no_virtual_ipaddress: plain((d) => { d.noVirtualIpaddress = true; }),
  v3_checksum_as_v2: boolField('v3ChecksumAsV2'),
  timer_expired_backup: plain((d, ctx) => timerExpiredBackup(d, ctx)),
  // keepalived-compat: the alias from the 2.2.8 release notes is accepted with an error asking for the new name.
  // Test: test/unit/config-parser/keywords-ka24.test.ts "thread_timer_expired: accepted with an error, same value".
  thread_timer_expired: plain((d, ctx) => {
    ctx.report('error', 'deprecated-keyword', 'GENERAL_ERROR', `(${d.name}) thread_timer_expired - please replace with keyword 'timer_expired_backup'`, { subject: d.name });
    timerExpiredBackup(d, ctx);
  }),
  owner_ignore_adverts: plain((d, ctx) => {
    const b = optionalBool(ctx, d.name);
    if (b !== undefined) d.ownerIgnoreAdverts = b;
  }),
};

/** `timer_expired_backup [highest_other_priority]`: 1..254, 254 when not given (keepalived 2.2.8+). */
function timerExpiredBackup(d: D, ctx: KwCtx): void {
  if (ctx.arg(1) === undefined) {
    d.timerExpiredBackup = 254;
    return;
  }
  const r = readInteger(ctx.arg(1)!, 1, 254, false);
  if (r.value === undefined) {
    ctx.report('error', 'number-out-of-range', 'GENERAL_ERROR', `(${d.name}) timer_expired_backup highest_other_priority '${ctx.arg(1)}' not valid! must be between 1 & 254 - ignored`, { tok: 1, subject: d.name });
    return;
  }
  d.timerExpiredBackup = r.value;
}

function pushTrack(list: InstanceDraft['trackInterfaces'], t: InstanceDraft['trackInterfaces'][number], ctx: KwCtx, subject: string, what: string): void {
  if (list.some((x) => x.name === t.name)) {
    ctx.report('error', 'duplicate-track', 'GENERAL_ERROR', `duplicate ${what} ${t.name} - ignored`, { subject });
    return;
  }
  list.push(t);
}
