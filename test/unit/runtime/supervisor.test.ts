// The Supervisor (runtime shell) with fake edges (ARCHITECTURE.md §5): effects performed in order on the transport,
// addresses and frames; VIP add failure → FAULT (and its recovery on link up); socket open failure →
// FAULT; SIGHUP reload keeps a MASTER without GARP and releases removed instances; SIGTERM sends
// priority 0 before removing VIPs. Time: FakeClock + vitest fake timers moved together.
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DaemonConfig, VipConfig, VrrpInstanceConfig } from '../../../src/config-parser/types.js';
import { HavipdError } from '../../../src/errors.js';
import type { ArpWatchEdge, ArpWatchHandlers } from '../../../src/edges/arp-watch.js';
import type { FrameSender } from '../../../src/edges/frames.js';
import { createLogger } from '../../../src/log.js';
import type { AddressEdge } from '../../../src/edges/addresses.js';
import { Supervisor, type SupervisorObserver } from '../../../src/runtime/supervisor.js';
import type { RouteEdge } from '../../../src/edges/routes.js';
import type { OpenTransport, SendOptions, Transport, TransportOpenOptions } from '../../../src/edges/transport/types.js';
import { decodeAdvert } from '../../../src/vrrp/packet.js';
import { micros } from '../../../src/net/units.js';
import { daemonConfig, instanceConfig, vip } from '../../support/config.js';
import { FakeAddressEdge } from '../../support/fake-addresses.js';
import { FakeClock } from '../../support/fake-clock.js';
import { FakeLinkEdge } from '../../support/fake-links.js';

/** Every edge operation, in the order performed: `advert:<prio>`, `add:<addr>`, `remove:<addr>`, `garp:<addr>`. */
type Ops = string[];

class RecordingAddresses implements AddressEdge {
  constructor(
    readonly inner: FakeAddressEdge,
    private readonly ops: Ops,
  ) {}
  async add(vip: VipConfig, ifname: string): Promise<void> {
    this.ops.push(`add:${vip.address}`);
    await this.inner.add(vip, ifname);
  }
  async remove(vip: VipConfig, ifname: string): Promise<void> {
    this.ops.push(`remove:${vip.address}`);
    await this.inner.remove(vip, ifname);
  }
  list(ifname: string, family?: 4 | 6) {
    return this.inner.list(ifname, family);
  }
  backend() {
    return this.inner.backend();
  }
  close(): void {
    this.inner.close();
  }
}

/** Records route / rule operations (`route+:ITEM`, `route-:ITEM`, `rule+:ITEM@PREF`, `rule-:ITEM@PREF`) and the set installed. */
class RecordingRoutes implements RouteEdge {
  readonly installed = new Set<string>();
  constructor(private readonly ops: Ops) {}
  async addRoute(item: string): Promise<void> {
    this.ops.push(`route+:${item}`);
    this.installed.add(`route ${item}`);
  }
  async removeRoute(item: string): Promise<void> {
    this.ops.push(`route-:${item}`);
    this.installed.delete(`route ${item}`);
  }
  async addRule(item: string, pref?: number): Promise<void> {
    this.ops.push(`rule+:${item}@${pref ?? ''}`);
    this.installed.add(`rule ${item}`);
  }
  async removeRule(item: string, pref?: number): Promise<void> {
    this.ops.push(`rule-:${item}@${pref ?? ''}`);
    this.installed.delete(`rule ${item}`);
  }
}

interface World {
  readonly clock: FakeClock;
  readonly ops: Ops;
  readonly links: FakeLinkEdge;
  readonly addresses: FakeAddressEdge;
  readonly routes: RecordingRoutes;
  readonly opened: TransportOpenOptions[];
  readonly closed: TransportOpenOptions[];
  /** The options of every advert sent (source, destination). */
  readonly sent: SendOptions[];
  readonly logs: string[];
  /** For each log line: how many edge operations had been performed when it was written. */
  readonly logAt: Array<{ msg: string; ops: number }>;
  failOpen: Set<string>;
  daemon: Supervisor;
}

function world(
  config: DaemonConfig,
  o: { failOpen?: string[]; noAddresses?: boolean; transportKind?: 'raw' | 'udp'; observer?: SupervisorObserver; sendNow?: { failTo?: string }; arpWatch?: FakeArpWatch; noFrames?: boolean } = {},
): World {
  const clock = new FakeClock(micros(1_000_000));
  const ops: Ops = [];
  const links = new FakeLinkEdge(['eth0', 'eth1']);
  links.addAddress('eth0', '10.0.0.1', 24);
  links.addAddress('eth1', '10.1.0.1', 24);
  const addresses = new FakeAddressEdge(['eth0', 'eth1']);
  const routes = new RecordingRoutes(ops);
  const opened: TransportOpenOptions[] = [];
  const closed: TransportOpenOptions[] = [];
  const sent: SendOptions[] = [];
  const logs: string[] = [];
  const logAt: Array<{ msg: string; ops: number }> = [];
  const w: Partial<World> & { failOpen: Set<string> } = { failOpen: new Set(o.failOpen ?? []) };
  const openTransport: OpenTransport = async (opts) => {
    if (w.failOpen.has(opts.ifname)) throw new HavipdError('HAVIPD_SOCKET', `socket on ${opts.ifname}: ENODEV`, { errno: 'ENODEV' });
    opened.push(opts);
    const record = (message: Uint8Array, so: SendOptions): void => {
      sent.push(so);
      const d = decodeAdvert(message, opts.family);
      ops.push(`advert:${d.ok ? d.advert.priority : '?'}`);
    };
    const t: Transport = {
      kind: 'raw',
      ifname: opts.ifname,
      family: opts.family,
      send: async (message, so) => record(message, so),
      // A raw socket's synchronous send (issue 12 §5): with it, the Supervisor sends adverts without a promise.
      ...(o.sendNow
        ? {
            send: () => Promise.reject(new Error('bug: send() used where sendNow() is there')),
            sendNow: (message: Uint8Array, so: SendOptions) => {
              if (so.dst === o.sendNow?.failTo) throw new HavipdError('HAVIPD_SOCKET', `send to ${so.dst} on ${opts.ifname}: ENETUNREACH`, { errno: 'ENETUNREACH' });
              record(message, so);
            },
          }
        : {}),
      join: async () => undefined,
      leave: async () => undefined,
      drainPending: async () => undefined,
      close: async () => {
        closed.push(opts);
      },
    };
    return t;
  };
  const frames: FrameSender = {
    sendGarp: async (_ifname, ip) => void ops.push(`garp:${ip}`),
    sendNa: async (_ifname, ip) => void ops.push(`na:${ip}`),
    sendArpProbe: async (_ifname, ip) => void ops.push(`probe:${ip}`),
    forget: () => undefined,
    close: async () => undefined,
  };
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) {
        if (!line) continue;
        const msg = (JSON.parse(line) as { msg: string }).msg;
        logs.push(msg);
        logAt.push({ msg, ops: ops.length });
      }
      cb();
    },
  });
  const logger = createLogger({ format: 'json', detail: true, destination: sink });
  const daemon = new Supervisor(
    config,
    {
      openTransport,
      transportKind: o.transportKind ?? 'raw',
      addresses: o.noAddresses ? undefined : new RecordingAddresses(addresses, ops),
      routes,
      links,
      frames: o.noFrames ? undefined : frames,
      ...(o.arpWatch ? { arpWatch: o.arpWatch.factory } : {}),
      clock: { now: () => clock.now(), epochMicros: () => 0 },
      logger,
    },
    { detail: true, ...(o.observer ? { observer: o.observer } : {}) },
  );
  return Object.assign(w, { clock, ops, links, addresses, routes, opened, closed, sent, logs, logAt, daemon }) as World;
}

/** Moves the fake clock and the fake timers together, in 10 ms steps, then lets the effect chain drain. */
async function run(w: World, ms: number): Promise<void> {
  for (let k = 0; k < ms; k += 10) {
    w.clock.advanceBy(micros(10_000));
    await vi.advanceTimersByTimeAsync(10);
  }
  await w.daemon.idle();
}

const state = (w: World, name = 'VI_1') => w.daemon.snapshot().instances.find((i) => i.name === name)?.state;
const cfg = (instances: readonly VrrpInstanceConfig[]) => daemonConfig({ instances });

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Supervisor with fake edges', () => {
  it('becoming MASTER: advert, then VIPs, then GARPs, in that order on the edges', async () => {
    const w = world(cfg([instanceConfig({ priority: 150 })]));
    await w.daemon.start();
    expect(w.ops).toEqual(['remove:10.0.0.100']); // start-up: leftovers removed
    await run(w, 3_600);
    expect(state(w)).toBe('MASTER');
    expect(w.ops.slice(1, 4)).toEqual(['advert:150', 'add:10.0.0.100', 'garp:10.0.0.100']);
    expect(w.ops.filter((x) => x.startsWith('garp')).length).toBe(5);
    expect(w.addresses.addressesOf('eth0')).toContain('10.0.0.100/32');
    await w.daemon.stop();
  });

  it('issue 12 §4: the log lines of a takeover are written after its advert, VIPs and GARP burst, in their order', async () => {
    const w = world(cfg([instanceConfig({ priority: 150 })]));
    await w.daemon.start();
    await run(w, 3_600);
    expect(state(w)).toBe('MASTER');
    const lastGarp = w.ops.lastIndexOf('garp:10.0.0.100');
    expect(w.ops.slice(1, lastGarp + 1)).toEqual(['advert:150', 'add:10.0.0.100', ...Array<string>(5).fill('garp:10.0.0.100')]);
    const lines = w.logAt.filter((l) => /Entering MASTER STATE|Assigned address|Sending gratuitous ARP on/.test(l.msg));
    expect(lines.map((l) => l.msg.replace(/ on eth0.*| 10\.0\.0\.100.*/, ''))).toEqual([
      '(VI_1) Entering MASTER STATE',
      '(VI_1) Assigned address',
      ...Array<string>(5).fill('Sending gratuitous ARP'),
    ]);
    // Every one of them was written once the whole burst had gone out.
    for (const l of lines) expect(l.ops, l.msg).toBeGreaterThan(lastGarp);
    await w.daemon.stop();
  });

  it('issue 11 §6: a VIP that is the interface\'s first address (before start, and after a network restart) is never the advert source', async () => {
    const w = world(cfg([instanceConfig({ priority: 150, peers: ['10.0.0.2'], vips: ['10.0.0.100'] })]));
    // A network restart left the VIP first: 10.0.0.100/24 primary, 10.0.0.1/24 secondary.
    w.links.removeAddress('eth0', '10.0.0.1', 24);
    w.links.addAddress('eth0', '10.0.0.100', 24);
    w.links.addAddress('eth0', '10.0.0.1', 24);
    await w.daemon.start();
    expect(w.opened.map((o) => o.unicastSrc)).toEqual(['10.0.0.1']);
    await run(w, 4_000);
    expect(state(w)).toBe('MASTER');
    expect(w.sent.length).toBeGreaterThan(0);
    expect(new Set(w.sent.map((o) => o.src))).toEqual(new Set(['10.0.0.1']));
    // While running: the addresses are flushed (no source: FAULT) and come back VIP first.
    w.links.removeAddress('eth0', '10.0.0.100', 24);
    w.links.removeAddress('eth0', '10.0.0.1', 24);
    await run(w, 100);
    expect(state(w)).toBe('FAULT');
    w.links.addAddress('eth0', '10.0.0.100', 24);
    await run(w, 100);
    expect(state(w)).toBe('FAULT'); // the VIP alone is no source
    w.sent.length = 0;
    w.links.addAddress('eth0', '10.0.0.1', 24);
    await run(w, 5_000);
    expect(state(w)).toBe('MASTER');
    expect(w.sent.length).toBeGreaterThan(0);
    expect(new Set(w.sent.map((o) => o.src))).toEqual(new Set(['10.0.0.1']));
    await w.daemon.stop();
  });

  it('advert period does not drift when timers fire late (ticks are stepped at their deadline)', async () => {
    const w = world(cfg([instanceConfig({ priority: 150 })]));
    await w.daemon.start();
    await run(w, 4_000);
    expect(state(w)).toBe('MASTER');
    w.ops.length = 0;
    // The event loop runs each timer up to 30 ms late here; 60 s of MASTER must still be 60 adverts
    // (stepping ticks at the moment they ran gave 59: each period 1000 ms + the lateness).
    for (let k = 0; k < 60_000; k += 30) {
      w.clock.advanceBy(micros(30_000));
      await vi.advanceTimersByTimeAsync(30);
    }
    await w.daemon.idle();
    expect(w.ops.filter((x) => x === 'advert:150').length).toBe(60);
    await w.daemon.stop();
  });

  it('UDP test mode without CAP_NET_ADMIN: a VIP on a missing default interface does not fault an interface-less instance', async () => {
    const inst = instanceConfig({ priority: 150, interface: undefined, unicastSrcIp: '127.0.0.2', peers: ['127.0.0.3'], vips: ['10.9.9.100'] });
    const config = daemonConfig({ global: { defaultInterface: 'eth9' }, instances: [inst] });
    const w = world(config, { noAddresses: true, transportKind: 'udp' });
    await w.daemon.start();
    await run(w, 4_000);
    expect(state(w)).toBe('MASTER');
    expect(w.logs.filter((l) => /VIP|virtual IP/i.test(l) && /CAP_NET_ADMIN/.test(l))).toHaveLength(1);
    await w.daemon.stop();
  });

  it('static_ipaddress: installed at start whatever the VRRP state, diffed on reload, removed at stop', async () => {
    const base = cfg([instanceConfig({ priority: 100 })]);
    const w = world({ ...base, staticAddresses: [vipOn('10.1.0.50', 'eth1'), vipOn('10.1.0.51', 'eth1')] });
    await w.daemon.start();
    expect(state(w)).toBe('BACKUP');
    expect(w.addresses.addressesOf('eth1')).toEqual(expect.arrayContaining(['10.1.0.50/32', '10.1.0.51/32']));
    await w.daemon.reload({ ...base, staticAddresses: [vipOn('10.1.0.51', 'eth1'), vipOn('10.1.0.52', 'eth1')] });
    expect(w.addresses.addressesOf('eth1')).not.toContain('10.1.0.50/32');
    expect(w.addresses.addressesOf('eth1')).toEqual(expect.arrayContaining(['10.1.0.51/32', '10.1.0.52/32']));
    await w.daemon.stop();
    expect(w.addresses.addressesOf('eth1').filter((a) => a.startsWith('10.1.0.5'))).toEqual([]);
  });

  it('virtual routes / rules: MASTER adds the VIP then the route and rule; leaving removes the rule, the route, then the VIP', async () => {
    const route = '192.168.50.0/24 via 10.0.0.254 dev eth0';
    const rule = 'from 10.0.0.100 table 100';
    const w = world(cfg([instanceConfig({ priority: 150, virtualRoutes: [route], virtualRules: [rule] })]));
    await w.daemon.start();
    expect(w.ops).toEqual(['remove:10.0.0.100']); // no route removed at start
    await run(w, 3_600);
    expect(state(w)).toBe('MASTER');
    expect(w.ops.slice(1, 5)).toEqual(['advert:150', 'add:10.0.0.100', `route+:${route}`, `rule+:${rule}@16384`]);
    expect(w.ops[5]).toBe('garp:10.0.0.100');
    w.ops.length = 0;
    w.daemon.feed({ kind: 'link', ifname: 'eth0', up: false });
    await w.daemon.idle();
    expect(state(w)).toBe('FAULT');
    expect(w.ops).toEqual(['advert:0', 'advert:0', `rule-:${rule}@16384`, `route-:${route}`, 'remove:10.0.0.100']);
    expect(w.routes.installed.size).toBe(0);
    await w.daemon.stop();
  });

  it('static_routes / static_rules: installed at start after the static addresses, diffed on reload, removed at stop before them', async () => {
    const base = { ...cfg([instanceConfig({ priority: 100 })]), staticAddresses: [vipOn('10.1.0.50', 'eth1')] };
    const w = world({ ...base, staticRoutes: ['10.20.0.0/16 dev eth1', '10.21.0.0/16 dev eth1'], staticRules: ['to 10.20.0.0/16 table 20 preference 20'] });
    await w.daemon.start();
    expect(state(w)).toBe('BACKUP');
    expect(w.ops.slice(0, 4)).toEqual(['add:10.1.0.50', 'route+:10.20.0.0/16 dev eth1', 'route+:10.21.0.0/16 dev eth1', 'rule+:to 10.20.0.0/16 table 20 preference 20@']);
    w.ops.length = 0;
    await w.daemon.reload({ ...base, staticRoutes: ['10.21.0.0/16 dev eth1', '10.22.0.0/16 dev eth1'], staticRules: ['to 10.20.0.0/16 table 20 preference 20'] });
    expect(w.ops.filter((x) => x.startsWith('route') || x.startsWith('rule'))).toEqual(['route-:10.20.0.0/16 dev eth1', 'route+:10.22.0.0/16 dev eth1']);
    w.ops.length = 0;
    await w.daemon.stop();
    expect(w.ops).toEqual(['rule-:to 10.20.0.0/16 table 20 preference 20@', 'route-:10.21.0.0/16 dev eth1', 'route-:10.22.0.0/16 dev eth1', 'remove:10.1.0.50']);
    expect(w.routes.installed.size).toBe(0);
  });

  it('UDP test mode without CAP_NET_ADMIN: routes are skipped with one warning', async () => {
    const inst = instanceConfig({ priority: 150, interface: undefined, unicastSrcIp: '127.0.0.2', peers: ['127.0.0.3'], vips: [], virtualRoutes: ['10.30.0.0/16 dev lo'] });
    const w = world({ ...daemonConfig({ instances: [inst] }), staticRoutes: ['10.31.0.0/16 dev lo'] }, { noAddresses: true, transportKind: 'udp' });
    await w.daemon.start();
    await run(w, 4_000);
    expect(state(w)).toBe('MASTER');
    expect(w.ops.filter((x) => x.startsWith('route'))).toEqual([]);
    expect(w.logs.filter((l) => /routes and rules are not installed/.test(l))).toHaveLength(1);
    await w.daemon.stop();
  });

  it('SIGTERM: a MASTER sends priority 0 before removing its VIPs; sockets closed after', async () => {
    const w = world(cfg([instanceConfig({ priority: 150 })]));
    await w.daemon.start();
    await run(w, 4_000);
    w.ops.length = 0;
    await w.daemon.stop();
    expect(w.ops).toEqual(['advert:0', 'remove:10.0.0.100']);
    expect(w.addresses.addressesOf('eth0')).not.toContain('10.0.0.100/32');
    expect(w.closed).toHaveLength(1);
  });

  it('a VIP that cannot be added puts the instance in FAULT (priority 0, logged); link up clears it and it takes over again', async () => {
    const w = world(cfg([instanceConfig({ priority: 150, vips: [vipOn('10.1.0.100', 'eth1')] })]));
    await w.daemon.start();
    w.addresses.failOn('eth1', 'EPERM');
    await run(w, 3_600);
    expect(state(w)).toBe('FAULT');
    expect(w.daemon.snapshot().instances[0]!.faults).toEqual(['vip-add']);
    expect(w.logs).toContain('(VI_1) cannot set its VIPs - entering FAULT state');
    expect(w.ops.slice(1)).toEqual(['advert:150', 'add:10.1.0.100', 'advert:0', 'advert:0', 'remove:10.1.0.100']);
    // Nothing more while in FAULT.
    const n = w.ops.length;
    await run(w, 5_000);
    expect(w.ops.length).toBe(n);
    // The interface bounces and the address edge works again: BACKUP, then MASTER after Master_Down_Interval.
    w.addresses.clearFailure('eth1');
    w.links.setRunning('eth1', false);
    w.links.setRunning('eth1', true);
    await w.daemon.idle();
    expect(state(w)).toBe('BACKUP');
    await run(w, 3_600);
    expect(state(w)).toBe('MASTER');
    expect(w.addresses.addressesOf('eth1')).toContain('10.1.0.100/32');
    await w.daemon.stop();
  });

  it('a socket that cannot be opened: its instances start in FAULT (not a fake link down), others run', async () => {
    const w = world(cfg([instanceConfig({ priority: 150 }), instanceConfig({ name: 'VI_2', vrid: 52, interface: 'eth1', priority: 150, vips: [vipOn('10.1.0.52', 'eth1')] })]), { failOpen: ['eth1'] });
    await w.daemon.start();
    const snap = w.daemon.snapshot().instances;
    expect(snap.find((i) => i.name === 'VI_2')).toMatchObject({ state: 'FAULT', faults: ['socket'] });
    expect(w.logs.some((l) => l.includes('(VI_2) cannot open VRRP socket on eth1'))).toBe(true);
    await run(w, 3_600);
    expect(state(w, 'VI_1')).toBe('MASTER');
    // The socket opens once the interface is re-created: the fault clears.
    w.failOpen.clear();
    w.links.removeLink('eth1');
    w.links.addLink('eth1');
    await vi.advanceTimersByTimeAsync(0);
    await w.daemon.idle();
    expect(w.daemon.snapshot().instances.find((i) => i.name === 'VI_2')!.faults).not.toContain('socket');
    await w.daemon.stop();
  });

  it('reload with an unchanged config keeps a MASTER: no GARP, no VIP removal, same socket', async () => {
    const c = cfg([instanceConfig({ priority: 150 })]);
    const w = world(c);
    await w.daemon.start();
    await run(w, 10_000); // past the garp_master_delay burst
    expect(state(w)).toBe('MASTER');
    w.ops.length = 0;
    await w.daemon.reload(cfg([instanceConfig({ priority: 150 })]));
    expect(w.ops).toEqual(['advert:150', 'add:10.0.0.100', 'advert:150']);
    expect(state(w)).toBe('MASTER');
    expect(w.opened).toHaveLength(1);
    expect(w.closed).toHaveLength(0);
    w.ops.length = 0;
    await run(w, 10_000);
    expect(w.ops.filter((x) => x !== 'advert:150')).toEqual([]);
    await w.daemon.stop();
  });

  it('reload removing an instance: priority 0 and VIP removal for it, its socket closed; a new one gets a socket', async () => {
    const a = instanceConfig({ priority: 150 });
    const b = instanceConfig({ name: 'VI_2', vrid: 52, interface: 'eth1', priority: 150, vips: [vipOn('10.1.0.52', 'eth1')] });
    const w = world(cfg([a, b]));
    await w.daemon.start();
    await run(w, 4_000);
    expect(state(w, 'VI_2')).toBe('MASTER');
    w.ops.length = 0;
    const c = instanceConfig({ name: 'VI_3', vrid: 53, interface: 'eth0', unicastSrcIp: '10.0.0.1', peers: ['10.0.0.2'], vips: ['10.0.0.53'] });
    await w.daemon.reload(cfg([a, c]));
    expect(w.ops).toEqual(['advert:150', 'advert:150', 'advert:0', 'remove:10.1.0.52', 'add:10.0.0.100', 'remove:10.0.0.53', 'advert:150']);
    expect(w.closed.map((o) => o.ifname)).toEqual(['eth1']);
    expect(w.opened.map((o) => `${o.ifname}:${o.unicastSrc ?? 'm'}`)).toEqual(['eth0:m', 'eth1:m', 'eth0:10.0.0.1']);
    expect(w.daemon.snapshot().instances.map((i) => `${i.name}:${i.state}`)).toEqual(['VI_1:MASTER', 'VI_3:BACKUP']);
    await w.daemon.stop();
  });
});

/** The claim watch's edge: records each plan and hands the test the handlers to feed frames through. */
class FakeArpWatch implements ArpWatchEdge {
  plans: Array<Record<string, readonly string[]>> = [];
  handlers: ArpWatchHandlers | undefined;
  closed = false;
  readonly counters = { frames: 0, malformed: 0, ignored: 0 };
  readonly factory = (h: ArpWatchHandlers): ArpWatchEdge => {
    this.handlers = h;
    return this;
  };
  update(plan: ReadonlyMap<string, readonly string[]>): void {
    this.plans.push(Object.fromEntries(plan));
  }
  forget(): void {}
  close(): void {
    this.closed = true;
  }
}

describe('Supervisor and the claim watch (src/vrrp/healing.ts)', () => {
  it('plans the ARP sockets at start and reload, feeds frames to the core, sends the probes, closes at stop', async () => {
    const arp = new FakeArpWatch();
    const a = instanceConfig({ priority: 150 });
    const w = world(cfg([a]), { arpWatch: arp });
    await w.daemon.start();
    expect(arp.plans).toEqual([{ eth0: ['10.0.0.100'] }]);
    await run(w, 3_600);
    expect(state(w)).toBe('MASTER');
    await run(w, 6_000); // past the garp_master_delay burst
    w.ops.length = 0;
    arp.handlers!.onFrame('eth0', { op: 1, senderMac: '52:54:00:00:00:02', senderIp: '10.0.0.100', targetIp: '10.0.0.100' });
    // The next advert, half an interval later the probe; nobody answers: 250 ms after it, the becoming-MASTER burst.
    await run(w, 2_000);
    expect(w.ops.slice(0, 3)).toEqual(['advert:150', 'probe:10.0.0.100', 'garp:10.0.0.100']);
    expect(w.ops.filter((x) => x.startsWith('garp:'))).toHaveLength(5);
    expect(w.logs.some((l) => l.includes('52:54:00:00:00:02 claims VIP 10.0.0.100 on eth0'))).toBe(true);
    expect(w.daemon.snapshot().instances[0]!.healing).toMatchObject({ claims: 1, claimReleases: 1, watching: undefined });
    // A reload re-plans (VI_2's VIP on eth1 joins the watch).
    const b = instanceConfig({ name: 'VI_2', vrid: 52, interface: 'eth1', vips: [vipOn('10.1.0.52', 'eth1')] });
    await w.daemon.reload(cfg([a, b]));
    expect(arp.plans.at(-1)).toEqual({ eth0: ['10.0.0.100'], eth1: ['10.1.0.52'] });
    await w.daemon.stop();
    expect(arp.closed).toBe(true);
  });

  it('no frame sender (UDP test mode without CAP_NET_RAW): no claim watch', async () => {
    const arp = new FakeArpWatch();
    const w = world(cfg([instanceConfig({ priority: 150 })]), { arpWatch: arp, transportKind: 'udp', noFrames: true });
    await w.daemon.start();
    expect(arp.plans).toEqual([]);
    await w.daemon.stop();
  });
});

function vipOn(address: string, dev: string): VipConfig {
  return vip(address, { dev });
}

describe('Supervisor with a synchronous transport (sendNow)', () => {
  it('issue 12 §5: adverts go out through sendNow in the same order; a copy that fails is logged and the next peer still gets its copy', async () => {
    const w = world(cfg([instanceConfig({ priority: 150, peers: ['10.0.0.2', '10.0.0.3', '10.0.0.4'] })]), { sendNow: { failTo: '10.0.0.3' } });
    await w.daemon.start();
    await run(w, 3_600);
    expect(state(w)).toBe('MASTER');
    expect(w.ops.slice(1, 4)).toEqual(['advert:150', 'advert:150', 'add:10.0.0.100']);
    const before = w.sent.length;
    await run(w, 2_000);
    // Two more adverts, each to the two peers that work: same IP ID on both copies of one advert, the next one higher.
    const later = w.sent.slice(before);
    expect(later.map((x) => x.dst)).toEqual(['10.0.0.2', '10.0.0.4', '10.0.0.2', '10.0.0.4']);
    expect(later[0]!.ipId).toBe(later[1]!.ipId);
    expect(later[2]!.ipId).toBe(later[0]!.ipId! + 1);
    expect(w.logs.filter((l) => l.includes('failed to send advert to 10.0.0.3')).length).toBeGreaterThanOrEqual(3);
    expect(w.daemon.snapshot().counters.effectErrors).toBe(0);
    await w.daemon.stop();
  });
});

describe('Supervisor plug-in points', () => {
  it('snapshot: core state plus sockets, VIPs present, counters; events: the transitions in a ring', async () => {
    const w = world(cfg([instanceConfig({ priority: 150 })]));
    await w.daemon.start();
    await run(w, 3_600);
    const snap = w.daemon.snapshot();
    expect(snap.instances[0]!.state).toBe('MASTER');
    expect(snap.sockets).toEqual([expect.objectContaining({ ifname: 'eth0', family: 4, open: true, instances: ['VI_1'], groups: ['224.0.0.18'] })]);
    expect(snap.vipsPresent).toEqual({ eth0: ['10.0.0.100/32'] });
    expect(snap.counters.effectErrors).toBe(0);
    expect(w.daemon.events().filter((e) => e.kind === 'transition').map((e) => e.kind === 'transition' && `${e.from}->${e.to}`)).toEqual(['INIT->BACKUP', 'BACKUP->MASTER']);
    await w.daemon.stop();
    expect(w.daemon.snapshot().vipsPresent).toEqual({});
  });

  it('submit: an input goes through the same step path (a tracker value faults the instance)', async () => {
    const w = world(cfg([instanceConfig({ priority: 150 })]));
    await w.daemon.start();
    await run(w, 3_600);
    w.daemon.submit({ kind: 'link', ifname: 'eth0', up: false });
    await w.daemon.idle();
    expect(state(w)).toBe('FAULT');
    expect(w.daemon.events().filter((e) => e.kind === 'tracker').at(-1)).toMatchObject({ kind: 'tracker', tracker: 'link', name: 'eth0', value: false });
    expect(w.ops.slice(-2)).toEqual(['advert:0', 'remove:10.0.0.100']);
    await w.daemon.stop();
  });

  it('reload: the result is recorded in the snapshot and the event ring', async () => {
    const w = world(cfg([instanceConfig({ priority: 150 })]));
    await w.daemon.start();
    const r = await w.daemon.reload(cfg([instanceConfig({ priority: 150 }), instanceConfig({ name: 'VI_2', vrid: 52, vips: ['10.0.0.101'] })]));
    expect(r).toEqual({ ok: true, instances: ['VI_1', 'VI_2'] });
    expect(w.daemon.snapshot().lastReload).toEqual(r);
    expect(w.daemon.events().at(-1)).toMatchObject({ kind: 'reload', result: r });
    await w.daemon.stop();
  });
});

describe('Supervisor reloads', () => {
  it('two reloads at once run one after the other (the second sees the first one applied)', async () => {
    const w = world(cfg([instanceConfig({ priority: 150 })]));
    await w.daemon.start();
    const two = cfg([instanceConfig({ priority: 150 }), instanceConfig({ name: 'VI_2', vrid: 52, vips: ['10.0.0.101'] })]);
    const three = cfg([instanceConfig({ priority: 150 }), instanceConfig({ name: 'VI_2', vrid: 52, vips: ['10.0.0.101'] }), instanceConfig({ name: 'VI_3', vrid: 53, vips: ['10.0.0.102'] })]);
    const [a, b] = await Promise.all([w.daemon.reload(two), w.daemon.reload(three)]);
    expect([a.instances, b.instances]).toEqual([['VI_1', 'VI_2'], ['VI_1', 'VI_2', 'VI_3']]);
    expect(w.daemon.events().filter((e) => e.kind === 'reload')).toHaveLength(2);
    expect(w.daemon.snapshot().instances.map((i) => i.name)).toEqual(['VI_1', 'VI_2', 'VI_3']);
    await w.daemon.stop();
  });
});

describe('Supervisor observer', () => {
  it('sees the inputs fed, and every effect after it was performed', async () => {
    const seen: string[] = [];
    const observer: SupervisorObserver = {
      onInput: (i) => void seen.push(`in:${i.kind}`),
      onEffect: (e) => void (e.kind === 'addVips' || e.kind === 'transition' ? seen.push(`fx:${e.kind}`) : undefined),
      onPacket: () => void seen.push('pkt'),
    };
    const w = world(cfg([instanceConfig({ priority: 150 })]), { observer });
    await w.daemon.start();
    await run(w, 3_600);
    // Environment, socket results and start; then, while addVips is performed, its result goes to the core.
    expect(seen.filter((x) => x.startsWith('in:')).slice(-2)).toEqual(['in:start', 'in:fault']);
    expect(seen.filter((x) => x.startsWith('fx:'))).toEqual(['fx:transition', 'fx:addVips', 'fx:transition']);
    await w.daemon.stop();
  });
});
