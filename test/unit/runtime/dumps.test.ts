// The signal dumps keep keepalived 2.2.7's layout (reference §4.4), checked against a real 2.2.7 dump.
import { describe, expect, it } from 'vitest';
import { dumpPath, formatData, formatEpochUs, formatJson, formatStats, formatVip, ZERO_STATS, type DumpInput } from '../../../src/runtime/dumps.js';
import { daemonConfig, instanceConfig, s, vip } from '../../support/config.js';
import type { DaemonConfig, TrackProcessConfig } from '../../../src/config-parser/types.js';
import { micros } from '../../../src/net/units.js';

const inst = instanceConfig({
  name: 'VI_1', interface: 'hvla', vrid: 51, priority: 150, advertInt: s(1), version: 2,
  vips: [vip('10.77.0.100', { prefix: 24, dev: 'hvla', label: 'hvla:vip' })],
  unicastSrcIp: '10.77.0.1', peers: ['10.77.0.2'],
  auth: { type: 'PASS', password: 'secret1' },
});
const config = daemonConfig({ instances: [inst] });
const input: DumpInput = {
  config,
  runtime: {
    VI_1: {
      state: 'MASTER', wantState: 'MASTER', basePriority: 150, effectivePriority: 150, totalPriority: 150,
      lastTransitionEpochUs: 1795217731899822, masterDownIntervalUs: 3414062, masterAdverIntUs: 1_000_000,
      masterAddr: undefined, masterPriority: undefined, sourceIp: '10.77.0.1', faultReasons: [], vipsSet: true,
      stats: { ...ZERO_STATS, advert_sent: 3, become_master: 1 },
    },
  },
};

describe('keepalived.stats', () => {
  it('has keepalived 2.2.7 layout, line for line', () => {
    expect(formatStats(input)).toBe(
      [
        'VRRP Instance: VI_1', '  Advertisements:', '    Received: 0', '    Sent: 3', '  Became master: 1',
        '  Released master: 0', '  Packet Errors:', '    Length: 0', '    TTL: 0', '    Invalid Type: 0',
        '    Advertisement Interval: 0', '    Address List: 0', '  Authentication Errors:', '    Invalid Type: 0',
        '    Type Mismatch: 0', '    Failure: 0', '  Priority Zero:', '    Received: 0', '    Sent: 0', '',
      ].join('\n'),
    );
  });
});

describe('keepalived.data', () => {
  const text = formatData(input);
  it('keeps the lines exporters parse, spelled as keepalived spells them', () => {
    expect(text).toContain('------< VRRP Topology >------\n VRRP Instance = VI_1\n   VRRP Version = 2\n   State = MASTER\n');
    expect(text).toContain('   Virtual Router ID = 51\n   Priority = 150\n   Effective priority = 150\n   Total priority = 150\n');
    expect(text).toContain('   Virtual IP (1):\n     10.77.0.100/24 dev hvla scope global label hvla:vip set\n');
    expect(text).toContain('   Using src_ip = 10.77.0.1 (from configuration)\n');
    expect(text).toContain('   Unicast Peer :\n     10.77.0.2 min_ttl 0 max_ttl 255\n');
    expect(text).toContain('   Master down timer = 3414062 usecs\n');
  });
  it('never prints the password (keepalived 2.4 prints ********)', () => {
    expect(text).not.toContain('secret1');
    expect(text).toContain('   Password = ********');
  });
  it('formats timestamps as keepalived (epoch.usec and ctime with microseconds)', () => {
    expect(formatEpochUs(1795217731899822)).toMatch(/^1795217731\.899822 \(\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\.899822 2026\)$/);
  });
});

describe('keepalived.json', () => {
  it('has the 2.2.7 keys and values, auth_data redacted', () => {
    const [obj] = JSON.parse(formatJson(input)) as Array<{ data: Record<string, unknown>; stats: Record<string, number> }>;
    expect(obj!.data).toMatchObject({
      iname: 'VI_1', ifp_ifname: 'hvla', vrid: 51, base_priority: 150, effective_priority: 150, state: 2, wantstate: 2,
      version: 2, adver_int: 1, garp_delay: 5, garp_rep: 5, vipset: true, auth_type: 1, auth_data: '********',
      vips: ['10.77.0.100/24 dev hvla scope global label hvla:vip set'], last_transition: 1795217731.899822,
    });
    expect(Object.keys(obj!.stats)).toEqual([
      'advert_rcvd', 'advert_sent', 'become_master', 'release_master', 'packet_len_err', 'advert_interval_err',
      'ip_ttl_err', 'invalid_type_rcvd', 'addr_list_err', 'invalid_authtype', 'authtype_mismatch', 'auth_failure',
      'pri_zero_rcvd', 'pri_zero_sent',
    ]);
    expect(JSON.stringify(obj)).not.toContain('secret1');
  });
});

describe('dump paths', () => {
  it('use $TMPDIR only when absolute, else /tmp', () => {
    expect(dumpPath('data', { TMPDIR: '/var/tmp/x' }, config)).toBe('/var/tmp/x/keepalived.data');
    expect(dumpPath('stats', { TMPDIR: 'relative' }, config)).toBe('/tmp/keepalived.stats');
    expect(dumpPath('json', {}, config)).toBe('/tmp/keepalived.json');
  });
  // keepalived 2.4.3 open_dump_file() / make_tmp_filename() (core/global_data.c, lib/utils.c).
  it('state_dump_file (2.3.3) places the data dump; stats and JSON stay in the temporary directory', () => {
    const at = (f: string, extra: Partial<typeof config.global> = {}): DaemonConfig => daemonConfig({ instances: [inst], global: { stateDumpFile: f, statsDumpFile: '/x/s', jsonDumpFile: '/x/j', ...extra } });
    expect(dumpPath('data', {}, at('/var/lib/ka/state.txt'))).toBe('/var/lib/ka/state.txt');
    expect(dumpPath('data', {}, at('/var/lib/ka/'))).toBe('/var/lib/ka/keepalived.data');
    expect(dumpPath('data', { TMPDIR: '/run/t' }, at('state'))).toBe('/run/t/state');
    expect(dumpPath('data', {}, at('sub/dir/st.dump'))).toBe('/tmp/st.dump');
    expect(dumpPath('data', {}, at('/var/lib/ka/st.dump', { dataUseInstance: true, instanceName: 'i1', netNamespace: 'ns' }))).toBe('/var/lib/ka/st.ns_i1.dump');
    expect(dumpPath('stats', {}, at('/var/lib/ka/st.dump'))).toBe('/tmp/keepalived.stats');
    expect(dumpPath('json', {}, at('/var/lib/ka/st.dump'))).toBe('/tmp/keepalived.json');
  });
  it('IPv6 VIPs carry preferred_lft forever as keepalived prints them', () => {
    expect(formatVip(vip('fd00:77::100', { prefix: 64, family: 6 }), 'hvla', true)).toBe('fd00:77::100/64 dev hvla scope global preferred_lft forever set');
  });
});

describe('json_version 2 (keepalived 2.2.8+)', () => {
  it('version 1 (default) is the bare array; version 2 wraps it in {"vrrp": [...]}', () => {
    const v1 = JSON.parse(formatJson(input)) as unknown[];
    expect(Array.isArray(v1)).toBe(true);
    const v2 = JSON.parse(formatJson({ ...input, config: daemonConfig({ instances: [inst], global: { jsonVersion: 2 } }) })) as { vrrp: unknown[]; track_process?: unknown };
    expect(v2.vrrp).toEqual(v1);
    expect(v2.track_process).toBeUndefined();
  });
  it('version 2 lists the process trackers with keepalived\'s field names', () => {
    const tp: TrackProcessConfig = {
      name: 'nginx', process: '/usr/sbin/nginx', params: ['-g', 'daemon off;'], paramMatch: 'exact', fullCommand: true,
      weight: 10, reverse: true, quorum: 2, quorumMax: 4, terminateDelay: micros(500_000), forkDelay: micros(0),
    };
    const cfg: DaemonConfig = { ...daemonConfig({ instances: [inst], global: { jsonVersion: 2 } }), trackProcesses: [tp] };
    const v2 = JSON.parse(formatJson({ ...input, config: cfg, trackProcesses: { nginx: { current: 3, haveQuorum: true, forkTimerRunning: false, terminateTimerRunning: true } } })) as { track_process: unknown[] };
    expect(v2.track_process).toEqual([{
      process: '/usr/sbin/nginx', parameters: '-g daemon off;', param_match: 'exact', min_processes: 2, max_processes: 4,
      current_processes: 3, have_quorum: true, weight: -10, terminate_delay: 0.5, fork_delay: 0,
      fork_delay_timer_running: false, terminate_delay_timer_running: true, full_command: true,
    }]);
  });
});
