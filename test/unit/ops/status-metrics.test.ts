// The status document, its text form, the Prometheus registry (native + exporter-compatible names, every
// series the example dashboard queries), the metrics listener's answers to odd requests, and systemd
// notify through the addon to a real Unix datagram receiver.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadNative } from '../../../src/native/index.js';
import { MetricsServer, parseListen, type MetricsSource } from '../../../src/ops/metrics.js';
import { OpsRecorder } from '../../../src/ops/recorder.js';
import { SdNotifier } from '../../../src/ops/sd-notify.js';
import { buildStatus, renderStatus, type StatusInputs } from '../../../src/ops/status.js';
import { VrrpCore } from '../../../src/vrrp/core.js';
import { encodeAdvert } from '../../../src/vrrp/packet.js';
import { centiseconds, micros } from '../../../src/net/units.js';
import { daemonConfig, instanceConfig, vip } from '../../support/config.js';

const log = pino({ level: 'silent' });

/** A started MASTER core (priority 150, +20 from a script that is up) with one VIP and a unicast peer heard once. */
function fixture(o: { splitBrain?: boolean; claim?: boolean } = {}): { inputs: StatusInputs; rec: OpsRecorder; clock: { mono: number; epoch: number } } {
  const clock = { mono: 1000, epoch: Date.parse('2026-12-02T10:00:00Z') };
  const rec = new OpsRecorder({ epochMs: () => clock.epoch, monoMs: () => clock.mono });
  const config = daemonConfig({ instances: [instanceConfig({ priority: 150, vips: [vip('10.0.0.100', { prefix: 24 })], peers: ['10.0.0.2'], unicastSrcIp: '10.0.0.1', trackScripts: [{ name: 'chk', weight: 20, reverse: false }] })] });
  const core = new VrrpCore(config);
  const feed = (now: number, input: Parameters<VrrpCore['step']>[1]): void => {
    rec.onInput(input);
    for (const e of core.step(micros(now), input)) rec.onEffect(e);
  };
  feed(0, { kind: 'interfaceAddress', ifname: 'eth0', family: 4, address: '10.0.0.1' });
  feed(0, { kind: 'script', name: 'chk', ok: true });
  feed(0, { kind: 'start' });
  for (let t = 0; t < 10; t++) feed(core.nextDeadline() ?? 0, { kind: 'tick' });
  const bytes = encodeAdvert({ version: 2, vrid: 51, priority: 100, advertInt: centiseconds(100), addresses: ['10.0.0.100'], family: 4 }, { src: '10.0.0.2', dst: '10.0.0.1', checksumMode: 'plain' });
  rec.onPacket({ family: 4, ifname: 'eth0', src: '10.0.0.2', dst: '10.0.0.1', ttl: 255, data: bytes, hasIpHeader: false });
  // The peer advertising as MASTER too (priority 100 < 170): a split brain this MASTER heals.
  if (o.splitBrain) feed(core.nextDeadline()! - 1, { kind: 'packet', packet: { family: 4, ifname: 'eth0', src: '10.0.0.2', dst: '10.0.0.1', ttl: 255, data: bytes, hasIpHeader: false } });
  // Another host's GARP for the VIP (the claim watch): one claim, still watched.
  if (o.claim) feed(core.nextDeadline()! - 1, { kind: 'arp', ifname: 'eth0', senderIp: '10.0.0.100', senderMac: '52:54:00:00:00:02' });
  clock.mono += 400;
  clock.epoch += 60_000;
  const inputs: StatusInputs = {
    snapshot: core.snapshot(),
    config,
    recorder: rec,
    link: (n) => (n === 'eth0' ? { name: 'eth0', index: 2, mac: undefined, adminUp: true, running: true, up: true, mtu: 1500, addresses: { 4: [{ family: 4, address: '10.0.0.100', prefix: 24 }], 6: [] } } : undefined),
    linksAvailable: true,
    meta: { version: '9.9.9', pid: 42, configFile: '/etc/keepalived/keepalived.conf', startedAtMs: clock.epoch - 120_000, transport: 'raw', lagMs: { mean: 0.2, p99: 1.5, max: 3 } },
  };
  return { inputs, rec, clock };
}

describe('status', () => {
  it('the JSON document has every field of the schema, from the live core and the kernel', () => {
    const { inputs } = fixture();
    const st = buildStatus(inputs)!;
    expect(st.schema).toBe(1);
    expect(st.daemon).toEqual({ version: '9.9.9', pid: 42, configFile: '/etc/keepalived/keepalived.conf', startedAt: '2026-12-02T09:59:00.000Z', uptimeSeconds: 120, transport: 'raw', lastReload: null, eventLoopLagMs: { mean: 0.2, p99: 1.5, max: 3 } });
    const i = st.instances[0]!;
    expect(i).toMatchObject({
      name: 'VI_1',
      vrid: 51,
      state: 'MASTER',
      lastTransition: { from: 'BACKUP', to: 'MASTER', reason: 'master-no-response' },
      priority: { configured: 150, effective: 170 },
      maintenance: false,
      yielding: false,
      takeoverPriority: null,
      trackers: [{ type: 'script', name: 'chk', status: 'up', weight: 20 }],
      master: { address: '10.0.0.1', priority: 170, self: true },
      peers: [{ address: '10.0.0.2', lastAdvertAge: 0.4, lastPriority: 100 }],
      vips: [{ address: '10.0.0.100', prefix: 24, interface: 'eth0', present: true, excluded: false }],
      lastGarp: { reason: 'master-delay', interface: 'eth0' },
    });
    expect(i.since).toBe('2026-12-02T10:00:00.000Z');
    expect(i.counters.advert_sent).toBeGreaterThan(0);
    expect(i.counters.become_master).toBe(1);
    expect(JSON.stringify(st)).not.toMatch(/auth_?pass|authData/i);
    expect(buildStatus(inputs, 'VI_9')).toBeUndefined();
  });

  it('split-brain healing: the count and the last heal in status, one split-brain event, the counter on /metrics', async () => {
    const { inputs, rec } = fixture({ splitBrain: true });
    const i = buildStatus(inputs)!.instances[0]!;
    expect(i.splitBrain).toEqual({ heals: 1, last: { time: '2026-12-02T10:00:00.000Z', peer: '10.0.0.2', peerPriority: 100 }, claims: 0, claimReleases: 0, watching: null });
    expect(buildStatus(fixture().inputs)!.instances[0]!.splitBrain).toEqual({ heals: 0, last: null, claims: 0, claimReleases: 0, watching: null });
    const ev = rec.events.list(100).filter((e) => e.kind === 'split-brain');
    expect(ev).toEqual([expect.objectContaining({ instance: 'VI_1', message: '(VI_1) split brain: 10.0.0.2 was MASTER too (priority 100, ours 170) - re-announced, notify_master re-run' })]);
    const text = await new MetricsServer(metricsSource(inputs, rec), log).registry.metrics();
    expect(text).toMatch(/^havipd_split_brain_heals_total\{instance="VI_1"\} 1$/m);
  });

  it('the claim watch: the claimant watched in status and the text form, the counters on /metrics', async () => {
    const { inputs, rec, clock } = fixture({ claim: true });
    const i = buildStatus(inputs)!.instances[0]!;
    expect(i.splitBrain).toEqual({ heals: 0, last: null, claims: 1, claimReleases: 0, watching: { mac: '52:54:00:00:00:02', vip: '10.0.0.100' } });
    expect(renderStatus(buildStatus(inputs)!, clock.epoch)).toContain('watching 52:54:00:00:00:02 (claims 10.0.0.100)');
    expect(rec.events.list(100).filter((e) => e.kind === 'split-brain')).toEqual([expect.objectContaining({ instance: 'VI_1', message: '(VI_1) 52:54:00:00:00:02 claims VIP 10.0.0.100 on eth0 - probing it with each advert until it lets go' })]);
    const text = await new MetricsServer(metricsSource(inputs, rec), log).registry.metrics();
    expect(text).toMatch(/^havipd_vip_claims_total\{instance="VI_1"\} 1$/m);
    expect(text).toMatch(/^havipd_vip_claim_releases_total\{instance="VI_1"\} 0$/m);
  });

  it('the text form is a header and five lines per instance', () => {
    const { inputs, clock } = fixture();
    const text = renderStatus(buildStatus(inputs)!, clock.epoch);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toBe('havipd 9.9.9  pid 42  up 2m00s  /etc/keepalived/keepalived.conf  no reload  loop lag p99 1.5 ms');
    expect(lines[1]).toBe('VI_1  vrid 51  eth0  MASTER since 10:00:00Z (1m00s ago, master-no-response)  prio 170/150');
    expect(lines[2]).toBe('  master: self 10.0.0.1   peers: 10.0.0.2 0.4s ago (prio 100)');
    expect(lines[3]).toBe('  vips: 10.0.0.100/24 eth0 present');
    expect(lines[4]).toBe('  trackers: script chk up (+20)');
    expect(lines[5]).toMatch(/^ {2}last garp: 1m00s ago \(master-delay\) {2}adverts sent \d+ rcvd 0 {2}drops 0 {2}became master 1 {2}released 0$/);
  });
});

function metricsSource(inputs: StatusInputs, rec: OpsRecorder): MetricsSource {
  return {
    status: () => buildStatus(inputs)!,
    transitions: () => [...rec.transitions].map(([k, count]) => {
      const [instance, from, to, reason] = k.split('|') as [string, string, string, string];
      return { instance, from, to, reason, count };
    }),
    reloads: () => rec.reloads,
    garpDelay: () => 5,
    control: () => ({ requests: { status: 3 }, errors: { 'bad-json': 1 }, rejected: 0, slowDropped: 0, idleClosed: 0 }),
  };
}

/** Series names (with labels) of a text exposition. */
function series(text: string): string[] {
  return text.split('\n').filter((l) => l && !l.startsWith('#'));
}

describe('metrics', () => {
  it('exposes the native series, the process defaults and both exporters\' names with their labels', async () => {
    const { inputs, rec } = fixture();
    const m = new MetricsServer(metricsSource(inputs, rec), log);
    const text = await m.registry.metrics();
    expect(m.registry.contentType).toContain('version=0.0.4');
    const s = series(text);
    const has = (re: RegExp): void => void expect(s.some((l) => re.test(l)), String(re)).toBe(true);
    has(/^havipd_instance_state\{instance="VI_1",vrid="51",state="MASTER"\} 1$/);
    has(/^havipd_instance_priority\{instance="VI_1",kind="effective"\} 170$/);
    has(/^havipd_transitions_total\{instance="VI_1",from="BACKUP",to="MASTER",reason="master-no-response"\} 1$/);
    has(/^havipd_peer_last_advert_age_seconds\{instance="VI_1",peer="10.0.0.2"\} 0.4$/);
    has(/^havipd_vip_present\{instance="VI_1",address="10.0.0.100\/24",interface="eth0"\} 1$/);
    has(/^havipd_tracker_up\{instance="VI_1",type="script",name="chk"\} 1$/);
    has(/^havipd_control_errors_total\{code="bad-json"\} 1$/);
    has(/^process_cpu_seconds_total /);
    has(/^nodejs_eventloop_lag_seconds /);
    has(/^keepalived_up 1$/);
    has(/^keepalived_vrrp_state\{iname="VI_1",intf="eth0",vrid="51",ip_address="10.0.0.100\/24"\} 2$/);
    has(/^keepalived_gratuitous_arp_delay_total\{iname="VI_1",intf="eth0",vrid="51"\} 5$/);
    has(/^keepalived_script_status\{name="chk"\} 1$/);
    // gen2brain: 14 keepalived_vrrp_* counters with name, intf, vrid, state.
    const gen2brain = ['advert_rcvd', 'advert_sent', 'become_master', 'release_master', 'packet_len_err', 'advert_interval_err', 'ip_ttl_err', 'invalid_type_rcvd', 'addr_list_err', 'invalid_authtype', 'authtype_mismatch', 'auth_failure', 'pri_zero_rcvd', 'pri_zero_sent'];
    for (const k of gen2brain) has(new RegExp(`^keepalived_vrrp_${k}\\{name="VI_1",intf="eth0",vrid="51",state="MASTER"\\} \\d+$`));
    // mehdy: keepalived_*_total with iname, intf, vrid.
    const mehdy = ['advertisements_received', 'advertisements_sent', 'become_master', 'release_master', 'packet_length_errors', 'advertisements_interval_errors', 'ip_ttl_errors', 'invalid_type_received', 'address_list_errors', 'authentication_invalid', 'authentication_mismatch', 'authentication_failure', 'priority_zero_received', 'priority_zero_sent'];
    for (const k of mehdy) has(new RegExp(`^keepalived_${k}_total\\{iname="VI_1",intf="eth0",vrid="51"\\} \\d+$`));
    const sent = inputs.snapshot.instances[0]!.stats.advert_sent;
    has(new RegExp(`^keepalived_vrrp_advert_sent\\{[^}]*\\} ${sent}$`));
    has(new RegExp(`^keepalived_advertisements_sent_total\\{[^}]*\\} ${sent}$`));
  });

  it('every series the example Grafana dashboard queries is in a scrape', async () => {
    const { inputs, rec } = fixture();
    const m = new MetricsServer(metricsSource(inputs, rec), log);
    const names = new Set(series(await m.registry.metrics()).map((l) => l.replace(/[{ ].*$/, '')));
    const dash = JSON.parse(readFileSync(new URL('../../../examples/grafana-havipd.json', import.meta.url), 'utf8')) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
    const queried = new Set<string>();
    for (const p of dash.panels) for (const t of p.targets ?? []) for (const n of t.expr.match(/\b(?:havipd|keepalived|process|nodejs)_[a-z0-9_]+/g) ?? []) queried.add(n);
    expect(queried.size).toBeGreaterThan(8);
    for (const n of queried) expect(names.has(n), n).toBe(true);
  });

  it('the listener answers odd methods, bodies and paths with clear errors, counted', async () => {
    const { inputs, rec } = fixture();
    const m = new MetricsServer(metricsSource(inputs, rec), log);
    expect(await m.listen('127.0.0.1', 0)).toBe(true);
    const port = ((m as unknown as { server: Server }).server.address() as { port: number }).port;
    const ask = (method: string, path: string, body?: string): Promise<{ status: number; text: string; type: string }> =>
      new Promise((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: body ? { 'Content-Length': Buffer.byteLength(body) } : {} }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text, type: String(res.headers['content-type']) }));
        });
        req.on('error', reject);
        req.end(body);
      });
    try {
      const ok = await ask('GET', '/metrics');
      expect(ok.status).toBe(200);
      expect(ok.type).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(ok.text).toContain('keepalived_up 1');
      expect((await ask('POST', '/metrics', 'x')).status).toBe(405);
      expect((await ask('DELETE', '/metrics')).text).toContain('not allowed');
      expect((await ask('GET', '/metrics', 'a body')).status).toBe(400);
      expect((await ask('GET', '/')).status).toBe(404);
      expect(m.errors).toEqual({ method: 2, body: 1, path: 1 });
      expect(await m.registry.metrics()).toContain('havipd_metrics_http_errors_total{reason="malformed"} 0');
      expect(await m.registry.metrics()).toContain('havipd_metrics_http_errors_total{reason="method"} 2');
    } finally {
      await m.close();
    }
  });

  it('--metrics-listen: a port alone is loopback; never all interfaces unless given', () => {
    expect(parseListen('9650')).toEqual({ host: '127.0.0.1', port: 9650 });
    expect(parseListen('0.0.0.0:9650')).toEqual({ host: '0.0.0.0', port: 9650 });
    expect(parseListen('[::1]:9650')).toEqual({ host: '::1', port: 9650 });
    expect(parseListen('10.0.0.1:80')).toEqual({ host: '10.0.0.1', port: 80 });
    for (const bad of ['', ':', 'host:', 'x:0', 'x:70000', 'a:b:c']) expect(parseListen(bad), bad).toBeUndefined();
  });
});

describe('systemd notify', () => {
  it('READY, STATUS, RELOADING and WATCHDOG datagrams reach $NOTIFY_SOCKET through the addon', async () => {
    const native = loadNative();
    const dir = mkdtempSync(join(tmpdir(), 'havipd-sd-'));
    const path = join(dir, 'notify.sock');
    const fd = native.openUnixDgram(path);
    try {
      const sd = new SdNotifier({ env: { NOTIFY_SOCKET: path, WATCHDOG_USEC: '200000' }, send: (p, m) => void native.sdNotify(p, m), log, pid: 77, monotonicUs: () => 123n });
      sd.ready('VI_1 MASTER;\npeer 10.0.0.2 heard 0.4 s ago');
      sd.reloading();
      sd.reloaded('VI_1 BACKUP');
      expect(sd.startWatchdog()).toBe(100);
      const got: string[] = [];
      for (let i = 0; i < 1000 && got.length < 4; i++) {
        const d = native.recvUnixDgram(fd);
        if (d === null) await new Promise((r) => setImmediate(r));
        else got.push(d);
      }
      sd.close();
      expect(got).toEqual(['READY=1\nSTATUS=VI_1 MASTER; peer 10.0.0.2 heard 0.4 s ago\nMAINPID=77', 'RELOADING=1\nMONOTONIC_USEC=123', 'READY=1\nSTATUS=VI_1 BACKUP', 'WATCHDOG=1']);
    } finally {
      native.close(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without $NOTIFY_SOCKET nothing is sent; a watchdog for another pid is not started', () => {
    const sent: string[] = [];
    const send = (_p: string, m: string): void => void sent.push(m);
    const off = new SdNotifier({ env: {}, send, log });
    off.ready('x');
    off.status('y');
    expect(off.startWatchdog()).toBeUndefined();
    expect(sent).toEqual([]);
    const other = new SdNotifier({ env: { NOTIFY_SOCKET: '/x', WATCHDOG_USEC: '1000000', WATCHDOG_PID: '1' }, send, log, pid: 2 });
    expect(other.startWatchdog()).toBeUndefined();
  });

  it('STOPPING=1 is sent once however many parts of the shutdown ask for it', () => {
    const sent: string[] = [];
    const sd = new SdNotifier({ env: { NOTIFY_SOCKET: '/x' }, send: (_p, m) => void sent.push(m), log });
    sd.stopping();
    sd.stopping();
    expect(sent).toEqual(['STOPPING=1']);
  });
});
