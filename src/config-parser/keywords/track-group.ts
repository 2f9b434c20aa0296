// Keyword table of `track_group NAME { group { VI … } }` (keepalived 2.2.7 vrrp_parser.c static_track_group_*):
// instances that go FAULT when a static address / route / rule tagged `track_group NAME` is deleted. Kept;
// havipd does not install static items yet.

import type { TrackGroupDraft } from './state.js';
import type { KeywordTable } from './table.js';

type D = TrackGroupDraft;

export const trackGroupTable: KeywordTable<D> = {
  group: {
    kind: 'values',
    handle: (d, ctx) => {
      if (d.members !== undefined) {
        ctx.report('error', 'duplicate-group', 'GENERAL_ERROR', `the group list of track_group ${d.name} is already given - ignored`, { subject: d.name });
        d.ignoringList = true;
      } else {
        d.members = [];
        d.ignoringList = false;
      }
    },
    item: (d, ctx) => {
      if (d.ignoringList) return;
      for (let i = 0; i < ctx.tokens.length; i++) d.members?.push({ name: ctx.arg(i)!, pos: ctx.at(i) });
    },
    close: (d, ctx) => {
      if (!d.ignoringList && d.members !== undefined && d.members.length === 0) {
        ctx.report('error', 'empty-group', 'GENERAL_ERROR', `track group ${d.name} has an empty group block`, { subject: d.name });
      }
    },
  },
};
