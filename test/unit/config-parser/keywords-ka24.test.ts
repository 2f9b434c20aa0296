// keepalived 2.2.8–2.4.3 keywords with keepalived 2.4.3's checks (issue 13 §3; fixtures ka24-*.conf compare the
// -t exit codes with the 2.4.3 binary in test/interop/config-oracle.test.ts).
import { describe, expect, it } from 'vitest';
import { configTestExitCode } from '../../../src/cli/config-test.js';
import { parseText } from '../../support/parse-text.js';

const inst = (body: string, head = ''): string => `${head}vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n${body}\n virtual_ipaddress {\n  10.0.0.9\n }\n}\n`;

describe('2.2.8–2.4.3 instance keywords', () => {
  it('timer_expired_backup: 254 without a value, 1..254 with one, needs nopreempt', () => {
    expect(parseText(inst(' nopreempt\n timer_expired_backup')).config!.instances[0]!.timerExpiredBackup).toBe(254);
    expect(parseText(inst(' nopreempt\n timer_expired_backup 200')).config!.instances[0]!.timerExpiredBackup).toBe(200);
    const bad = parseText(inst(' nopreempt\n timer_expired_backup 255'));
    expect(bad.config!.instances[0]!.timerExpiredBackup).toBeUndefined();
    expect(configTestExitCode(bad.diagnostics)).toBe(5);
    const noNopreempt = parseText(inst(' timer_expired_backup 100'));
    expect(noNopreempt.config!.instances[0]!.timerExpiredBackup).toBeUndefined();
    expect(noNopreempt.diagnostics.map((d) => d.code)).toContain('timer-expired-backup-preempt');
  });
  it('thread_timer_expired: accepted with an error, same value', () => {
    const r = parseText(inst(' nopreempt\n thread_timer_expired 100'));
    expect(r.config!.instances[0]!.timerExpiredBackup).toBe(100);
    expect(configTestExitCode(r.diagnostics)).toBe(5);
  });
  it('owner_ignore_adverts false on an owner: error, set', () => {
    const r = parseText(inst(' priority 255\n owner_ignore_adverts false'));
    expect(r.config!.instances[0]!.ownerIgnoreAdverts).toBe(true);
    expect(r.diagnostics.map((d) => d.code)).toContain('owner-ignore-adverts-required');
  });
  it('owner_ignore_adverts: only for owners; global default; strict owners always', () => {
    expect(parseText(inst(' priority 100\n owner_ignore_adverts')).config!.instances[0]!.ownerIgnoreAdverts).toBe(false);
    expect(parseText(inst(' priority 255')).config!.instances[0]!.ownerIgnoreAdverts).toBe(false);
    expect(parseText(inst(' priority 255', 'global_defs {\n vrrp_owner_ignore_adverts\n}\n')).config!.instances[0]!.ownerIgnoreAdverts).toBe(true);
    expect(parseText(inst(' priority 255\n strict_mode')).config!.instances[0]!.ownerIgnoreAdverts).toBe(true);
  });
  it('a duplicate unicast_peer or VIP is refused (2.4.3; 2.2.7 accepted it)', () => {
    const p = parseText('vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n unicast_peer {\n  10.0.0.2\n  10.0.0.2\n }\n virtual_ipaddress {\n  10.0.0.9\n  10.0.0.9\n }\n}\n');
    expect(p.config!.instances[0]!.unicastPeers).toHaveLength(1);
    expect(p.config!.instances[0]!.vips).toHaveLength(1);
    expect(p.diagnostics.map((d) => d.code)).toEqual(expect.arrayContaining(['duplicate-unicast-peer', 'duplicate-vip']));
    expect(configTestExitCode(p.diagnostics)).toBe(5);
  });
});

describe('2.2.8–2.4.3 global keywords', () => {
  it('json_version, dump files, delay after boot, iproute dirs, use_symlink_paths: kept, no error', () => {
    const r = parseText(inst('', 'global_defs {\n json_version 2\n state_dump_file /var/tmp/s.data\n json_dump_file /x/j\n stats_dump_file /x/s\n vrrp_delay_after_boot 90.5\n iproute_usr_dir /usr/lib/iproute2\n iproute_etc_dir /etc/iproute2\n use_symlink_paths\n}\n'));
    const g = r.config!.global;
    expect([g.jsonVersion, g.stateDumpFile, g.jsonDumpFile, g.statsDumpFile, g.delayAfterBoot, g.iprouteUsrDir, g.iprouteEtcDir, g.useSymlinkPaths])
      .toEqual([2, '/var/tmp/s.data', '/x/j', '/x/s', 90_500_000, '/usr/lib/iproute2', '/etc/iproute2', true]);
    expect(configTestExitCode(r.diagnostics)).toBe(0);
    expect(r.diagnostics.every((d) => d.code === 'keyword-too-new' && d.severity === 'info')).toBe(true);
  });
  it('json_version 3 and a dump file with two words are errors', () => {
    expect(configTestExitCode(parseText(inst('', 'global_defs {\n json_version 3\n}\n')).diagnostics)).toBe(5);
    expect(configTestExitCode(parseText(inst('', 'global_defs {\n state_dump_file /a /b\n}\n')).diagnostics)).toBe(5);
  });
});
