// Bad input on the wire (RFC 5798 §7.1 / RFC 3768 §7.1 receive MUSTs, reference §2.6 checks and §2.7
// counters; ARCHITECTURE.md §4.1 "network input never throws"): a bounded flood of malformed VRRPv2
// packets — random bytes, bad checksum, wrong version, wrong password, TTL ≠ 255, wrong auth types,
// truncated, wrong type, another VRID — all claiming priority 200, sent from the peer
// namespace through a raw socket (the havipd native addon, IP_HDRINCL). havipd (priority 150, MASTER)
// must stay MASTER and keep advertising on time, its RSS must stay bounded, its drop logs rate-limited,
// and the SIGUSR2 stats dump must count the drops under keepalived's counters.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCapture } from '../support/capture.js';
import { interopGuard } from '../support/interop-guard.js';
import { createLan, destroyAll, scratchDir, sleep, sweepStaleNetns, waitFor, type Lan } from '../support/netns.js';
import { advertsFrom, describeRows, entering, explainFailure, readDump, startNode, statsCounter, vipIn, vrrpConfig, type VrrpNode } from '../support/scenario.js';
import { advertGrid, type AdvertGrid } from '../support/wire-timing.js';

const guard = interopGuard();
const ADDON = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'build', 'Release', 'havipd_native.node');
const PER_KIND = 400;

/** The sender, run with `ip netns exec NS node FILE '<json spec>'` (written to a scratch dir). */
const FLOOD_SCRIPT = `// Sends a bounded flood of malformed VRRPv2 adverts (IPv4, raw socket with IP_HDRINCL through the
// havipd native addon) for test/interop/vrrp-bad-input.test.ts. Run inside the sending namespace:
//   ip netns exec NS node vrrp-flood.mjs '<json spec>'
// spec: { addon, ifname, src, dst, vrid, vips: [..], pass, perKind, seed, batch, pauseMs }
// Prints one JSON line: { sent: { kind: n }, failed: n }. Never more than perKind × kinds packets.
import { createRequire } from 'node:module';

const spec = JSON.parse(process.argv[2]);
const require = createRequire(import.meta.url);
const addon = require(spec.addon);
const { fd, ifindex } = addon.openRaw(4, spec.ifname, null);

let seed = spec.seed >>> 0 || 1;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) / 0x1000000;
const ip4 = (s) => s.split('.').map(Number);

function csum(bytes) {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i] << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function ipPacket(payload, ttl) {
  const h = new Uint8Array(20);
  const len = 20 + payload.length;
  h.set([0x45, 0xc0, len >> 8, len & 0xff, 0, 1, 0, 0, ttl, 112, 0, 0, ...ip4(spec.src), ...ip4(spec.dst)]);
  const out = new Uint8Array(len);
  out.set(h);
  out.set(payload, 20);
  return out;
}

/** A VRRPv2 advert; \`o\` overrides fields to make it wrong in one way. */
function advert(o = {}) {
  const vips = o.vips ?? spec.vips;
  const version = o.version ?? 2;
  const msg = new Uint8Array(8 + 4 * vips.length + 8);
  msg[0] = (version << 4) | (o.type ?? 1);
  msg[1] = o.vrid ?? spec.vrid;
  msg[2] = o.prio ?? 200;
  msg[3] = vips.length;
  msg[4] = o.authType ?? 1;
  msg[5] = o.adv ?? 1;
  vips.forEach((v, i) => msg.set(ip4(v), 8 + 4 * i));
  const pass = new TextEncoder().encode(o.pass ?? spec.pass).slice(0, 8);
  msg.set(pass, 8 + 4 * vips.length);
  const c = csum(msg);
  msg[6] = c >> 8;
  msg[7] = c & 0xff;
  if (o.badSum) msg[7] ^= 0x5a;
  return o.truncate ? msg.slice(0, msg.length - o.truncate) : msg;
}

const random = () => {
  const n = 1 + Math.floor(rand() * 80);
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
};

/** Each kind: [payload builder, ttl]. The counter each one should move is named in the test. */
const kinds = {
  random: () => [random(), 255],
  badChecksum: () => [advert({ badSum: true }), 255],
  wrongVersion: () => [advert({ version: 3 }), 255],
  wrongPassword: () => [advert({ pass: 'wrongpw1' }), 255],
  ttl64: () => [advert(), 64],
  authNone: () => [advert({ authType: 0, pass: '' }), 255],
  authBogus: () => [advert({ authType: 7 }), 255],
  truncated: () => [advert({ truncate: 4 }), 255],
  badType: () => [advert({ type: 2 }), 255],
  otherVrid: () => [advert({ vrid: (spec.vrid % 255) + 1 }), 255],
};

const sent = Object.fromEntries(Object.keys(kinds).map((k) => [k, 0]));
let failed = 0;
const names = Object.keys(kinds);
const total = names.length * spec.perKind;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
for (let i = 0; i < total; i++) {
  const name = names[i % names.length];
  const [payload, ttl] = kinds[name]();
  try {
    addon.sendRaw(fd, 4, ipPacket(payload, ttl), spec.dst, null, ifindex, ttl);
    sent[name] += 1;
  } catch {
    failed += 1;
  }
  if (spec.batch && (i + 1) % spec.batch === 0) await sleep(spec.pauseMs ?? 1);
}
addon.close(fd);
console.log(JSON.stringify({ sent, failed }));
`;

interface FloodResult {
  readonly sent: Record<string, number>;
  readonly failed: number;
}

const rssKb = (pid: number): number => Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);

interface Outcome {
  readonly first: FloodResult;
  readonly second: FloodResult;
  readonly rss: readonly [number, number, number];
  readonly stats: string;
  readonly gaps: number[];
  /** The MASTER's adverts (capture times) fitted to the 1 s grid of its advert timer. */
  readonly grid: AdvertGrid;
  readonly why: string;
  /** The havipd process was still running after both floods. */
  readonly alive: boolean;
}

describe.skipIf(guard.skip)(`malformed VRRP flood against a havipd MASTER (${PER_KIND} packets of each of 10 kinds, twice)`, () => {
  let lan: Lan;
  const scratch = scratchDir('hv-n2-flood');
  const nodes: VrrpNode[] = [];
  let h: VrrpNode;
  let out: Outcome;
  /** keepalived 2.2.7 under one flood of the same packets: its stats dump. */
  let kaStats = '';
  let kaSent: FloodResult | undefined;

  beforeAll(async () => {
    await sweepStaleNetns();
    lan = await createLan();
    writeFileSync(join(scratch.path, 'vrrp-flood.mjs'), FLOOD_SCRIPT);
    const vrid = 130;
    const vip = vipIn(lan.ipA, vrid);
    h = await startNode('havipd', lan.a, vrrpConfig({ instances: [{ iface: lan.ifA, vrid, priority: 150, authPass: 'secret1', vips: [`${vip}/24`] }] }));
    nodes.push(h);
    const cap = await startCapture(lan.b, lan.ifB, join(scratch.path, 'flood.pcap'), { filter: `ip proto 112 and src ${lan.ipA}` });
    out = await explainFailure(
      () => nodes,
      async () => {
        await h.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
        await sleep(1_000);
        const pid = h.havipd!.pid;
        const rss0 = rssKb(pid);
        const flood = async (seed: number): Promise<FloodResult> => {
          const spec = { addon: ADDON, ifname: lan.ifB, src: lan.ipB, dst: '224.0.0.18', vrid, vips: [vip], pass: 'secret1', perKind: PER_KIND, seed, batch: 25, pauseMs: 1 };
          const res = await lan.b.exec([process.execPath, join(scratch.path, 'vrrp-flood.mjs'), JSON.stringify(spec)], { timeoutMs: 60_000 });
          return JSON.parse(res.stdout.trim().split('\n').at(-1)!) as FloodResult;
        };
        const t0 = Date.now() / 1000;
        const first = await flood(1);
        await sleep(500);
        const rss1 = rssKb(pid);
        const second = await flood(2);
        // Two adverts on the wire after the flood (read from the capture, not a fixed sleep: under load the
        // capture and the floods run late, and a fixed 1.5 s once held a single advert). A MASTER that went
        // quiet leaves this after 5 s, and the grid below says so.
        const floodEnd = Date.now() / 1000;
        await waitFor(async () => advertsFrom(await cap.peek(), lan.ipA, vrid, 150).filter((r) => r.time > floodEnd).length >= 2, { timeoutMs: 5_000, intervalMs: 50, what: 'two adverts after the flood' }).catch(() => undefined);
        const t1 = Date.now() / 1000;
        const rss2 = rssKb(pid);
        const stats = await h.havipd!.dump('stats');
        const rows = await cap.stop();
        const mine = advertsFrom(rows, lan.ipA, vrid, 150).filter((r) => r.time >= t0 - 1 && r.time <= t1);
        const gaps = mine.slice(1).map((r, i) => r.time - mine[i]!.time);
        const grid = advertGrid(mine.map((r) => r.time), 1);
        const why = `flood 1 ${JSON.stringify(first)}\nflood 2 ${JSON.stringify(second)}\nRSS kB ${rss0} → ${rss1} → ${rss2}\nadvert gaps ${gaps.map((g) => g.toFixed(3)).join(' ')}; grid ${JSON.stringify(grid)}\n${stats}\n${describeRows(mine)}`;
        console.log(`bad input: sent ${JSON.stringify(first.sent)} ×2 (failed ${first.failed + second.failed}); RSS ${rss0} → ${rss1} → ${rss2} kB; ${h.log().split('\n').length} log lines; advert gaps ${gaps.map((g) => g.toFixed(3)).join(' ')} s, spread from the 1 s grid ${grid.spread.toFixed(3)} s`);
        return { first, second, rss: [rss0, rss1, rss2] as const, stats, gaps, grid, why, alive: !h.havipd!.process.hasExited() };
      },
    );
    // The oracle: keepalived 2.2.7 in the same place, same configuration, one flood.
    await h.stop('SIGKILL');
    const k = await startNode('keepalived', lan.a, vrrpConfig({ instances: [{ iface: lan.ifA, vrid, priority: 150, authPass: 'secret1', vips: [`${vip}/24`] }] }));
    nodes.push(k);
    await explainFailure(
      () => [k],
      async () => {
        await k.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
        const spec = { addon: ADDON, ifname: lan.ifB, src: lan.ipB, dst: '224.0.0.18', vrid, vips: [vip], pass: 'secret1', perKind: PER_KIND, seed: 1, batch: 25, pauseMs: 1 };
        const res = await lan.b.exec([process.execPath, join(scratch.path, 'vrrp-flood.mjs'), JSON.stringify(spec)], { timeoutMs: 60_000 });
        kaSent = JSON.parse(res.stdout.trim().split('\n').at(-1)!) as FloodResult;
        await sleep(500);
        kaStats = await readDump(k, 'stats');
        expect(k.countLog(/Entering BACKUP STATE$/)).toBe(0);
      },
    );
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
    await destroyAll();
  });

  it('every packet left the sender', () => {
    expect(out.first.failed + out.second.failed, out.why).toBe(0);
  });

  it('havipd stays MASTER, alive, never demoted, no internal error', () => {
    expect(out.alive).toBe(true);
    expect(h.countLog(entering('MASTER'))).toBe(1);
    expect(h.countLog(/\(VI_1\) Entering BACKUP STATE$/)).toBe(0);
    expect(h.log()).not.toMatch(/internal error|core\.bug|Uncaught|TypeError|RangeError/);
  });

  // On time = on the advert timer's 1 s grid, counted from the capture: havipd steps its timers at their
  // deadlines, so a late advert is followed by an on-time one (gaps would count its lateness twice, and a
  // loaded CPU makes single adverts late). One advert in every interval, none extra, each less than half an
  // interval off the grid. A flood that re-arms the advert timer (keepalived 2.2.7's MASTER re-arms it on
  // every packet reaching vrrp_state_master_rx: no advert for the flood's length), stalls the event loop
  // for half an interval, or answers the priority-200 packets with adverts fails.
  it('keeps advertising on time through the flood (every advert_int, less than half of it off the grid)', () => {
    expect(out.gaps.length, out.why).toBeGreaterThanOrEqual(2);
    expect(out.grid.missing, out.why).toEqual([]);
    expect(out.grid.doubled, out.why).toEqual([]);
    expect(out.grid.spread, out.why).toBeLessThan(0.5);
  });

  it('RSS stays bounded: the second flood does not grow it significantly', () => {
    const [rss0, rss1, rss2] = out.rss;
    expect(rss2 - rss0, out.why).toBeLessThan(40 * 1024);
    expect(rss2 - rss1, out.why).toBeLessThan(15 * 1024);
  });

  it("the SIGUSR2 stats dump counts the drops under keepalived's counters; nothing was accepted", () => {
    const c = (...p: string[]): number => statsCounter(out.stats, p) ?? -1;
    const sent = (k: string): number => (out.first.sent[k] ?? 0) + (out.second.sent[k] ?? 0);
    // The kernel drops part of a flood when the socket buffer is full: at least half must be counted,
    // never more than were sent.
    const counted = (counter: number, kind: string, extra = 0): void => {
      expect(counter, `${kind}: ${out.why}`).toBeGreaterThanOrEqual(Math.floor(sent(kind) * 0.5));
      expect(counter, `${kind}: ${out.why}`).toBeLessThanOrEqual(sent(kind) + extra);
    };
    counted(c('Authentication Errors', 'Failure'), 'wrongPassword');
    counted(c('Packet Errors', 'TTL'), 'ttl64');
    counted(c('Authentication Errors', 'Type Mismatch'), 'authNone');
    counted(c('Authentication Errors', 'Invalid Type'), 'authBogus');
    counted(c('Packet Errors', 'Invalid Type'), 'badType');
    // No "wrong VIP count" kind: since keepalived 2.3.3 (RFC 9568 §7.1) an advert whose VIP list differs is
    // counted in Address List and accepted, so a priority-200 one is a real higher-priority master, not bad
    // input (test/unit/vrrp/receive-checks.test.ts and the rfc tests show that rule).
    // Length: the truncated ones, plus the v3-shaped ones (length is checked before the version) and
    // random ones that happen to carry our VRID.
    counted(c('Packet Errors', 'Length'), 'truncated', sent('wrongVersion') + sent('random'));
    expect(c('Advertisements', 'Received'), out.why).toBe(0);
    expect(c('Priority Zero', 'Received'), out.why).toBe(0);
  });

  it('keepalived 2.2.7 under the same flood moves the same counters and accepts nothing either', () => {
    const labels: Array<[string, string] | [string]> = [
      ['Advertisements', 'Received'],
      ['Packet Errors', 'Length'],
      ['Packet Errors', 'TTL'],
      ['Packet Errors', 'Invalid Type'],
      ['Packet Errors', 'Address List'],
      ['Authentication Errors', 'Invalid Type'],
      ['Authentication Errors', 'Type Mismatch'],
      ['Authentication Errors', 'Failure'],
      ['Priority Zero', 'Received'],
    ];
    const why = `havipd:\n${out.stats}\nkeepalived (${JSON.stringify(kaSent)}):\n${kaStats}`;
    const moved = (stats: string): string[] => labels.filter((l) => (statsCounter(stats, l) ?? -1) > 0).map((l) => l.join(' / '));
    const compact = (stats: string): string => labels.map((l) => `${l.join('/')}=${statsCounter(stats, l)}`).join(' ');
    console.log(`counters after the flood\n  havipd (2 floods):     ${compact(out.stats)}\n  keepalived (1 flood):  ${compact(kaStats)}`);
    expect(moved(out.stats), why).toEqual(moved(kaStats));
    expect(statsCounter(kaStats, ['Advertisements', 'Received']), why).toBe(0);
  });

  it('drop logs are rate-limited (ARCHITECTURE.md §4.1): far fewer log lines than dropped packets', () => {
    const lines = h.log().split('\n');
    const drops = lines.filter((l) => /invalid passwd|invalid TTL|Invalid auth type|auth, expecting|packet too (short|long)|Invalid packet type|ip number count|checksum/.test(l));
    // At most one line per reason per second over a flood of a few seconds: well under 200.
    expect(drops.length, `${drops.length} drop lines, e.g.\n${drops.slice(0, 12).join('\n')}`).toBeLessThan(200);
  });
});
