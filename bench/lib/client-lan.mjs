// Client-visible failover (issue 11 §1): two VRRP nodes and a client namespace on one bridge, the client
// asking the VIP every 10 ms over ICMP (`ping -D -i 0.01`) and over TCP (client-probe.mjs, a fresh
// connection per probe to a service bound to the VIP on each node that answers with the node's name),
// an `ip monitor neigh` on the client, and the scenarios (SIGKILL, node crash, SIGTERM, planned
// switchover, link flap, healed split brain). Shared by `npm run bench:clients` (bench/clients.mjs) and
// the interop test (test/interop/client-outage.test.ts): both pass their own namespace factory and
// daemon starter, so each keeps its own cleanup machinery.
//
//          ┌──────── switch namespace: br0 (STP off, forward_delay 0) ────────┐
//          pa                          pb                                    pc
//   node a: eth0 .1 (MASTER 150)   node b: eth0 .2 (BACKUP 100)   client: eth0 .10
//   VIP .100/24 on the master; unicast_peer; ICMP replies carry ttl 61 (a) / 62 (b); IPv6 off.
//
// The client uses ARP as any host does: nothing is pinned, its neighbour entry is flushed only
// between runs (a fresh client per run), so gratuitous ARP is what moves it.

import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  describeNeigh,
  describeRuns,
  longestGapWithin,
  neighPointsAt,
  neighSettledAt,
  outageAround,
  parseNeighLine,
  parsePingLine,
  parseProbeLine,
} from './client-outage.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The probe / service script (plain ESM, run with this Node inside the namespaces). */
export const PROBE_SCRIPT = join(HERE, 'client-probe.mjs');

export const NODE_TTL = { a: 61, b: 62 };
const TTL_TO_NODE = { 61: 'a', 62: 'b' };
export const MACS = { a: '02:c1:00:00:00:0a', b: '02:c1:00:00:00:0b', c: '02:c1:00:00:00:0c' };
const IFNAME = 'eth0';
const SERVICE_PORT = 7070;
const VRID = 61;
const HIGH = 150;
const LOW = 100;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const wall = () => performance.timeOrigin + performance.now();

async function until(probe, { timeoutMs, intervalMs = 50, what }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(Math.min(intervalMs, Math.max(1, deadline - Date.now())));
  }
}

/**
 * One request on havipd's control socket (one JSON line each way, README "Control socket protocol"),
 * sent from this process so the event time is when the daemon gets it, not when a CLI has started.
 * Resolves `{ code, output }`: code 0 for an ok reply, 1 for an error reply or a failure; output is the
 * progress lines and each instance's outcome (`VI_1: MASTER with priority 101 after 4 ms`). Bounded.
 */
export function controlRequest(socketPath, request, timeoutMs = 15_000) {
  return new Promise((resolve) => {
    const lines = [];
    let buf = '';
    let done = false;
    const sock = net.connect(socketPath);
    const finish = (code) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ code, output: lines.join('\n') });
    };
    const timer = setTimeout(() => {
      lines.push(`no reply within ${timeoutMs} ms`);
      finish(1);
    }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(`${JSON.stringify({ id: 1, ...request })}\n`));
    sock.on('error', (e) => {
      lines.push(`control socket ${socketPath}: ${e.message}`);
      finish(1);
    });
    sock.on('close', () => finish(1));
    sock.on('data', (d) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let msg;
        try {
          msg = JSON.parse(line);
        } catch {
          lines.push(`bad reply line: ${line.slice(0, 200)}`);
          continue;
        }
        if (typeof msg.progress === 'string') lines.push(msg.progress);
        else if (msg.ok === true) {
          for (const i of msg.result?.instances ?? []) lines.push(`${i.instance}: ${i.outcome ?? i.note ?? i.action}${i.elapsedMs !== undefined ? ` after ${i.elapsedMs} ms` : ''}`);
          finish(0);
        } else if (msg.ok === false) {
          lines.push(`error ${msg.error?.code}: ${msg.error?.message}`);
          finish(1);
        }
      }
    });
  });
}

/**
 * The scenarios, in report order. `final`: the node clients should reach at the end. `kinds`: which
 * daemons run it (undefined = both). `label` is the table's wording.
 */
export const SCENARIOS = [
  { id: 'sigkill', final: 'b', label: 'SIGKILL of the master daemon (VIP stays on the node)' },
  { id: 'crash', final: 'b', label: 'master node crash (SIGKILL + its link down)' },
  { id: 'sigterm', final: 'b', label: 'SIGTERM of the master' },
  {
    id: 'switchover',
    final: 'b',
    label: 'planned switchover (havipd: `havipd switchover` on the master; keepalived: SIGTERM, priority 0)',
  },
  { id: 'switchover-backup', final: 'b', kinds: ['havipd'], label: 'planned switchover (havipd: `havipd switchover` on the backup)' },
  { id: 'linkflap', final: 'a', label: 'link flap on the master (eth0 down, up)' },
  { id: 'splitbrain', final: 'a', label: 'healed split brain (protocol 112 dropped both ways, then allowed)' },
];

/** keepalived.conf of node `side` (identical for havipd and keepalived). */
export function clientLanConfig(lan, side, { advertInt = 1 } = {}) {
  const peer = side === 'a' ? 'b' : 'a';
  return [
    `# client-visible failover (issue 11 §1): node ${side}`,
    'global_defs {',
    `    router_id hv_client_${side}`,
    '}',
    'vrrp_instance VI_1 {',
    `    state ${side === 'a' ? 'MASTER' : 'BACKUP'}`,
    `    interface ${IFNAME}`,
    `    virtual_router_id ${VRID}`,
    `    priority ${side === 'a' ? HIGH : LOW}`,
    `    advert_int ${advertInt}`,
    `    unicast_src_ip ${lan.ip[side]}`,
    '    unicast_peer {',
    `        ${lan.ip[peer]}`,
    '    }',
    '    virtual_ipaddress {',
    `        ${lan.vip}/24`,
    '    }',
    '}',
    '',
  ].join('\n');
}

/**
 * Build the bridge and the three namespaces. `newNs(role)` creates an empty namespace with lo up
 * (role 's', 'a', 'b', 'c') and returns `{ name, ip(args), exec(argv), spawn(argv) }`; the caller
 * owns their cleanup. `net` is the /24 prefix, e.g. '10.254.0'.
 */
export async function createClientLan(newNs, { net = '10.254.0' } = {}) {
  const sw = await newNs('s');
  const a = await newNs('a');
  const b = await newNs('b');
  const c = await newNs('c');
  const ns = { a, b, c };
  const ip = { a: `${net}.1`, b: `${net}.2`, c: `${net}.10` };
  for (const n of [sw, a, b, c]) {
    await n.exec(['sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  }
  await sw.ip(['link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
  await sw.ip(['link', 'set', 'br0', 'up']);
  for (const side of ['a', 'b', 'c']) {
    const n = ns[side];
    await n.ip(['link', 'add', IFNAME, 'address', MACS[side], 'type', 'veth', 'peer', 'name', `p${side}`, 'netns', sw.name]);
    await sw.ip(['link', 'set', `p${side}`, 'master', 'br0']);
    await sw.ip(['link', 'set', `p${side}`, 'up']);
    await n.ip(['addr', 'add', `${ip[side]}/24`, 'dev', IFNAME]);
    await n.ip(['link', 'set', IFNAME, 'up']);
  }
  for (const side of ['a', 'b']) {
    await ns[side].exec(['sysctl', '-q', '-w', `net.ipv4.ip_default_ttl=${NODE_TTL[side]}`, 'net.ipv4.ip_nonlocal_bind=1']);
  }
  for (const side of ['a', 'b', 'c']) await waitCarrier(ns[side]);
  const lan = { sw, a, b, c, ip, vip: `${net}.100`, ifname: IFNAME, port: SERVICE_PORT, macs: MACS, services: [] };
  return lan;
}

async function waitCarrier(n, timeoutMs = 10_000) {
  await until(async () => /[<,]LOWER_UP[,>]/.test((await n.ip(['-o', 'link', 'show', 'dev', IFNAME])).stdout), {
    timeoutMs,
    intervalMs: 25,
    what: `${n.name}/${IFNAME} carrier`,
  });
}

/**
 * Start the TCP service on both nodes (bound to the VIP, answering with the node's name), for at most
 * `maxMs`. Resolves once both listen.
 */
export async function startServices(lan, { maxMs = 3_600_000 } = {}) {
  for (const side of ['a', 'b']) {
    const p = lan[side].spawn([process.execPath, PROBE_SCRIPT, 'serve', '--host', lan.vip, '--port', String(lan.port), '--name', side, '--max-ms', String(maxMs)]);
    lan.services.push(p);
    await until(
      () => {
        if (p.hasExited()) throw new Error(`service on ${side} exited: ${p.output()}`);
        return p.output().includes('listening');
      },
      { timeoutMs: 20_000, what: `TCP service on node ${side}` },
    );
  }
}

/** Incremental line reader over a process's accumulated output. */
function lineReader(proc) {
  let off = 0;
  let partial = '';
  return () => {
    const out = proc.output();
    const chunk = partial + out.slice(off);
    off = out.length;
    const lines = chunk.split('\n');
    partial = lines.pop() ?? '';
    return lines;
  };
}

/**
 * The client's three recorders for one run. `stop()` resolves once they have exited. The neighbour
 * monitor starts first and gets a head start (`ip monitor` prints nothing when it is ready), so the
 * entry's creation by the first probe is seen.
 */
async function startClient(lan, { intervalMs, timeoutMs, maxMs }) {
  const c = lan.c;
  const neigh = c.spawn(['ip', '-ts', 'monitor', 'neigh']);
  await sleep(300);
  const ping = c.spawn(['ping', '-n', '-D', '-i', String(intervalMs / 1000), '-w', String(Math.ceil(maxMs / 1000)), lan.vip]);
  const tcp = c.spawn([
    process.execPath,
    PROBE_SCRIPT,
    'probe',
    '--host',
    lan.vip,
    '--port',
    String(lan.port),
    '--interval-ms',
    String(intervalMs),
    '--timeout-ms',
    String(timeoutMs),
    '--max-ms',
    String(maxMs),
  ]);
  const rd = { ping: lineReader(ping), tcp: lineReader(tcp), neigh: lineReader(neigh) };
  const rec = { icmp: [], tcp: [], tcpFailed: [], neigh: [] };
  const poll = () => {
    for (const l of rd.ping()) {
      const r = parsePingLine(l, TTL_TO_NODE);
      if (r) rec.icmp.push(r);
    }
    for (const l of rd.tcp()) {
      const r = parseProbeLine(l);
      if (r?.node) rec.tcp.push(r);
      else if (r) rec.tcpFailed.push(r);
    }
    for (const l of rd.neigh()) {
      const r = parseNeighLine(l, lan.vip);
      if (r) rec.neigh.push(r);
    }
    return rec;
  };
  return {
    rec,
    poll,
    /** Record the entry as `ip neigh show` has it now (a reference point before the event). */
    async snapshot() {
      const t = wall();
      const out = (await c.ip(['neigh', 'show', 'to', lan.vip, 'dev', IFNAME], { check: false })).stdout;
      const mac = /\blladdr ([0-9a-f:]{17})/.exec(out)?.[1];
      if (mac) rec.neigh.push({ t, mac, state: 'snapshot', deleted: false });
    },
    procs: { ping, tcp, neigh },
    async stop() {
      await Promise.all([tcp.stop('SIGTERM', timeoutMs + 2_000), ping.stop('SIGINT', 2_000), neigh.stop('SIGTERM', 1_000)]);
      return poll();
    },
  };
}

/**
 * Since when every reply of `list` has come from `node` without a gap over `maxGapMs`, up to `now`
 * (undefined when the last reply is not from `node` or is older than `maxGapMs`).
 */
function stableSince(list, node, now, maxGapMs) {
  if (list.length === 0) return undefined;
  let i = list.length - 1;
  if (list[i].node !== node || now - list[i].t > maxGapMs) return undefined;
  while (i > 0 && list[i - 1].node === node && list[i].t - list[i - 1].t <= maxGapMs) i--;
  return list[i].t;
}

async function nft(n, script) {
  return n.exec(['nft', script]);
}

const PARTITION = [
  'add table inet hv_split',
  'add chain inet hv_split in { type filter hook input priority 0 ; }',
  'add chain inet hv_split out { type filter hook output priority 0 ; }',
  'add rule inet hv_split in ip protocol 112 drop',
  'add rule inet hv_split out ip protocol 112 drop',
].join(' ; ');

/** Put the LAN back as a run found it: no partition, links up, no VIP left by a killed daemon, no neigh entry. */
async function restore(lan) {
  for (const side of ['a', 'b']) {
    const n = lan[side];
    await n.exec(['nft', 'delete table inet hv_split'], { check: false });
    await n.ip(['link', 'set', IFNAME, 'up'], { check: false });
    await n.ip(['addr', 'del', `${lan.vip}/24`, 'dev', IFNAME], { check: false });
  }
  await lan.c.ip(['neigh', 'flush', 'dev', IFNAME], { check: false });
  for (const side of ['a', 'b', 'c']) await waitCarrier(lan[side]);
}

const ENTER_MASTER = /\(VI_1\) Entering MASTER STATE/;
const ENTER_BACKUP = /\(VI_1\) Entering BACKUP STATE/;
/** keepalived's (and havipd's) line when a MASTER hears a peer it beats: it answers with an advert and a GARP burst. */
const LOWER_PRIO = /\(VI_1\) Received advert from \S+ with lower priority/;

/**
 * One run of `scenario` (an entry of SCENARIOS) with daemon `kind`. `startNode(side, config)` starts
 * the daemon in `lan[side]` and returns `{ waitLog(re, timeoutMs), countLog(re), kill(), signal(sig),
 * stop(), log(), switchover?(): Promise<{ code, output }> }`. Resolves with the run's record; throws
 * (after stopping everything it started) when the set-up fails.
 *
 * Options: intervalMs (probe cadence, 10), timeoutMs (TCP probe timeout, 3000), baselineMs (observed
 * before the event, 1000), settleMs (the final node must answer this long without a gap, 1000),
 * flapMs (link down time, 2000), partitionMs (split brain: how long both are MASTER before healing,
 * 6000, plus a uniform 0–1 s from `random`, default Math.random), maxObserveMs (per scenario cap after
 * the event; default 20 s, split brain 65 s), log.
 */
export async function runScenario(lan, kind, scenario, startNode, opts = {}) {
  const o = {
    intervalMs: 10,
    timeoutMs: 3_000,
    baselineMs: 1_000,
    settleMs: 1_000,
    flapMs: 2_000,
    partitionMs: 6_000,
    maxObserveMs: scenario.id === 'splitbrain' ? 65_000 : 20_000,
    log: () => {},
    random: Math.random,
    ...opts,
  };
  const minObserveMs = scenario.id === 'linkflap' ? o.flapMs + 9_000 : 0;
  const notes = [];
  let na;
  let nb;
  let client;
  try {
    await restore(lan);
    na = await startNode('a', clientLanConfig(lan, 'a'));
    await na.waitLog(ENTER_MASTER, 20_000);
    nb = await startNode('b', clientLanConfig(lan, 'b'));
    await nb.waitLog(ENTER_BACKUP, 20_000);
    const setupMs = o.baselineMs + o.partitionMs + o.maxObserveMs + 40_000;
    client = await startClient(lan, { intervalMs: o.intervalMs, timeoutMs: o.timeoutMs, maxMs: setupMs });
    // The client reaches a over both probes, steadily, before anything happens.
    await until(
      () => {
        const r = client.poll();
        const now = wall();
        const si = stableSince(r.icmp, 'a', now, 250);
        const st = stableSince(r.tcp, 'a', now, 250);
        return si !== undefined && st !== undefined && now - si >= o.baselineMs && now - st >= o.baselineMs;
      },
      { timeoutMs: 20_000, intervalMs: 100, what: `${kind}: the client answered steadily by node a` },
    );
    if (nb.countLog(ENTER_MASTER) > 0) throw new Error(`${kind}: node b became MASTER before the event`);
    await client.snapshot();

    let eventT;
    let partitionT;
    let bMasterT;
    let lowerBeforeHeal = 0;
    let healOffsetMs = 0;
    let switchover;
    switch (scenario.id) {
      case 'sigkill':
        eventT = wall();
        na.kill();
        break;
      case 'crash':
        eventT = wall();
        na.kill();
        await lan.a.ip(['link', 'set', IFNAME, 'down']);
        break;
      case 'sigterm':
        eventT = wall();
        na.signal('SIGTERM');
        break;
      case 'switchover':
        eventT = wall();
        if (kind === 'havipd') switchover = await na.switchover();
        else na.signal('SIGTERM');
        break;
      case 'switchover-backup':
        if (kind !== 'havipd') throw new Error('switchover-backup is a havipd command');
        eventT = wall();
        switchover = await nb.switchover();
        break;
      case 'linkflap':
        eventT = wall();
        await lan.a.ip(['link', 'set', IFNAME, 'down']);
        await sleep(o.flapMs);
        await lan.a.ip(['link', 'set', IFNAME, 'up']);
        break;
      case 'splitbrain': {
        const backupsOfA = na.countLog(ENTER_BACKUP);
        partitionT = wall();
        await nft(lan.a, PARTITION);
        await nft(lan.b, PARTITION);
        await nb.waitLog(ENTER_MASTER, 20_000);
        bMasterT = wall();
        // b's adverts run 0.609 s (its Skew_Time) after a's, and b's MASTER line is seen a fixed delay
        // after its first advert: a heal at a fixed time after that line would always fall in the same
        // place between the two nodes' adverts, and so always decide the same way who hears whom first.
        // A uniform offset over one advert interval makes the order as random as in a real partition.
        healOffsetMs = Math.floor(o.random() * 1_000);
        await sleep(o.partitionMs + healOffsetMs);
        if (na.countLog(ENTER_BACKUP) > backupsOfA) notes.push('a left MASTER during the partition');
        lowerBeforeHeal = na.countLog(LOWER_PRIO);
        eventT = wall();
        await lan.a.exec(['nft', 'delete table inet hv_split']);
        await lan.b.exec(['nft', 'delete table inet hv_split']);
        break;
      }
      default:
        throw new Error(`unknown scenario ${scenario.id}`);
    }
    if (switchover && switchover.code !== 0) notes.push(`switchover exited ${switchover.code}: ${switchover.output.trim().split('\n').slice(-2).join(' / ')}`);

    // Observe until the final node has answered both probes steadily for settleMs (bounded).
    let endT;
    for (;;) {
      await sleep(100);
      const r = client.poll();
      const now = wall();
      const since = now - eventT;
      const si = stableSince(r.icmp, scenario.final, now, 250);
      const st = stableSince(r.tcp, scenario.final, now, 250);
      const settled = si !== undefined && st !== undefined && now - Math.max(si, st, eventT) >= o.settleMs;
      if ((since >= minObserveMs && settled) || since >= o.maxObserveMs) {
        endT = now;
        if (!settled) notes.push(`node ${scenario.final} did not answer steadily within ${Math.round(o.maxObserveMs / 1000)} s`);
        break;
      }
    }
    const rec = await client.stop();
    client = undefined;
    const winnerMac = lan.macs[scenario.final];
    const names = { [lan.macs.a]: 'a', [lan.macs.b]: 'b' };
    const fromT = eventT - o.baselineMs;
    const probe = (list) => {
      const times = list.map((x) => x.t);
      const out = outageAround(times, eventT, endT);
      const first = list.filter((x) => x.t > eventT && x.node === scenario.final).sort((x, y) => x.t - y.t)[0];
      return {
        ...out,
        baselineGapMs: longestGapWithin(times, fromT, eventT),
        answered: describeRuns(list, eventT, fromT),
        firstFinalMs: first ? first.t - eventT : undefined,
        replies: list.filter((x) => x.t >= fromT && x.t <= endT).length,
      };
    };
    const icmp = probe(rec.icmp);
    const tcp = probe(rec.tcp);
    // What a TCP client starting after the event waited at worst: its probe's start → its answer (or
    // its timeout, for a probe that never got one).
    const started = [...rec.tcp, ...rec.tcpFailed].filter((x) => x.s >= eventT && x.s <= endT);
    tcp.worstWaitMs = started.reduce((m, x) => Math.max(m, x.t - x.s), 0);
    tcp.failed = started.filter((x) => x.err).length;
    const result = {
      kind,
      scenario: scenario.id,
      eventT,
      endT,
      icmp,
      tcp,
      neigh: {
        toFinalMs: neighSettledAt(rec.neigh, eventT, winnerMac),
        seen: describeNeigh(rec.neigh, eventT, fromT, names),
      },
      notes,
    };
    if (scenario.id === 'splitbrain') {
      const times = rec.icmp.map((x) => x.t);
      result.partition = {
        bMasterMs: bMasterT - partitionT,
        icmpGapMs: longestGapWithin([partitionT, ...times], partitionT, eventT),
        neighToB: neighPointsAt(rec.neigh.filter((e) => e.t <= eventT), partitionT, lan.macs.b),
        // Which advert crossed first after the heal: a heard b's lower-priority advert (and answered with
        // an advert and GARPs), or b heard a's and stepped down without a word to the clients.
        aHeardLower: na.countLog(LOWER_PRIO) > lowerBeforeHeal,
        healOffsetMs,
      };
    }
    if (switchover) result.switchover = switchover.output.trim();
    o.log(`${kind} ${scenario.id}: ICMP outage ${icmp.outageMs.toFixed(0)} ms, TCP ${tcp.outageMs.toFixed(0)} ms (${tcp.answered})${notes.length ? `; ${notes.join('; ')}` : ''}`);
    return result;
  } finally {
    if (client) await client.stop().catch(() => {});
    await nb?.stop().catch(() => {});
    await na?.stop().catch(() => {});
    await restore(lan).catch(() => {});
  }
}

/** Stop the TCP services of `lan` (its namespaces are the caller's). */
export async function stopServices(lan) {
  await Promise.all(lan.services.map((p) => p.stop('SIGTERM', 2_000)));
  lan.services.length = 0;
}
