// `havipd doctor` (issue 11 §5) and advert source hygiene (§6) in real namespaces: doctor run in node A's
// namespace finds a blocked protocol 112 (an nftables drop, the peer running havipd or keepalived 2.2.7), a
// VRID clash (a third router on the same VRID that is no unicast_peer), a VIP that became the interface's
// primary address, and reports all-ok on a healthy pair. Then havipd's adverts keep the VM's own source
// when the VIP is the interface's first address — before start and after a "network restart" while
// running — as tcpdump sees them, and keepalived 2.2.7 with check_unicast_src keeps accepting them.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { interopGuard } from '../support/interop-guard.js';
import { lanScenario, type Side } from '../support/lan-scenario.js';
import { assertBuilt, HAVIPD_BIN } from '../support/havipd.js';
import { entering, vipIn, vrrpConfig } from '../support/scenario.js';
import { sleep, waitFor } from '../support/netns.js';
import type { DoctorReport } from '../../src/doctor/report.js';

const guard = interopGuard(['nft']);

/** An empty DMI directory: no cloud, whatever this machine runs on. */
const NO_DMI = mkdtempSync(join(tmpdir(), 'hv-doctor-dmi-'));

describe.skipIf(guard.skip)('interop: havipd doctor and advert source addresses', () => {
  const sc = lanScenario({ vridBase: 120, scratch: 'hv-doctor' });

  beforeAll(async () => {
    await assertBuilt();
  });

  /** Unicast config of `side` (peer: the other side), with unicast_src_ip unless `noSrc`. */
  const conf = (side: Side, priority: number, o: { noSrc?: boolean; vrid?: number; vip?: string; src?: string; peer?: string; extra?: string[] } = {}): string => {
    const other: Side = side === 'a' ? 'b' : 'a';
    return vrrpConfig({
      routerId: `hv_${side}`,
      instances: [
        {
          iface: sc.iface(side),
          vrid: o.vrid ?? sc.vrid,
          priority,
          vips: [o.vip ?? sc.vip],
          ...(o.noSrc ? {} : { unicastSrc: o.src ?? sc.ip(side) }),
          unicastPeers: [o.peer ?? sc.ip(other)],
          ...(o.extra ? { extra: o.extra } : {}),
        },
      ],
    });
  };

  /** Run doctor in A's namespace on `config`; returns the exit code and the parsed --json report. */
  async function doctor(config: string, listen = 4): Promise<{ code: number; report: DoctorReport; raw: string }> {
    const file = join(sc.scratch, `doctor-${sc.vrid}.conf`);
    writeFileSync(file, config);
    const r = await sc.ns('a').exec(
      [process.execPath, HAVIPD_BIN, 'doctor', '-f', file, '--json', '--listen', String(listen), '--dmi-root', NO_DMI, '--control-socket', join(sc.scratch, 'no-daemon.sock')],
      { check: false, timeoutMs: 60_000 },
    );
    let report: DoctorReport;
    try {
      report = JSON.parse(r.stdout) as DoctorReport;
    } catch {
      throw new Error(`doctor printed no JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
    }
    return { code: r.code, report, raw: r.stdout };
  }

  const find = (r: DoctorReport, check: string) => r.findings.filter((f) => f.check === check);

  it('healthy pair (havipd ⇄ havipd, unicast): every check ok, exit 0', async () => {
    const b = await sc.start('havipd', 'b', conf('b', 150));
    await b.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
    const a = await sc.start('havipd', 'a', conf('a', 100));
    await a.waitForLog(entering('BACKUP'), { timeoutMs: 10_000 });
    const { code, report, raw } = await doctor(conf('a', 100));
    expect(report.findings.filter((f) => f.status !== 'ok'), raw).toEqual([]);
    expect(code).toBe(0);
    expect(find(report, 'peer-adverts')[0]!.message).toMatch(new RegExp(`^heard \\d+ adverts from ${sc.ip('b').replace(/\./g, '\\.')} in 4 s \\(VRID ${sc.vrid}, priority 150\\)`));
    expect(find(report, 'vrid-clash')[0]!.status).toBe('ok');
    expect(find(report, 'firewall')[0]!.message).toMatch(/nft let VRRP through/);
    expect(report.summary.fail).toBe(0);
  });

  for (const peer of ['havipd', 'keepalived'] as const) {
    it(`blocked protocol 112 (nftables drop in A's namespace, peer ${peer}): firewall and peer-adverts fail, exit 1`, async () => {
      await sc.start(peer, 'b', conf('b', 150));
      await sc.ns('a').exec(['nft', '-f', '-'], { input: 'table inet hvdoctor {\n  chain in {\n    type filter hook input priority 0; policy accept;\n    ip protocol vrrp drop\n  }\n}\n' });
      try {
        const { code, report, raw } = await doctor(conf('a', 100));
        expect(code, raw).toBe(1);
        const fw = find(report, 'firewall');
        expect(fw.map((f) => f.status), raw).toEqual(['fail']);
        expect(fw[0]!.message).toMatch(new RegExp(`^inet hvdoctor in handle \\d+ drops VRRP from ${sc.ip('b').replace(/\./g, '\\.')} \\(IP protocol 112\\)`));
        const peerF = find(report, 'peer-adverts');
        expect(peerF[0]).toMatchObject({ status: 'fail', message: `no VRRP from ${sc.ip('b')} in 4 s` });
        expect(peerF[0]!.advice).toMatch(/allow IP protocol 112 from .* in the security group \/ firewall/);
      } finally {
        await sc.ns('a').exec(['nft', 'delete', 'table', 'inet', 'hvdoctor'], { check: false });
      }
    });
  }

  it('VRID clash: a third router on our VRID that is no unicast_peer (keepalived from another address) fails vrid-clash', async () => {
    // The legitimate peer on B, and a third router (keepalived 2.2.7) on B's LAN from .9, same VRID,
    // another VIP, sending to A as if A were its peer.
    const third = vipIn(sc.ip('b'), 9);
    await sc.ns('b').ip(['addr', 'add', `${third}/24`, 'dev', sc.iface('b')]);
    try {
      const b = await sc.start('havipd', 'b', conf('b', 150));
      await b.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
      const rogue = await sc.start('keepalived', 'b', conf('b', 120, { src: third, vip: `${vipIn(sc.ip('a'), 199)}/24`, peer: sc.ip('a') }));
      await rogue.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
      const { code, report, raw } = await doctor(conf('a', 100));
      expect(code, raw).toBe(1);
      const clash = find(report, 'vrid-clash');
      expect(clash.map((f) => f.status), raw).toEqual(['fail']);
      expect(clash[0]!.message).toMatch(new RegExp(`^${third.replace(/\./g, '\\.')} also uses VRID ${sc.vrid} on ${sc.iface('a')} \\(priority 120, .*is not a unicast_peer of VI_1`));
      // The real peer is heard and not reported as a clash.
      expect(find(report, 'peer-adverts')[0]!.status).toBe('ok');
    } finally {
      await sc.ns('b').ip(['addr', 'del', `${third}/24`, 'dev', sc.iface('b')], { check: false });
    }
  });

  /** A's addresses as after a bad network restart: the VIP first (primary), A's own address second. */
  async function vipFirstOnA(): Promise<void> {
    const ifA = sc.iface('a');
    await sc.ns('a').ip(['-4', 'addr', 'flush', 'dev', ifA]);
    await sc.ns('a').ip(['addr', 'add', sc.vip, 'dev', ifA]);
    await sc.ns('a').ip(['addr', 'add', `${sc.ip('a')}/24`, 'dev', ifA]);
    const shown = (await sc.ns('a').ip(['-4', '-o', 'addr', 'show', 'dev', ifA])).stdout;
    expect(shown.indexOf(sc.vip.split('/')[0]!)).toBeLessThan(shown.indexOf(`${sc.ip('a')}/24`));
  }
  async function restoreA(): Promise<void> {
    await sc.ns('a').ip(['-4', 'addr', 'flush', 'dev', sc.iface('a')]);
    await sc.ns('a').ip(['addr', 'add', `${sc.ip('a')}/24`, 'dev', sc.iface('a')]);
  }

  it('a VIP that became the primary address: vip-primary fails; the advert source is still the VM\'s own address', async () => {
    const b = await sc.start('havipd', 'b', conf('b', 150));
    await b.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
    await vipFirstOnA();
    try {
      const { code, report, raw } = await doctor(conf('a', 100, { noSrc: true }));
      expect(code, raw).toBe(1);
      const vp = find(report, 'vip-primary');
      expect(vp.map((f) => f.status), raw).toEqual(['fail']);
      expect(vp[0]!.message).toMatch(new RegExp(`^the VIP ${sc.vip.split('/')[0]!.replace(/\./g, '\\.')} \\(of VI_1\\) is ${sc.iface('a')}'s primary IPv4 address`));
      expect(find(report, 'source-address')[0]).toMatchObject({ status: 'ok', message: `adverts leave from ${sc.ip('a')} (${sc.iface('a')}'s primary address)` });
      expect(report.findings.filter((f) => f.status === 'fail').map((f) => f.check)).toEqual(['vip-primary']);
    } finally {
      await restoreA();
    }
  });

  // §6: keepalived 2.2.7 on B with check_unicast_src drops adverts whose source is not its unicast_peer.
  const kaConf = (): string => conf('b', 100, { extra: ['check_unicast_src'] });

  /** Adverts from A's side as B's capture saw them. */
  async function advertSources(since = 0): Promise<string[]> {
    const rows = (await sc.cap!.peek()).filter((r) => r.proto === 'vrrp' && r.time >= since && r.vrrp?.vrid === sc.vrid && r.src !== sc.ip('b'));
    return rows.map((r) => r.src ?? '?');
  }

  it('§6: the VIP is A\'s first address before havipd starts: adverts leave from A\'s own address; keepalived (check_unicast_src) stays BACKUP', async () => {
    // havipd (like keepalived) removes leftover VIPs at start-up; deleting a primary address deletes its
    // secondaries unless promote_secondaries is on (systemd's default; doctor's vip-primary check says so).
    const sysctl = `net.ipv4.conf.${sc.iface('a')}.promote_secondaries`;
    const before = (await sc.ns('a').exec(['sysctl', '-n', sysctl])).stdout.trim();
    await sc.ns('a').exec(['sysctl', '-qw', `${sysctl}=1`]);
    await vipFirstOnA();
    try {
      await sc.explain(async () => {
      await sc.capture(`src-start-${sc.vrid}.pcap`, 'ip proto 112');
      const b = await sc.start('keepalived', 'b', kaConf());
      await b.waitForLog(entering('BACKUP'), { timeoutMs: 10_000 });
      const a = await sc.start('havipd', 'a', conf('a', 150, { noSrc: true }));
      // The unicast socket is bound to A's own address, not to the VIP that was first at start.
      const pool = await a.waitForLog(/VRRP sockpool: \[interface/, { timeoutMs: 10_000 });
      expect(pool).toContain(`VRRP sockpool: [interface(${sc.iface('a')}), family(IPv4), unicast, address(${sc.ip('a')})]`);
      await a.waitForLog(entering('MASTER'), { timeoutMs: 15_000 });
      expect(a.countLog(entering('FAULT'))).toBe(0);
      const masterSince = b.countLog(entering('MASTER'));
      // 4 advert intervals of A as MASTER.
      await waitFor(async () => (await advertSources()).length >= 4 || undefined, { timeoutMs: 15_000, intervalMs: 250, what: '4 adverts from A' });
      const sources = await advertSources();
      expect(new Set(sources)).toEqual(new Set([sc.ip('a')]));
      // B accepts them: it does not take over (it would after Master_Down_Interval ≈ 3.6 s if it dropped them).
      await sleep(4_500);
      expect(b.countLog(entering('MASTER'))).toBe(masterSince);
      expect(new Set(await advertSources())).toEqual(new Set([sc.ip('a')]));
      });
    } finally {
      await restoreA();
      await sc.ns('a').exec(['sysctl', '-qw', `${sysctl}=${before}`], { check: false });
    }
  });

  it('§6: the VIP becomes A\'s first address while havipd runs (network restart): adverts come back from A\'s own address; keepalived returns to and stays BACKUP', async () => {
    await sc.capture(`src-running-${sc.vrid}.pcap`, 'ip proto 112');
    const b = await sc.start('keepalived', 'b', kaConf());
    await b.waitForLog(entering('BACKUP'), { timeoutMs: 10_000 });
    const a = await sc.start('havipd', 'a', conf('a', 150, { noSrc: true }));
    await a.waitForLog(entering('MASTER'), { timeoutMs: 15_000 });
    try {
      await vipFirstOnA();
      const restarted = Date.now() / 1000;
      // A lost its source during the flush (FAULT), and is MASTER again once its own address is back.
      await a.waitForLog(entering('MASTER'), { timeoutMs: 15_000, after: 1 });
      await waitFor(async () => (await advertSources(restarted)).length >= 4 || undefined, { timeoutMs: 20_000, intervalMs: 250, what: '4 adverts from A after the restart' });
      const backups = b.countLog(entering('BACKUP'));
      const masters = b.countLog(entering('MASTER'));
      await sleep(4_500);
      const sources = await advertSources(restarted);
      expect(sources.length).toBeGreaterThanOrEqual(4);
      expect(new Set(sources)).toEqual(new Set([sc.ip('a')]));
      // B is BACKUP at the end and has not become MASTER again while A sends from its own address.
      expect(b.countLog(entering('MASTER'))).toBe(masters);
      expect(b.countLog(entering('BACKUP'))).toBe(backups);
      expect(b.countLog(entering('BACKUP'))).toBeGreaterThanOrEqual(1);
    } finally {
      await restoreA();
    }
  });

  it('a multicast instance on a detected cloud, more VIPs than the GARP limit: doctor fails both (DMI from a fixture directory)', async () => {
    const dmi = mkdtempSync(join(tmpdir(), 'hv-doctor-dmi-tencent-'));
    writeFileSync(join(dmi, 'sys_vendor'), 'Tencent Cloud\n');
    writeFileSync(join(dmi, 'product_name'), 'CVM\n');
    const vips = Array.from({ length: 6 }, (_, i) => `${vipIn(sc.ip('a'), 150 + i)}/32`);
    const config = vrrpConfig({ routerId: 'hv_a', instances: [{ iface: sc.iface('a'), vrid: sc.vrid, priority: 100, vips }] });
    const file = join(sc.scratch, 'doctor-cloud.conf');
    writeFileSync(file, config);
    const r = await sc.ns('a').exec([process.execPath, HAVIPD_BIN, 'doctor', '-f', file, '--listen', '0', '--dmi-root', dmi, '--control-socket', join(sc.scratch, 'no-daemon.sock')], { check: false, timeoutMs: 60_000 });
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/\nok +cloud +Tencent Cloud \(sys_vendor="Tencent Cloud"\)\n/);
    expect(r.stdout).toMatch(/\nfail +multicast-on-cloud +VI_1: VI_1 sends VRRP by multicast \(224\.0\.0\.18\)/);
    expect(r.stdout).toMatch(new RegExp(`\\nfail +garp-limit +${sc.iface('a')}: ${sc.iface('a')} carries 6 VIPs; Tencent Cloud moves at most 5 HAVIPs per NIC\\n +→ `));
    expect(r.stdout).toMatch(/\nskip +peer-adverts +VI_1: multicast: not listened for/);
  });
});
