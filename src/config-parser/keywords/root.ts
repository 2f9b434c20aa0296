// Keyword table of the top level (reference §1.1, §1.9.1): named blocks, static_* value blocks, top-level
// settings, and the LVS / BFD / other blocks keepalived's VRRP process skips.

import { globalDefsTable } from './global-defs.js';
import { vrrpInstanceTable } from './vrrp-instance.js';
import { vrrpScriptTable } from './vrrp-script.js';
import { trackFileTable } from './track-file.js';
import { syncGroupTable } from './sync-group.js';
import { staticIpaddress, staticRoutes, staticRules } from './static.js';
import { trackProcessTable } from './track-process.js';
import { trackGroupTable } from './track-group.js';
import { garpGroupTable } from './garp-group.js';
import { interfaceUpDownDelays, linkbeatInterfaces } from './link-settings.js';
import { checkVirtualServer } from './lvs.js';
import { newInstanceDraft } from './state.js';
import type {
  GarpGroupDraft, GlobalDraft, InstanceDraft, RootDraft, ScriptDraft, SyncGroupDraft, TrackFileDraft, TrackGroupDraft, TrackProcessDraft,
} from './state.js';
import type { BlockKeyword, KeywordDef, KeywordTable, KwCtx } from './table.js';
import { plain } from './table.js';

type D = RootDraft;

/** The block's name (exactly one token), or undefined after reporting. */
function blockName(ctx: KwCtx, what: string): string | undefined {
  if (ctx.tokens.length !== 2) {
    ctx.report('error', 'block-name', 'GENERAL_ERROR', `${what} needs exactly one name (${what} NAME { … }) - block skipped`, { tok: ctx.tokens.length > 2 ? 2 : 0 });
    return undefined;
  }
  return ctx.arg(1)!;
}

function named<C>(
  what: string, map: (r: D) => Map<string, C>, mk: (name: string, ctx: KwCtx) => C, table: () => KeywordTable<C>, dupMessage: (name: string) => string,
): BlockKeyword<D, C> {
  return {
    kind: 'block',
    table,
    open: (r, ctx) => {
      const name = blockName(ctx, what);
      if (name === undefined) return undefined;
      if (map(r).has(name)) {
        ctx.report('error', 'duplicate-block', 'GENERAL_ERROR', dupMessage(name), { tok: 1, subject: name });
        return undefined;
      }
      const c = mk(name, ctx);
      map(r).set(name, c);
      return c;
    },
  };
}

const skip = (why: string): KeywordDef<D> => ({ kind: 'skip', why });

const trackFileBlock = (alias: boolean): BlockKeyword<D, TrackFileDraft> => {
  const b = named<TrackFileDraft>(alias ? 'vrrp_track_file' : 'track_file', (r) => r.trackFiles,
    (name, ctx) => ({ name, pos: ctx.at(1), weight: 1, reverse: false }), () => trackFileTable,
    (n) => `track_file ${n} is already defined - block skipped`);
  return {
    ...b,
    open: (r, ctx) => {
      // keepalived 2.2.7 only logs this (no effect on -t).
      if (alias) ctx.report('info', 'deprecated-keyword', undefined, `'vrrp_track_file' is deprecated - use 'track_file'`);
      return b.open(r, ctx);
    },
    close: (r, c, ctx) => {
      if (c.file === undefined) {
        ctx.report('error', 'track-file-no-file', 'GENERAL_ERROR', `track_file ${c.name} has no 'file' - removed`, { tok: 1, subject: c.name });
        r.trackFiles.delete(c.name);
      }
    },
  };
};

function topLevelNotice(ctx: KwCtx, what: string): void {
  const kw = ctx.arg(0)!;
  if (ctx.env.noticed.has(`inactive:${kw}`)) return;
  ctx.env.noticed.add(`inactive:${kw}`);
  ctx.report('info', 'not-acted-on', undefined, `havipd parses '${kw}' but does not act on it yet (${what})`);
}

export const rootTable: KeywordTable<D> = {
  global_defs: {
    kind: 'block',
    table: () => globalDefsTable,
    open: (r): GlobalDraft => r.global,
  },
  vrrp_instance: named<InstanceDraft>('vrrp_instance', (r) => r.instances, (name, ctx) => newInstanceDraft(name, ctx.at(1)),
    () => vrrpInstanceTable, (n) => `vrrp instance ${n} is already defined - block skipped`),
  vrrp_script: {
    ...named<ScriptDraft>('vrrp_script', (r) => r.scripts,
      (name, ctx) => ({ name, pos: ctx.at(1), weight: 0, reverse: false, rise: 1, fall: 1, initFail: false }),
      () => vrrpScriptTable, (n) => `vrrp_script ${n} is already defined - block skipped`),
    close: (r, c: ScriptDraft, ctx) => {
      if (c.command === undefined || c.command.argv.length === 0) {
        ctx.report('error', 'script-no-command', 'GENERAL_ERROR', `vrrp_script ${c.name} has no 'script' command - removed`, { tok: 1, subject: c.name });
        r.scripts.delete(c.name);
      }
    },
  },
  track_file: trackFileBlock(false),
  vrrp_track_file: trackFileBlock(true),
  vrrp_sync_group: named<SyncGroupDraft>('vrrp_sync_group', (r) => r.syncGroups,
    (name, ctx) => ({ name, pos: ctx.at(1), trackInterfaces: [], trackScripts: [], trackFiles: [], trackProcesses: [], notify: {}, syncGroupTrackingWeight: false }),
    () => syncGroupTable, (n) => `vrrp sync group ${n} is already defined - block skipped`),
  static_ipaddress: staticIpaddress,
  // Installed at start and removed at stop (src/runtime/supervisor.ts).
  static_routes: staticRoutes,
  static_rules: staticRules,
  net_namespace: plain((r, ctx) => { r.global.netNamespace = ctx.arg(1)!; topLevelNotice(ctx, 'run havipd under ip netns exec instead'); }, 1),
  instance: plain((r, ctx) => { r.global.instanceName = ctx.arg(1)!; }, 1),
  use_pid_dir: plain(() => undefined),
  child_wait_time: plain(() => undefined, 1),
  linkbeat_use_polling: plain((_r, ctx) => topLevelNotice(ctx, 'havipd watches links with netlink')),
  net_namespace_ipvs: plain(() => undefined),
  namespace_with_ipsets: plain(() => undefined),
  // Process tracking: run by src/tracking/track-process.ts (keepalived vrrp_parser.c / core/track_process.c).
  vrrp_track_process: {
    kind: 'block',
    // keepalived-compat: the name is word 2 (missing ⇒ fatal); further words and duplicate names are accepted
    // silently (a track_process reference finds the first block of that name).
    // Test: test/unit/config-parser/keywords-track-process.test.ts "duplicate names and extra name words are accepted silently".
    args: 1,
    table: () => trackProcessTable,
    open: (r, ctx): TrackProcessDraft => {
      const c: TrackProcessDraft = {
        name: ctx.arg(1)!, pos: ctx.at(1), params: [], paramMatch: 'none', fullCommand: false, weight: 0, reverse: false,
        quorum: 1, quorumMax: undefined, terminateDelay: 0, forkDelay: 0,
      };
      r.trackProcesses.push(c);
      return c;
    },
    close: (r, c: TrackProcessDraft, ctx) => {
      if (c.process === undefined) {
        ctx.report('error', 'track-process-no-process', 'GENERAL_ERROR', `track process '${c.name}' has no 'process' - removed`, { tok: 1, subject: c.name });
        r.trackProcesses.splice(r.trackProcesses.indexOf(c), 1);
      }
    },
  },
  track_group: {
    ...named<TrackGroupDraft>('track_group', (r) => r.trackGroups, (name, ctx) => ({ name, pos: ctx.at(1) }), () => trackGroupTable,
      (n) => `track_group ${n} is already defined - block skipped`),
    close: (_r, _c, ctx) => topLevelNotice(ctx, 'static items do not fault instances through track_group yet'),
  },
  garp_group: {
    kind: 'block',
    table: () => garpGroupTable,
    open: (r, ctx): GarpGroupDraft => {
      topLevelNotice(ctx, 'GARP / NA rate limiting per interface');
      const c: GarpGroupDraft = { pos: ctx.at(0), interfaces: [], aggregation: false };
      r.garpGroups.push(c);
      return c;
    },
    close: (r, c: GarpGroupDraft, ctx) => {
      if (c.garpInterval === undefined && c.gnaInterval === undefined) {
        ctx.report('error', 'garp-group-no-delay', 'GENERAL_ERROR', `garp_group has neither garp_interval nor gna_interval - removed`);
        r.garpGroups.splice(r.garpGroups.indexOf(c), 1);
      }
    },
  },
  linkbeat_interfaces: {
    ...linkbeatInterfaces,
    handle: (_r, ctx) => topLevelNotice(ctx, 'havipd watches links with netlink'),
  },
  interface_up_down_delays: {
    ...interfaceUpDownDelays,
    handle: (_r, ctx) => topLevelNotice(ctx, 'link changes are acted on at once'),
  },
  // LVS / BFD: keepalived's VRRP process installs these inactive and skips their blocks.
  virtual_server: { kind: 'skip', why: 'is an LVS block', check: checkVirtualServer },
  virtual_server_group: skip('is an LVS block'),
  SSL: skip('is an LVS checker block'),
  bfd_instance: skip('is a BFD block'),
};
