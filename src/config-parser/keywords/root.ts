// Keyword table of the top level (reference §1.1, §1.9.1): named blocks, static_* value blocks, top-level
// settings, and the LVS / BFD / other blocks keepalived's VRRP process skips.

import { globalDefsTable } from './global-defs.js';
import { vrrpInstanceTable } from './vrrp-instance.js';
import { vrrpScriptTable } from './vrrp-script.js';
import { trackFileTable } from './track-file.js';
import { syncGroupTable } from './sync-group.js';
import { staticIpaddress, staticRoutes, staticRules } from './static.js';
import { newInstanceDraft } from './state.js';
import type { GlobalDraft, InstanceDraft, RootDraft, ScriptDraft, SyncGroupDraft, TrackFileDraft } from './state.js';
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
      if (alias) ctx.report('warning', 'deprecated-keyword', 'DEPRECATED', `'vrrp_track_file' is deprecated - use 'track_file'`);
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
    (name, ctx) => ({ name, pos: ctx.at(1), trackInterfaces: [], trackScripts: [], trackFiles: [], notify: {}, syncGroupTrackingWeight: false }),
    () => syncGroupTable, (n) => `vrrp sync group ${n} is already defined - block skipped`),
  static_ipaddress: staticIpaddress,
  static_routes: staticRoutes,
  static_rules: staticRules,
  net_namespace: plain((r, ctx) => { r.global.netNamespace = ctx.arg(1)!; topLevelNotice(ctx, 'run havipd under ip netns exec instead'); }, 1),
  instance: plain((r, ctx) => { r.global.instanceName = ctx.arg(1)!; }, 1),
  use_pid_dir: plain(() => undefined),
  child_wait_time: plain(() => undefined, 1),
  linkbeat_use_polling: plain((_r, ctx) => topLevelNotice(ctx, 'havipd watches links with netlink')),
  net_namespace_ipvs: plain(() => undefined),
  namespace_with_ipsets: plain(() => undefined),
  // Blocks havipd recognises but does not act on yet (parsed past, their content kept only as a notice).
  vrrp_track_process: skip('(process tracking) is not supported by havipd yet'),
  track_group: skip('(static item tracking groups) is not supported by havipd yet'),
  garp_group: skip('(per-interface GARP rate groups) is not supported by havipd yet'),
  linkbeat_interfaces: skip('(link polling) is not needed: havipd watches links with netlink'),
  interface_up_down_delays: skip('(link debouncing) is not supported by havipd yet'),
  // LVS / BFD: keepalived's VRRP process installs these inactive and skips their blocks.
  virtual_server: skip('is an LVS block'),
  virtual_server_group: skip('is an LVS block'),
  SSL: skip('is an LVS checker block'),
  bfd_instance: skip('is a BFD block'),
};
