// track_file / vrrp_track_file keyword table (keepalived 2.2.7 track_file.c).
import { describe, expect } from 'vitest';
import { inst, kaCases } from './ka-table.js';

const f = (body: string, kw = 'track_file'): string => `${kw} tf {\n${body}\n}\n${inst('  track_file {\n    tf\n  }')}`;

describe('track_file', () => {
  kaCases('track-file', [
    {
      title: 'file, weight and init_file kept; the instance uses the file weight',
      conf: f('  file /tmp/hv-p2b-tf\n  weight -10 reverse\n  init_file 5 overwrite'),
      rc: 0,
      check: (r) => {
        expect(r.config!.trackFiles[0]).toMatchObject({ name: 'tf', file: '/tmp/hv-p2b-tf', weight: -10, reverse: true, initFile: { value: 5, overwrite: true } });
        expect(r.config!.instances[0]!.trackFiles).toEqual([{ name: 'tf', weight: -10, reverse: false }]);
      },
    },
    { title: 'default weight 1', conf: f('  file /tmp/hv-p2b-tf'), rc: 0, check: (r) => expect(r.config!.trackFiles[0]!.weight).toBe(1) },
    { title: 'weight 255 out of range', conf: f('  file /tmp/hv-p2b-tf\n  weight 255'), rc: 5, codes: ['weight-out-of-range'], check: (r) => expect(r.config!.trackFiles[0]!.weight).toBe(1) },
    { title: 'no file: removed', conf: f('  weight 2'), rc: 5, codes: ['track-file-no-file', 'unknown-track-file'], check: (r) => expect(r.config!.trackFiles).toEqual([]) },
    { title: 'vrrp_track_file is deprecated (only logged) and works', conf: f('  file /tmp/hv-p2b-tf', 'vrrp_track_file'), rc: 0, codes: ['deprecated-keyword'], check: (r) => expect(r.config!.trackFiles).toHaveLength(1) },
    { title: 'file without a value is an error, not a missing parameter', conf: f('  file'), rc: 5, codes: ['missing-value', 'track-file-no-file'] },
  ]);
});
