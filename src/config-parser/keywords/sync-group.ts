// Keyword table of `vrrp_sync_group NAME { … }` (reference §1.9.5). Members are resolved after parsing.

import { optionalBool, setNotify } from './common.js';
import { parseTrackItem, trackProcessItem } from './items.js';
import type { SyncGroupDraft } from './state.js';
import type { KeywordTable } from './table.js';
import { plain } from './table.js';

type D = SyncGroupDraft;

export const syncGroupTable: KeywordTable<D> = {
  group: {
    kind: 'values',
    handle: (d, ctx) => {
      if (d.members !== undefined) ctx.report('error', 'duplicate-group', 'GENERAL_ERROR', `the member list of sync group ${d.name} is already given`, { subject: d.name });
      else d.members = [];
    },
    item: (d, ctx) => {
      for (let i = 0; i < ctx.tokens.length; i++) d.members?.push({ name: ctx.arg(i)!, pos: ctx.at(i) });
    },
    close: (d, ctx) => {
      if (d.members !== undefined && d.members.length === 0) ctx.report('error', 'empty-group', 'GENERAL_ERROR', `sync group ${d.name} has an empty group block`, { subject: d.name });
    },
  },
  track_interface: { kind: 'values', item: (d, ctx) => { const t = parseTrackItem(ctx, d.name, 'track_interface', false); if (t) d.trackInterfaces.push(t); } },
  track_script: {
    kind: 'values',
    item: (d, ctx) => {
      const t = parseTrackItem(ctx, d.name, 'track_script', true);
      if (!t) return;
      if (!ctx.env.root.scripts.has(t.name)) {
        ctx.report('error', 'unknown-track-script', 'GENERAL_ERROR', `track script ${t.name} is not defined (a vrrp_script must come before the sync group that tracks it) - ignored`, { subject: d.name });
        return;
      }
      d.trackScripts.push(t);
    },
  },
  track_file: {
    kind: 'values',
    item: (d, ctx) => {
      const t = parseTrackItem(ctx, d.name, 'track_file', true);
      if (!t) return;
      if (!ctx.env.root.trackFiles.has(t.name)) {
        ctx.report('error', 'unknown-track-file', 'GENERAL_ERROR', `track file ${t.name} is not defined (a track_file block must come before the sync group that tracks it) - ignored`, { subject: d.name });
        return;
      }
      d.trackFiles.push(t);
    },
  },
  track_process: {
    kind: 'values',
    item: (d, ctx) => {
      const t = trackProcessItem(ctx, d.name, 'sync group');
      if (!t) return;
      if (d.trackProcesses.some((x) => x.name === t.name)) {
        ctx.report('error', 'duplicate-track', 'GENERAL_ERROR', `duplicate track_process ${t.name} - ignored`, { subject: d.name });
        return;
      }
      d.trackProcesses.push(t);
    },
  },
  track_bfd: { kind: 'values', item: () => undefined },
  notify_master: plain((d, ctx) => setNotify(d.notify, 'master', ctx, d.name), 1),
  notify_backup: plain((d, ctx) => setNotify(d.notify, 'backup', ctx, d.name), 1),
  notify_fault: plain((d, ctx) => setNotify(d.notify, 'fault', ctx, d.name), 1),
  notify_stop: plain((d, ctx) => setNotify(d.notify, 'stop', ctx, d.name), 1),
  notify: plain((d, ctx) => setNotify(d.notify, 'generic', ctx, d.name), 1),
  smtp_alert: plain((d, ctx) => { const b = optionalBool(ctx, d.name); if (b !== undefined) d.smtpAlert = b; }),
  notify_priority_changes: plain((d, ctx) => { const b = optionalBool(ctx, d.name); if (b !== undefined) d.notifyPriorityChanges = b; }),
  sync_group_tracking_weight: plain((d) => { d.syncGroupTrackingWeight = true; }),
  global_tracking: plain((d, ctx) => {
    ctx.report('error', 'deprecated-keyword', 'GENERAL_ERROR', `'global_tracking' is deprecated; use track_interface/track_script/track_file on the sync group`, { subject: d.name });
    d.syncGroupTrackingWeight = true;
  }),
};
