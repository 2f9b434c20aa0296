// Keyword table of `global_defs { … }` (reference §1.9.2): the VRRP-relevant keywords with their meaning,
// the LVS / checker / BFD / SNMP / DBus / tuning ones recognised and ignored (as keepalived's VRRP process does).

import { commandSpec } from '../command.js';
import { readInteger } from '../values.js';
import { parseAddress, isMulticast } from './items.js';
import { optionalBool, readSecondsUs } from './common.js';
import type { GlobalDraft } from './state.js';
import type { KeywordDef, KeywordTable, KwCtx } from './table.js';
import { plain } from './table.js';

type D = GlobalDraft;

function garpSeconds(d: D, ctx: KwCtx, key: 'masterDelay' | 'masterRefresh' | 'lowerPrioDelay'): void {
  const r = readInteger(ctx.arg(1)!, 0, 86400, true);
  if (r.value === undefined) ctx.report('error', r.problem!.code, 'GENERAL_ERROR', `${ctx.arg(0)}: ${r.problem!.message} (whole seconds) - ignored`, { tok: 1 });
  else d.garp[key] = r.value * 1_000_000;
}

function garpRepeat(d: D, ctx: KwCtx, key: 'masterRepeat' | 'masterRefreshRepeat' | 'lowerPrioRepeat'): void {
  const r = readInteger(ctx.arg(1)!, 0, 1_000_000, true);
  if (r.value === undefined) {
    ctx.report('error', r.problem!.code, 'GENERAL_ERROR', `${ctx.arg(0)}: ${r.problem!.message} - ignored`, { tok: 1 });
    return;
  }
  if (r.value === 0 && key === 'masterRepeat') {
    ctx.report('error', 'repeat-zero', 'GENERAL_ERROR', `${ctx.arg(0)} must be greater than 0; set to 1`, { tok: 1 });
    d.garp[key] = 1;
  } else d.garp[key] = r.value;
}

function fifo(ctx: KwCtx): { path: string; user?: string; group?: string } {
  const f: { path: string; user?: string; group?: string } = { path: ctx.arg(1)! };
  if (ctx.arg(2) !== undefined) f.user = ctx.arg(2)!;
  if (ctx.arg(3) !== undefined) f.group = ctx.arg(3)!;
  return f;
}

function mcastGroup(d: D, ctx: KwCtx, fam: 4 | 6): void {
  const a = parseAddress(ctx.arg(1)!);
  if (!a || a.prefix !== undefined || a.family !== fam || !isMulticast(a)) {
    ctx.report('error', 'not-multicast', 'GENERAL_ERROR', `${ctx.arg(0)} '${ctx.arg(1)}' is not an IPv${fam} multicast address - ignored`, { tok: 1 });
    return;
  }
  if (fam === 4) d.vrrpMcastGroup4 = a.address;
  else d.vrrpMcastGroup6 = a.address;
}

/**
 * keepalived-compat: these handlers check for their value themselves (an error, not a missing parameter).
 * Test: test/unit/config-parser/keywords-global-defs.test.ts "router_id without a value is an error, not a missing parameter".
 */
function withValue(set: (d: D, ctx: KwCtx) => void): KeywordDef<D> {
  return plain((d, ctx) => {
    if (ctx.arg(1) === undefined) {
      ctx.report('error', 'missing-value', 'GENERAL_ERROR', `${ctx.arg(0)} needs a value - ignored`);
      return;
    }
    set(d, ctx);
  });
}

const boolSet = (set: (d: D, v: boolean) => void): KeywordDef<D> => plain((d, ctx) => { const b = optionalBool(ctx); if (b !== undefined) set(d, b); });

/** Recognised and ignored: LVS / checker / BFD / SNMP / DBus / process tuning keywords. */
const IGNORED = [
  'process_names', 'process_name', 'vrrp_process_name', 'checker_process_name', 'lvs_process_name', 'bfd_process_name',
  'smtp_alert_checker', 'checker_log_all_failures', 'startup_script', 'startup_script_timeout', 'shutdown_script',
  'shutdown_script_timeout', 'max_auto_priority', 'min_auto_priority_delay', 'disable_local_igmp', 'lvs_timeouts',
  'lvs_flush', 'lvs_flush_on_stop', 'lvs_flush_onstop', 'lvs_sync_daemon', 'vrrp_iptables', 'vrrp_ipsets', 'nftables',
  'nftables_priority', 'nftables_ifindex', 'nftables_ipvs', 'nftables_ipvs_priority', 'nftables_ipvs_start_fwmark',
  'nftables_counters', 'vrrp_priority', 'vrrp_no_swap', 'vrrp_rt_priority', 'vrrp_cpu_affinity', 'vrrp_rlimit_rttime',
  'vrrp_rlimit_rtime', 'lvs_notify_fifo', 'lvs_notify_fifo_script', 'checker_priority', 'checker_no_swap',
  'checker_rt_priority', 'checker_cpu_affinity', 'checker_rlimit_rttime', 'checker_rlimit_rtime', 'bfd_priority',
  'bfd_no_swap', 'bfd_rt_priority', 'bfd_cpu_affinity', 'bfd_rlimit_rttime', 'bfd_rlimit_rtime', 'snmp_socket',
  'enable_traps', 'enable_snmp_vrrp', 'enable_snmp_keepalived', 'enable_snmp_rfc', 'enable_snmp_rfcv2',
  'enable_snmp_rfcv3', 'enable_snmp_checker', 'enable_dbus', 'dbus_service_name', 'vrrp_netlink_cmd_rcv_bufs',
  'vrrp_netlink_cmd_rcv_bufs_force', 'vrrp_netlink_monitor_rcv_bufs', 'vrrp_netlink_monitor_rcv_bufs_force',
  'process_monitor_rcv_bufs', 'process_monitor_rcv_bufs_force', 'lvs_netlink_cmd_rcv_bufs',
  'lvs_netlink_cmd_rcv_bufs_force', 'lvs_netlink_monitor_rcv_bufs', 'lvs_netlink_monitor_rcv_bufs_force',
  'rs_init_notifies', 'no_checker_emails', 'vrrp_rx_bufs_policy', 'vrrp_rx_bufs_multiplier', 'vmac_prefix',
  'vmac_addr_prefix', 'umask', 'random_seed', 'reload_check_config', 'reload_time_file', 'reload_repeat', 'reload_file',
  'include_check', 'config_save_dir', 'tmp_config_directory',
  // 2.3.0 (SNMP / DBus tuning, no VRRP meaning here).
  'snmp_vs_stats_update_interval', 'snmp_rs_stats_update_interval', 'dbus_no_interface_name',
] as const;

/** keepalived 2.4.3's `*_dump_file` / `iproute_*_dir` handlers: exactly one non-empty word, else an error. */
function onePath(set: (d: D, path: string) => void, what: string): KeywordDef<D> {
  return plain((d, ctx) => {
    const v = ctx.arg(1);
    if (ctx.tokens.length !== 2 || v === undefined || v === '') {
      ctx.report('error', 'path-required', 'GENERAL_ERROR', `${ctx.arg(0)} requires ${what} - ignored`);
      return;
    }
    set(d, v);
  });
}

const ignored: Record<string, KeywordDef<D>> = {};
for (const k of IGNORED) ignored[k] = plain(() => undefined, 0, 'recognised; no VRRP meaning in havipd');

export const globalDefsTable: KeywordTable<D> = {
  ...ignored,
  router_id: withValue((d, ctx) => { d.routerId = ctx.arg(1)!; }),
  notification_email: { kind: 'values', item: (d, ctx) => { for (const t of ctx.tokens) d.notificationEmail.push(t.text); } },
  notification_email_from: withValue((d, ctx) => { d.notificationEmailFrom = ctx.arg(1)!; }),
  smtp_server: plain((d, ctx) => {
    let port = 25;
    if (ctx.arg(2) !== undefined) {
      const r = readInteger(ctx.arg(2)!, 1, 65535, true);
      if (r.value === undefined) ctx.report('error', r.problem!.code, 'GENERAL_ERROR', `smtp_server port: ${r.problem!.message}; using 25`, { tok: 2 });
      else port = r.value;
    }
    d.smtpServer = { host: ctx.arg(1)!, port };
  }, 1),
  smtp_helo_name: withValue((d, ctx) => { d.smtpHeloName = ctx.arg(1)!; }),
  smtp_connect_timeout: plain((d, ctx) => {
    const r = readInteger(ctx.arg(1)!, 0, 0x7fffffff, true);
    if (r.value === undefined) ctx.report('error', r.problem!.code, 'GENERAL_ERROR', `smtp_connect_timeout: ${r.problem!.message} - ignored`, { tok: 1 });
    else if (r.value === 0) {
      ctx.report('error', 'timeout-zero', 'GENERAL_ERROR', `smtp_connect_timeout must be greater than 0; set to 1 second`, { tok: 1 });
      d.smtpConnectTimeout = 1_000_000;
    } else d.smtpConnectTimeout = r.value * 1_000_000;
  }, 1),
  smtp_alert: boolSet((d, v) => { d.smtpAlert = v; }),
  smtp_alert_vrrp: boolSet((d, v) => { d.smtpAlertVrrp = v; }),
  no_email_faults: plain((d) => { d.noEmailFaults = true; }),
  script_user: withValue((d, ctx) => {
    const g = ctx.arg(2);
    d.scriptUser = g === undefined ? { user: ctx.arg(1)! } : { user: ctx.arg(1)!, group: g.startsWith(':') ? g.slice(1) : g };
  }),
  enable_script_security: plain((d) => { d.enableScriptSecurity = true; }),
  dynamic_interfaces: plain((d) => { d.dynamicInterfaces = true; }),
  default_interface: withValue((d, ctx) => { d.defaultInterface = ctx.arg(1)!; }),
  vrrp_mcast_group4: plain((d, ctx) => mcastGroup(d, ctx, 4), 1),
  vrrp_mcast_group6: plain((d, ctx) => mcastGroup(d, ctx, 6), 1),
  vrrp_version: plain((d, ctx) => {
    const r = readInteger(ctx.arg(1)!, 2, 3);
    if (r.value === undefined) ctx.report('error', r.problem!.code, 'GENERAL_ERROR', `vrrp_version must be 2 or 3 (got '${ctx.arg(1)}') - ignored`, { tok: 1 });
    else d.vrrpVersion = r.value as 2 | 3;
  }, 1),
  vrrp_garp_master_delay: plain((d, ctx) => garpSeconds(d, ctx, 'masterDelay'), 1),
  vrrp_garp_master_repeat: plain((d, ctx) => garpRepeat(d, ctx, 'masterRepeat'), 1),
  vrrp_garp_master_refresh: plain((d, ctx) => garpSeconds(d, ctx, 'masterRefresh'), 1),
  vrrp_garp_master_refresh_repeat: plain((d, ctx) => garpRepeat(d, ctx, 'masterRefreshRepeat'), 1),
  vrrp_garp_lower_prio_delay: plain((d, ctx) => garpSeconds(d, ctx, 'lowerPrioDelay'), 1),
  vrrp_garp_lower_prio_repeat: plain((d, ctx) => garpRepeat(d, ctx, 'lowerPrioRepeat'), 1),
  // keepalived-compat: 0 is refused (range starts at 1 µs) although it is the default.
  // Test: test/unit/config-parser/keywords-global-defs.test.ts "vrrp_garp_interval 0 is out of range".
  vrrp_garp_interval: plain((d, ctx) => { const v = readSecondsUs(ctx, 1, 0xffffffff); if (v !== undefined) d.garpInterval = v; }, 1),
  vrrp_gna_interval: plain((d, ctx) => { const v = readSecondsUs(ctx, 1, 0xffffffff); if (v !== undefined) d.gnaInterval = v; }, 1),
  vrrp_min_garp: plain((d, ctx) => {
    const b = optionalBool(ctx);
    if (!b) return;
    d.garp.masterRepeat ??= 1;
    d.garp.masterDelay ??= 0;
    d.garp.masterRefresh ??= 0;
    d.garp.masterRefreshRepeat ??= 0;
  }),
  vrrp_garp_extra_if: plain((d, ctx) => garpExtraIf(d, ctx)),
  vrrp_vmac_garp_intvl: plain((d, ctx) => {
    ctx.report('warning', 'deprecated-keyword', 'DEPRECATED', `'vrrp_vmac_garp_intvl' is deprecated - use 'vrrp_garp_extra_if'`);
    garpExtraIf(d, ctx);
  }),
  vrrp_down_timer_adverts: plain((d, ctx) => {
    const r = readInteger(ctx.arg(1)!, 1, 100, true);
    if (r.value === undefined) ctx.report('error', r.problem!.code, 'GENERAL_ERROR', `vrrp_down_timer_adverts: ${r.problem!.message} - ignored`, { tok: 1 });
    else d.downTimerAdverts = r.value;
  }, 1),
  vrrp_lower_prio_no_advert: boolSet((d, v) => { d.lowerPrioNoAdvert = v; }),
  vrrp_higher_prio_send_advert: boolSet((d, v) => { d.higherPrioSendAdvert = v; }),
  vrrp_check_unicast_src: plain((d) => { d.checkUnicastSrc = true; }),
  // havipd: follows keepalived 2.3.0+ (an optional true/false); 2.2.7 ignored the word and always set the flag.
  vrrp_skip_check_adv_addr: boolSet((d, v) => { d.skipCheckAdvAddr = v; }),
  vrrp_strict: boolSet((d, v) => { d.strict = v; }),
  notify_fifo: plain((d, ctx) => { d.notifyFifo = fifo(ctx); }, 1),
  notify_fifo_script: plain((d, ctx) => { d.notifyFifoScript = commandSpec(ctx.arg(1)!, ctx.arg(2), ctx.arg(3)); }, 1),
  vrrp_notify_fifo: plain((d, ctx) => { d.vrrpNotifyFifo = fifo(ctx); }, 1),
  vrrp_notify_fifo_script: plain((d, ctx) => { d.vrrpNotifyFifoScript = commandSpec(ctx.arg(1)!, ctx.arg(2), ctx.arg(3)); }, 1),
  vrrp_notify_priority_changes: boolSet((d, v) => { d.notifyPriorityChanges = v; }),
  fifo_write_vrrp_states_on_reload: plain((d) => { d.fifoWriteVrrpStatesOnReload = true; }),
  vrrp_startup_delay: plain((d, ctx) => { const v = readSecondsUs(ctx, 0, 0xffffffff); if (v !== undefined) d.startupDelay = v; }, 1),
  log_unknown_vrids: plain((d) => { d.logUnknownVrids = true; }),
  data_use_instance: boolSet((d, v) => { d.dataUseInstance = v; }),
  // Newer than 2.2.7 (the dispatcher notes that 2.2.7 would not know them; 2.4.3 does).
  v3_checksum_as_v2: boolSet((d, v) => { d.v3ChecksumAsV2 = v; }),
  // 2.4.0: like vrrp_startup_delay, but counted from boot; the shell subtracts the uptime at start-up
  // (src/vrrp/startup.ts startupDelayAfterBoot). 0.001 .. 4294.967295 s.
  vrrp_delay_after_boot: plain((d, ctx) => {
    const v = readSecondsUs(ctx, 1000, 0xffffffff);
    if (v !== undefined) d.delayAfterBoot = v;
  }, 1),
  vrrp_owner_ignore_adverts: boolSet((d, v) => { d.ownerIgnoreAdverts = v; }),
  json_version: plain((d, ctx) => {
    if (ctx.arg(1) === undefined) {
      ctx.report('error', 'missing-value', 'GENERAL_ERROR', `json_version requires version - ignored`);
      return;
    }
    const r = readInteger(ctx.arg(1)!, 1, 2, true);
    if (r.value === undefined) ctx.report('error', 'invalid-json-version', 'GENERAL_ERROR', `invalid JSON version '${ctx.arg(1)}' (1 or 2) - ignored`, { tok: 1 });
    else d.jsonVersion = r.value as 1 | 2;
  }),
  state_dump_file: onePath((d, p) => { d.stateDumpFile = p; }, 'a non-empty path'),
  stats_dump_file: onePath((d, p) => { d.statsDumpFile = p; }, 'a non-empty path'),
  json_dump_file: onePath((d, p) => { d.jsonDumpFile = p; }, 'a non-empty path'),
  // 2.3.2: where iproute2's rt_tables & co live (havipd reads names from both, as keepalived does).
  iproute_usr_dir: onePath((d, p) => { d.iprouteUsrDir = p; }, 'path'),
  iproute_etc_dir: onePath((d, p) => { d.iprouteEtcDir = p; }, 'path'),
  // 2.3.0: do not resolve symlinks when checking script paths.
  use_symlink_paths: boolSet((d, v) => { d.useSymlinkPaths = v; }),
};

function garpExtraIf(d: D, ctx: KwCtx): void {
  let i = 1;
  let all = false;
  if (ctx.arg(1) === 'all') {
    all = true;
    i = 2;
  }
  const t = ctx.arg(i);
  if (t === undefined) {
    ctx.report('error', 'missing-value', 'GENERAL_ERROR', `${ctx.arg(0)} needs a number of seconds - ignored`);
    return;
  }
  const r = readInteger(t, 1, 86400, true);
  if (r.value === undefined) ctx.report('error', r.problem!.code, 'GENERAL_ERROR', `${ctx.arg(0)}: ${r.problem!.message} - ignored`, { tok: i });
  else d.garpExtraIf = { interval: r.value * 1_000_000, all };
}
