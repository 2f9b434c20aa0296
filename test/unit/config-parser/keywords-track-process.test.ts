// vrrp_track_process blocks and track_process references (keepalived 2.2.7 vrrp_parser.c vrrp_tprocess_*,
// vrrp_track.c alloc_track_process).
import { describe, expect } from 'vitest';
import { inst, kaCases } from './ka-table.js';

const tp = (body: string, name = 'P1'): string => `vrrp_track_process ${name} {\n${body}\n}\n`;

describe('vrrp_track_process', () => {
  kaCases('track-process', [
    {
      title: 'every keyword parsed and kept, reference resolves with its own weight',
      conf: tp('  process nginx\n  param_match partial\n  weight 10 reverse\n  quorum 2\n  quorum_max 5\n  delay 1.5\n  fork_delay 0.5\n  full_command')
        + inst('  track_process {\n    P1 weight 5\n  }'),
      rc: 0,
      check: (r) => {
        expect(r.config!.trackProcesses).toEqual([expect.objectContaining({
          name: 'P1', process: 'nginx', params: [], paramMatch: 'partial', fullCommand: true, weight: 10, reverse: true,
          quorum: 2, quorumMax: 5, terminateDelay: 1_500_000, forkDelay: 500_000,
        })]);
        // explicit weight wins, reverse comes from the process
        expect(r.config!.instances[0]!.trackProcesses).toEqual([{ name: 'P1', weight: 5, reverse: true }]);
        expect(r.diagnostics.filter((d) => d.kaClass !== undefined)).toEqual([]);
      },
    },
    {
      title: 'process with parameters implies exact match on the full command line',
      conf: tp('  process nginx -g daemon'),
      rc: 0,
      check: (r) => expect(r.config!.trackProcesses![0]).toMatchObject({ process: 'nginx', params: ['-g', 'daemon'], paramMatch: 'exact', fullCommand: true }),
    },
    {
      title: 'a reference before the definition is not found (defined-before-use)',
      conf: inst('  track_process {\n    P1\n  }') + tp('  process nginx'),
      rc: 5,
      codes: ['unknown-track-process'],
      check: (r) => expect(r.config!.instances[0]!.trackProcesses).toEqual([]),
    },
    {
      title: 'out-of-range values are reported and ignored; no process removes the block',
      conf: tp('  param_match bogus\n  weight 300\n  quorum 0\n  quorum_max 70000\n  delay 0'),
      rc: 5,
      codes: ['invalid-param-match', 'weight-out-of-range', 'number-out-of-range', 'track-process-no-process'],
      check: (r) => expect(r.config!.trackProcesses).toEqual([]),
    },
    {
      title: 'second weight and second process refused; quorum_max below quorum refused',
      conf: tp('  process nginx\n  weight 5\n  weight 6\n  process foo\n  quorum 3\n  quorum_max 2'),
      rc: 5,
      codes: ['duplicate-weight', 'duplicate-process', 'quorum-max-below-quorum'],
      check: (r) => expect(r.config!.trackProcesses![0]).toMatchObject({ process: 'nginx', weight: 5, quorum: 3, quorumMax: undefined }),
    },
    {
      title: 'quorum_max 0 with the default quorum sets quorum 0',
      conf: tp('  process nginx\n  quorum_max 0'),
      rc: 0,
      check: (r) => expect(r.config!.trackProcesses![0]).toMatchObject({ quorum: 0, quorumMax: 0 }),
    },
    {
      title: 'weight without a value is an error, not a missing parameter',
      conf: tp('  process nginx\n  weight'),
      rc: 5,
      codes: ['weight-missing-value'],
    },
    {
      title: 'weight 0 then weight 3 foo: weight set, option reported',
      conf: tp('  process nginx\n  weight 0\n  weight 3 foo'),
      rc: 5,
      codes: ['unknown-weight-option'],
      check: (r) => expect(r.config!.trackProcesses![0]!.weight).toBe(3),
    },
    {
      title: 'duplicate names and extra name words are accepted silently',
      conf: tp('  process nginx') + tp('  process apache') + 'vrrp_track_process A B {\n  process y\n}\n',
      rc: 0,
      check: (r) => expect(r.config!.trackProcesses!.map((p) => p.name)).toEqual(['P1', 'P1', 'A']),
    },
    { title: 'missing name stops the parse', conf: 'vrrp_track_process {\n  process x\n}\n', rc: 2, codes: ['missing-parameter'] },
    { title: 'process without a value stops the parse', conf: tp('  process'), rc: 2, codes: ['missing-parameter'] },
    { title: 'delay without a value stops the parse', conf: tp('  delay'), rc: 2, codes: ['missing-parameter'] },
    {
      title: 'sync group track_process resolves; an unknown one is reported',
      conf: tp('  process nginx\n  weight 4') + inst() + inst('', 'VI_2', 52)
        + 'vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n  track_process {\n    P1\n    P9\n  }\n}\n',
      rc: 5,
      codes: ['unknown-track-process'],
      check: (r) => expect(r.config!.syncGroups[0]!.trackProcesses).toEqual([{ name: 'P1', weight: 4, reverse: false }]),
    },
  ]);
});
