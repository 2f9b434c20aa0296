// The set-up most VRRP interop files share: one veth LAN (A ⇄ B) for the whole file (creating one
// costs ~2 s of IPv6 DAD), optionally a fresh VRID and VIP per test so that what a killed daemon leaves
// behind cannot disturb the next test, the nodes started by the test (stopped after it), an optional
// capture (stopped after it), and the one-instance keepalived.conf of each side.
//
// Usage (inside a `describe`, which it registers beforeAll/beforeEach/afterEach/afterAll hooks in):
//   const sc = lanScenario({ vridBase: 60, scratch: 'hv-n2-failover' });
//   it('…', async () => { const a = await sc.start('havipd', 'a', sc.conf('a', 150)); … });

import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { startCapture, type Capture, type CaptureRow } from './capture.js';
import type { HavipdOptions } from './havipd.js';
import { createLan, destroyAll, scratchDir, sweepStaleNetns, waitFor, type Lan, type Netns } from './netns.js';
import { advertsFrom, describeRows, entering, explainFailure, startNode, vipIn, vrrpConfig, waitVip, type InstanceSpec, type NodeKind, type VrrpNode } from './scenario.js';

export type Side = 'a' | 'b';

export interface LanScenarioOptions {
  /** Each test gets VRID `vridBase + n` (n = 1, 2, …) and VIP `<that host in A's /24>/24`. */
  readonly vridBase?: number;
  /** Prefix of a scratch directory (captures) kept for the file. */
  readonly scratch?: string;
  /** How the test's nodes are stopped after each test (default SIGKILL). */
  readonly stopWith?: 'SIGTERM' | 'SIGKILL';
  /** More set-up once the LAN exists. */
  readonly setUp?: (lan: Lan) => Promise<void>;
  /** More tear-down after the namespaces are gone. */
  readonly tearDown?: () => void;
}

/** The per-instance settings of `conf` beyond side and priority; `unicast` peers A and B by address. */
export type InstanceMore = Partial<Omit<InstanceSpec, 'iface' | 'priority'>> & { readonly unicast?: boolean };

export interface LanScenario {
  readonly lan: Lan;
  /** This test's VRID (with `vridBase`). */
  readonly vrid: number;
  /** This test's VIP with its prefix, e.g. `10.1.2.61/24` (with `vridBase`). */
  readonly vip: string;
  /** The nodes started by this test (stopped after it). */
  readonly nodes: VrrpNode[];
  /** This test's capture, if any (stopped after it). */
  cap: Capture | undefined;
  /** The scratch directory (with `scratch`). */
  readonly scratch: string;
  ns(side: Side): Netns;
  iface(side: Side): string;
  ip(side: Side): string;
  /**
   * keepalived.conf of `side`: router_id hv_<side>, one instance on its interface with this test's VRID
   * and VIP (both overridable in `more`).
   */
  conf(side: Side, priority: number, more?: InstanceMore): string;
  /** Start `kind` on `side` with `config`; it is stopped after the test. */
  start(kind: NodeKind, side: Side, config: string, opts?: HavipdOptions): Promise<VrrpNode>;
  /**
   * Master (150) on A, then backup (100) on B once A is in BACKUP (init); resolves once A is MASTER,
   * with the time the backup was started.
   */
  startPair(masterKind: NodeKind, backupKind: NodeKind, conf?: (side: Side, priority: number) => string): Promise<{ master: VrrpNode; backup: VrrpNode; backupStarted: number }>;
  /**
   * SIGKILL the master (A); once the backup (B, priority 100) has entered MASTER, holds the VIP and has sent two
   * adverts, stop the capture and return its rows.
   */
  killMasterForTakeover(master: VrrpNode, backup: VrrpNode): Promise<CaptureRow[]>;
  /** Start a capture on `side`'s end (default B) into `<scratch>/<file>`; it is stopped after the test. */
  capture(file: string, filter?: string, side?: Side): Promise<Capture>;
  /** `explainFailure` over this test's nodes, plus the capture's rows when there is one. */
  explain<T>(body: () => Promise<T>): Promise<T>;
}

export function lanScenario(opts: LanScenarioOptions = {}): LanScenario {
  let lan: Lan | undefined;
  let vrid = opts.vridBase ?? 0;
  let vip = '';
  let nodes: VrrpNode[] = [];
  const scratch = opts.scratch ? scratchDir(opts.scratch).path : '';

  beforeAll(async () => {
    await sweepStaleNetns();
    lan = await createLan();
    await opts.setUp?.(lan);
  });
  if (opts.vridBase !== undefined) {
    beforeEach(() => {
      vrid += 1;
      vip = `${vipIn(sc.lan.ipA, vrid)}/24`;
    });
  }
  afterEach(async () => {
    await sc.cap?.stop().catch(() => undefined);
    sc.cap = undefined;
    await Promise.all(nodes.map((n) => n.stop(opts.stopWith ?? 'SIGKILL')));
    nodes = [];
  });
  afterAll(async () => {
    await destroyAll();
    opts.tearDown?.();
  });

  const sc: LanScenario = {
    get lan(): Lan {
      if (!lan) throw new Error('lanScenario: the LAN is not set up (use it inside tests)');
      return lan;
    },
    get vrid() {
      return vrid;
    },
    get vip() {
      return vip;
    },
    get nodes() {
      return nodes;
    },
    cap: undefined,
    scratch,
    ns: (side) => (side === 'a' ? sc.lan.a : sc.lan.b),
    iface: (side) => (side === 'a' ? sc.lan.ifA : sc.lan.ifB),
    ip: (side) => (side === 'a' ? sc.lan.ipA : sc.lan.ipB),
    conf(side, priority, more = {}) {
      const { unicast, ...rest } = more;
      const peer: Side = side === 'a' ? 'b' : 'a';
      return vrrpConfig({
        routerId: `hv_${side}`,
        instances: [
          {
            iface: sc.iface(side),
            vrid,
            priority,
            vips: [vip],
            ...(unicast ? { unicastSrc: sc.ip(side), unicastPeers: [sc.ip(peer)] } : {}),
            ...rest,
          },
        ],
      });
    },
    async start(kind, side, config, o) {
      const n = await startNode(kind, sc.ns(side), config, o);
      nodes.push(n);
      return n;
    },
    async startPair(masterKind, backupKind, conf = (side, priority) => sc.conf(side, priority)) {
      const master = await sc.start(masterKind, 'a', conf('a', 150));
      await master.waitForLog(/\(VI_1\) Entering BACKUP STATE \(init\)/, { timeoutMs: 5_000 });
      const backup = await sc.start(backupKind, 'b', conf('b', 100));
      const backupStarted = Date.now();
      await master.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
      return { master, backup, backupStarted };
    },
    async killMasterForTakeover(master, backup) {
      const c = sc.cap;
      if (!c) throw new Error('lanScenario: killMasterForTakeover needs a capture');
      await master.stop('SIGKILL');
      await backup.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
      await waitVip(lan!.b, lan!.ifB, sc.vip, true);
      await waitFor(async () => advertsFrom(await c.peek(), lan!.ipB, sc.vrid, 100).length >= 2, { timeoutMs: 5_000, what: '2 adverts from the new master' });
      return c.stop();
    },
    async capture(file, filter = 'ip proto 112', side = 'b') {
      if (!scratch) throw new Error('lanScenario: capture needs the scratch option');
      sc.cap = await startCapture(sc.ns(side), sc.iface(side), join(scratch, file), { filter });
      return sc.cap;
    },
    explain(body) {
      const cap = (): Capture | undefined => sc.cap;
      return explainFailure(
        () => nodes,
        body,
        async () => {
          const c = cap();
          return c ? describeRows(await c.peek()) : '';
        },
      );
    },
  };
  return sc;
}
