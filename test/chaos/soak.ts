// The chaos soak (issue 14 §1): a fleet of three VRRP nodes (three havipd; two havipd + keepalived 2.2.7;
// three keepalived 2.2.7, the reference under the same schedule; or the older two-node pairs) on a bridge
// in network namespaces, one VIP, a client namespace pinging the VIP every 20 ms, and a seeded schedule of
// faults (schedule.ts): SIGKILL + restart, SIGSTOP / SIGCONT, link down/up, VRRP loss with nftables
// `numgen random` (this kernel has no netem), partitions (protocol 112 dropped both ways), a track script
// failing or flapping, SIGHUP reloads with a changed priority, bursts of SIGHUPs, a broken configuration
// reloaded then fixed, a busy loop pinned with taskset to the CPU the daemon is pinned to, and
// control-socket floods, and the wall clock (CLOCK_REALTIME) of one daemon stepped by hours and back
// (libfaketime, test/support/faketime.ts; keepalived nodes too). The bridge is captured all the time (VRRP
// and ARP); every node writes a notify FIFO (read with a time stamp per line); the client also pings each
// node's own address (the witnesses: a silence there is the host's, not a daemon's); each daemon's run-queue
// wait is sampled (schedstat: time it had no CPU); RSS sampled every second; unexpected exits recorded. After
// the last fault every fault is undone and the fleet must converge; invariants.ts gives the verdict. Every loop
// is bounded in count and time; every namespace, process and file is cleaned up (by pid / by name) in `finally`.
// HAVIPD_CHAOS_ARTIFACTS=DIR keeps what the verdict came from in DIR: the pcap and its decoded rows, the
// pings, the client's neighbour events, the FIFO lines and every daemon's log (one file per life).
//
// Clock steps: a time namespace cannot step CLOCK_REALTIME (only MONOTONIC and BOOTTIME have offsets, fixed
// before the first process enters) and the host clock is not ours to step, so when the schedule has clock
// steps every daemon runs under libfaketime with its own offset file, rewritten to step that daemon's wall
// clock while it runs; CLOCK_MONOTONIC and its timers are untouched, as under a real `date -s`.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { startCapture, type Capture } from '../support/capture.js';
import { faketimeMissing, steppableClock, type SteppableClock } from '../support/faketime.js';
import { parsePingLine } from '../../bench/lib/client-outage.mjs';
import { createNetns, destroyAll, run, scratchDir, sleep, spawnGroup, waitFor, type Netns, type Spawned } from '../support/netns.js';
import { describeRows, startNode, vrrpConfig, type VrrpNode } from '../support/scenario.js';
import { checkSoak, clientRuns, defaultBounds, type Advert, type FaultWindow, type NotifyTrace, type SoakNode, type Verdict } from './invariants.js';
import { describeFault, makeSchedule, scheduleWindow, type Fault } from './schedule.js';

/** The fleets: three nodes (havipd, mixed = two havipd + keepalived, keepalived = the reference), or the older pairs. */
export type Fleet = 'havipd' | 'mixed' | 'keepalived' | 'pair-havipd' | 'pair-mixed';
export const FLEETS: Readonly<Record<Fleet, readonly ('havipd' | 'keepalived')[]>> = {
  havipd: ['havipd', 'havipd', 'havipd'],
  mixed: ['havipd', 'havipd', 'keepalived'],
  keepalived: ['keepalived', 'keepalived', 'keepalived'],
  'pair-havipd': ['havipd', 'havipd'],
  'pair-mixed': ['havipd', 'keepalived'],
};
/** The namespace prefix of the soak (`sweepStaleNetns` removes a crashed run's leftovers by it). */
export const SOAK_NETNS_PREFIX = 'hv-chaos3';

export interface SoakOptions {
  readonly seed: number;
  readonly events: number;
  readonly fleet: Fleet;
  /** Every instance with `nopreempt` (the master stays put instead of the highest priority taking over). */
  readonly nopreempt?: boolean;
  /** Client ping interval, ms (default 20). */
  readonly clientIntervalMs?: number;
  /** Seconds; VRRPv3 when below 1. */
  readonly advertIntS?: number;
  /** Hard stop for the fault phase, ms (the schedule is cut there). */
  readonly maxMs?: number;
  /**
   * Replay only faults `[from, to]` of the seed's schedule (and any earlier fault still on at `from`), from
   * the priorities the reloads before them left (`scheduleWindow`): a regression replay (regressions.ts).
   */
  readonly window?: readonly [number, number];
  readonly log?: (line: string) => void;
}

export interface SoakResult {
  readonly seed: number;
  readonly fleet: Fleet;
  /** The daemons, e.g. `havipd/havipd/keepalived`. */
  readonly kinds: string;
  readonly faults: readonly Fault[];
  readonly applied: readonly string[];
  readonly verdict: Verdict;
  readonly durationS: number;
  readonly adverts: number;
  readonly report: string;
}

/** Three distinct priorities; a reload gives a node one of its own set (no two nodes' sets share a value). */
const BASE_PRIO = [150, 120, 100];
const RELOAD_PRIOS = [[150, 80], [120, 140], [100, 110]];
const TRACK_WEIGHT = -100;
/** Each node answers ICMP with its own TTL, so the client's `ping` says who answered. */
const TTL_BASE = 61;

interface NodeState {
  readonly name: string;
  readonly kind: 'havipd' | 'keepalived';
  readonly ns: Netns;
  readonly ip: string;
  readonly trackFile: string;
  /** The notify FIFO, and the file its reader appends `<epoch s> <line>` to. */
  readonly fifo: string;
  readonly fifoOut: string;
  priority: number;
  /** The daemon's steppable wall clock, when the schedule steps clocks. */
  readonly clock: SteppableClock | undefined;
  node: VrrpNode | undefined;
  /** Exits we asked for (SIGKILL): the next exit of this process is expected. */
  expectExit: boolean;
  rss: number[];
  /** Increments of the advert sender's time waiting for a CPU (runnable, not running), s, at sample time t. */
  wait: { t: number; d: number }[];
  /** The last schedstat run-delay read per pid (ns). */
  lastDelay: Map<number, number>;
}

/** The node's keepalived.conf; `broken`: the instance names an interface the host lacks (refused at reload). */
function configFor(n: NodeState, vip: string, advertIntS: number, trackDir: string, broken = false, nopreempt = false): string {
  const text = vrrpConfig({
    routerId: n.name,
    globals: ['enable_script_security', 'script_user root', `vrrp_notify_fifo ${n.fifo}`],
    instances: [{
      name: 'VI_1', iface: broken ? 'eth9' : 'eth0', vrid: 77, priority: n.priority, advertInt: advertIntS, ...(advertIntS < 1 ? { version: 3 as const } : {}),
      vips: [`${vip}/24`], extra: ['track_script {', '  chk_healthy', '}'], ...(nopreempt ? { nopreempt: true } : {}),
    }],
  });
  return text.replace('vrrp_instance', `vrrp_script chk_healthy {\n  script "/usr/bin/test -e ${join(trackDir, n.name)}"\n  interval 1\n  weight ${TRACK_WEIGHT}\n  fall 1\n  rise 1\n}\nvrrp_instance`);
}

/** Master_Down_Interval for a priority: 3 × interval + (256 − priority) / 256 × interval. */
export function masterDownS(advertIntS: number, priority: number): number {
  return 3 * advertIntS + ((256 - priority) / 256) * advertIntS;
}

async function pidsOfGroup(pgid: number): Promise<number[]> {
  const r = await run(['pgrep', '-g', String(pgid)], { check: false });
  return r.stdout.split(/\s+/).filter(Boolean).map(Number);
}

/** How often the daemons' run-queue wait is sampled, ms. */
const WAIT_SAMPLE_MS = 200;

/** /proc/PID/schedstat's run delay (ns waited on a run queue), or undefined when the process is gone. */
function runDelayNs(pid: number): number | undefined {
  try {
    const v = Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The children of a process (its main thread's). */
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function rssMiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A soak's faults (the seed's schedule, or its `window`), the nodes' priorities when the faults start, the
 * longest Master_Down_Interval and the nodes' names: pure, so a unit test can pin what a regression entry replays.
 */
export function soakSchedule(o: Pick<SoakOptions, 'seed' | 'events' | 'fleet' | 'advertIntS' | 'window'>): { faults: Fault[]; priorities: number[]; mdMax: number; names: string[] } {
  const advertIntS = o.advertIntS ?? 0.5;
  const kinds = FLEETS[o.fleet];
  const basePrio = BASE_PRIO.slice(0, kinds.length);
  const reloadPrios = RELOAD_PRIOS.slice(0, kinds.length);
  const mdMax = masterDownS(advertIntS, Math.min(...basePrio, ...reloadPrios.flat()));
  const settleMs = Math.round((mdMax + 2 * advertIntS + 1) * 1000);
  const schedule = makeSchedule({ seed: o.seed, events: o.events, nodes: kinds, priorities: reloadPrios, settleMs });
  const { faults, priorities } = o.window ? scheduleWindow(schedule, o.window[0], o.window[1], basePrio) : { faults: schedule, priorities: basePrio };
  return { faults, priorities, mdMax, names: kinds.map((k, i) => `${'abcdefgh'[i]}-${k}`) };
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const log = o.log ?? (() => undefined);
  const advertIntS = o.advertIntS ?? 0.5;
  const kinds = FLEETS[o.fleet];
  const { faults, priorities: startPrio, mdMax, names } = soakSchedule(o);
  const replay = `npm run chaos -- --seed ${o.seed} --events ${o.events} --fleet ${o.fleet}${o.window ? ` --faults ${o.window[0]}-${o.window[1]}` : ''}${o.nopreempt ? ' --nopreempt' : ''}`;
  const clientIntervalMs = o.clientIntervalMs ?? 20;
  log(`chaos soak seed ${o.seed} fleet ${kinds.join('/')} events ${o.events}${o.window ? ` (faults ${o.window[0]}-${o.window[1]} only, starting at priorities ${startPrio.join('/')})` : ''} advert_int ${advertIntS} s (replay: ${replay})`);
  for (const f of faults) log(`  ${describeFault(f, names)}`);

  const stepsClocks = faults.some((f) => f.kind === 'clockstep');
  const noClock = stepsClocks ? faketimeMissing() : undefined;
  if (noClock) throw new Error(`seed ${o.seed} steps clocks: ${noClock}`);
  const scratch = scratchDir('hv-chaos3');
  const trackDir = join(scratch.path, 'track');
  mkdirSync(trackDir, { mode: 0o755 });
  const applied: string[] = [];
  const windows: FaultWindow[] = [];
  const unexpectedExits: { node: number; text: string }[] = [];
  const hogs = new Set<Spawned>();
  const floods = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const intervals = new Map<number, NodeJS.Timeout>();
  const readers: Spawned[] = [];
  const lives: { start: number; end?: number }[][] = kinds.map(() => []);
  const prioTimeline: { t: number; prios: number[] }[] = [];
  let ping: Spawned | undefined;
  let neigh: Spawned | undefined;
  const witnesses: Spawned[] = [];
  let capture: Capture | undefined;
  let rssTimer: NodeJS.Timeout | undefined;
  let waitTimer: NodeJS.Timeout | undefined;
  const started = Date.now();
  /** Every daemon started, for the artifacts (`HAVIPD_CHAOS_ARTIFACTS`). */
  const started_: { name: string; node: VrrpNode }[] = [];
  try {
    // ── topology: a switch namespace with a bridge, one veth port per node and one for the client
    const sw = await createNetns(SOAK_NETNS_PREFIX);
    const subnet = `10.${200 + (process.pid % 40)}.${(process.pid >> 6) % 250}`;
    const vip = `${subnet}.100`;
    await sw.ip(['link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
    await sw.ip(['link', 'set', 'br0', 'type', 'bridge', 'mcast_snooping', '0']);
    await sw.ip(['link', 'set', 'br0', 'up']);
    const port = async (ns: Netns, p: string, ip: string): Promise<void> => {
      await sw.ip(['link', 'add', p, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.name]);
      await sw.ip(['link', 'set', p, 'master', 'br0']);
      await sw.ip(['link', 'set', p, 'up']);
      await ns.ip(['addr', 'add', `${ip}/24`, 'dev', 'eth0']);
      await ns.ip(['link', 'set', 'eth0', 'up']);
    };
    const nodes: NodeState[] = [];
    const ttlToNode: Record<number, string> = {};
    for (let i = 0; i < kinds.length; i++) {
      const ns = await createNetns(SOAK_NETNS_PREFIX);
      await port(ns, `p${i}`, `${subnet}.${i + 1}`);
      await ns.exec(['sysctl', '-qw', `net.ipv4.ip_default_ttl=${TTL_BASE + i}`]);
      ttlToNode[TTL_BASE + i] = names[i]!;
      const fifo = join(scratch.path, `${names[i]}.fifo`);
      nodes.push({ name: names[i]!, kind: kinds[i]!, ns, ip: `${subnet}.${i + 1}`, trackFile: join(trackDir, names[i]!), fifo, fifoOut: `${fifo}.txt`, priority: startPrio[i]!, clock: stepsClocks ? steppableClock(scratch.path, names[i]!) : undefined, node: undefined, expectExit: false, rss: [], wait: [], lastDelay: new Map() });
      writeFileSync(join(trackDir, names[i]!), '');
      // The FIFO exists before the daemon starts, so neither daemon removes it when it exits and the reader
      // (bounded: one open per daemon life, 0.1 s apart when it is missing) stamps every line as it reads it.
      await run(['mkfifo', '-m', '0644', fifo]);
      readers.push(spawnGroup(['bash', '-c', `for i in $(seq 1 20000); do while IFS= read -r l; do printf '%s %s\\n' "$EPOCHREALTIME" "$l"; done < '${fifo}' || sleep 0.1; done >> '${fifo}.txt'`]));
    }
    const client = await createNetns(SOAK_NETNS_PREFIX);
    await port(client, 'pc', `${subnet}.50`);
    for (const ns of [...nodes.map((n) => n.ns), client]) await waitFor(async () => /LOWER_UP/.test((await ns.ip(['-o', 'link', 'show', 'dev', 'eth0'])).stdout), { timeoutMs: 10_000, intervalMs: 50, what: `${ns.name} eth0 up` });
    // VRRP and ARP: who claimed the VIP when (gratuitous ARPs) is part of what a client sees.
    // Immediate mode: packets reach the file as they come, so none is left in a kernel block at stop; a 16 MiB
    // buffer rides out CPU hogs and floods (the verdict fails if tcpdump still reports drops: see captureDropped).
    capture = await startCapture(sw, 'br0', join(scratch.path, 'bridge.pcap'), { filter: 'ip proto 112 or arp', immediate: true, bufferKiB: 16_384 });

    const cfg = (n: NodeState, broken = false): string => configFor(n, vip, advertIntS, trackDir, broken, o.nopreempt === true);
    const start = async (n: NodeState): Promise<void> => {
      const i = nodes.indexOf(n);
      // a restarted daemon keeps the node's clock (stepped or not), as a machine would
      const node = await startNode(n.kind, n.ns, cfg(n), n.clock ? { env: n.clock.env } : {});
      n.node = node;
      started_.push({ name: n.name, node });
      n.expectExit = false;
      lives[i]!.push({ start: Date.now() / 1000 });
      const proc = node.havipd?.process ?? node.keepalived!.process;
      void proc.exited.then((code) => {
        const life = lives[i]!.at(-1);
        if (life && life.end === undefined) life.end = Date.now() / 1000;
        if (n.node === node && !n.expectExit) unexpectedExits.push({ node: i, text: `${n.name} exited ${code} at +${((Date.now() - started) / 1000).toFixed(1)} s:\n${proc.output().split('\n').slice(-15).join('\n')}` });
      });
    };
    for (const n of nodes) await start(n);
    // settle: one master advertising; then the client starts asking the VIP (bounded by -w)
    await sleep(Math.round((mdMax + 3 * advertIntS + 2) * 1000));
    // RSS from here: the baseline is a started daemon's (sampled earlier on a busy machine, one was still
    // `ip netns exec`, 2.5 MiB, and a short run failed "RSS grew 53.6 MiB")
    // The advert sender's run-queue wait (/proc/PID/schedstat, 2nd field): time it was runnable but not running,
    // i.e. the host had no CPU for it. havipd: its main thread; keepalived: its children (the VRRP process).
    waitTimer = setInterval(() => {
      const t = Date.now() / 1000;
      for (const n of nodes) {
        const pid = n.node?.havipd?.pid ?? n.node?.keepalived?.process.pid;
        if (pid === undefined) continue;
        const pids = n.node?.havipd ? [pid] : childPids(pid);
        let d = 0;
        for (const p of pids) {
          const v = runDelayNs(p);
          if (v === undefined) continue;
          const last = n.lastDelay.get(p);
          n.lastDelay.set(p, v);
          if (last !== undefined && v >= last) d += (v - last) / 1e9;
        }
        if (d > 0) n.wait.push({ t, d });
      }
    }, WAIT_SAMPLE_MS);
    rssTimer = setInterval(() => {
      for (const n of nodes) {
        const pid = n.node?.havipd?.pid;
        const r = pid !== undefined ? rssMiB(pid) : undefined;
        if (r !== undefined) n.rss.push(r);
      }
    }, 1000);
    const pingOut = join(scratch.path, 'client-ping.txt');
    const maxMs = o.maxMs ?? 30 * 60_000;
    ping = client.spawn(['sh', '-c', `exec ping -D -n -i ${clientIntervalMs / 1000} -W 1 -w ${Math.ceil(maxMs / 1000) + 900} ${vip} > '${pingOut}' 2>&1`]);
    // Witnesses: the same client pings each node's own address. A gap there is the machine's (the kernel,
    // the bridge, the client), not a daemon's: no VRRP daemon takes part in answering it.
    for (const n of nodes) witnesses.push(client.spawn(['sh', '-c', `exec ping -D -n -i ${clientIntervalMs / 1000} -W 1 -w ${Math.ceil(maxMs / 1000) + 900} ${n.ip} > '${join(scratch.path, `witness-${n.name}.txt`)}' 2>&1`]));
    // The client's neighbour entry for the VIP (which MAC its pings go to), for the artifacts.
    neigh = client.spawn(['sh', '-c', `exec timeout ${Math.ceil(maxMs / 1000) + 900} ip -ts monitor neigh > '${join(scratch.path, 'client-neigh.txt')}' 2>&1`]);
    await sleep(1_000);
    const startS = Date.now() / 1000;
    const t0 = Date.now();
    prioTimeline.push({ t: startS, prios: nodes.map((n) => n.priority) });

    const pgid = (n: NodeState): number | undefined => {
      const p = n.node?.havipd?.process ?? n.node?.keepalived?.process;
      return p && !p.hasExited() ? p.pid : undefined;
    };
    const signalGroup = (n: NodeState, sig: NodeJS.Signals): void => {
      const g = pgid(n);
      if (g === undefined) return;
      try {
        process.kill(-g, sig);
      } catch {
        /* gone */
      }
    };
    /** SIGHUP to the daemon (its main process), if it runs. */
    const hup = (n: NodeState): void => {
      try {
        n.node?.signal('SIGHUP');
      } catch {
        /* exited between the check and the signal */
      }
    };
    const confPathOf = (n: NodeState): string | undefined => n.node?.havipd?.confPath ?? n.node?.keepalived?.confPath;
    const nft = async (n: NodeState, f: Fault, table: string): Promise<void> => {
      const rule = f.kind === 'partition' ? 'ip protocol 112 drop' : `ip protocol 112 numgen random mod 100 < ${f.lossPct} drop`;
      const dirs = f.kind === 'partition' ? ['in', 'out'] : f.direction === 'both' ? ['in', 'out'] : [f.direction!];
      const chains = dirs.map((d) => `  chain ${d} { type filter hook ${d === 'in' ? 'input' : 'output'} priority -300; ${rule}; }`).join('\n');
      await n.ns.exec(['nft', '-f', '-'], { input: `table ip ${table} {\n${chains}\n}\n` });
    };
    const cpus = Math.max(1, availableParallelism());
    const pin = async (n: NodeState, list: string): Promise<void> => {
      const g = pgid(n);
      if (g === undefined) return;
      for (const pid of await pidsOfGroup(g)) await run(['taskset', '-a', '-p', '-c', list, String(pid)], { check: false });
    };
    const flood = (n: NodeState, untilMs: number): void => {
      const path = n.node?.havipd ? join(n.node.havipd.dir, 'havipd.sock') : undefined;
      if (!path) return;
      const payloads = ['{"cmd":"status"}\n', 'garbage\n', `{"cmd":"events","limit":10000}\n`, `${'x'.repeat(70_000)}\n`, '{"cmd":"status","id":1}\n'.repeat(20)];
      let opened = 0;
      const open = (): void => {
        if (Date.now() >= untilMs || opened >= 2_000) return;
        opened++;
        const s = connect(path);
        floods.add(s);
        s.on('error', () => undefined);
        s.on('close', () => {
          floods.delete(s);
          open();
        });
        s.on('connect', () => s.write(payloads[opened % payloads.length]!));
        s.on('data', () => undefined);
        const t = setTimeout(() => s.destroy(), 300);
        timers.add(t);
      };
      for (let k = 0; k < 40; k++) open();
    };

    // ── the schedule: each fault's start and end actions at their offsets, bounded by count and time
    type Action = { at: number; f: Fault; phase: 'start' | 'end' };
    const actions: Action[] = faults.flatMap((f) => [{ at: f.at, f, phase: 'start' as const }, { at: f.at + f.durationMs, f, phase: 'end' as const }]).sort((x, y) => x.at - y.at || (x.f === y.f ? (x.phase === 'start' ? -1 : 1) : x.phase === 'end' ? -1 : 1));
    const active = new Map<number, { start: number; f: Fault }>();
    const frozen = new Map<number, number>();
    const down = new Set<number>();
    const trackOff = (i: number, except: number): boolean => [...active.values()].some((x) => (x.f.kind === 'track' || x.f.kind === 'trackflap') && x.f.node === i && x.f.n !== except);
    for (let k = 0; k < actions.length && k < 10_000; k++) {
      const a = actions[k]!;
      if (a.at > maxMs) {
        log(`  time bound reached at fault #${a.f.n}: the rest of the schedule is cut`);
        break;
      }
      const wait = t0 + a.at - Date.now();
      if (wait > 0) await sleep(wait);
      const n = nodes[a.f.node]!;
      const f = a.f;
      const tag = `chaos${f.n}`;
      const now = (): string => `+${((Date.now() - t0) / 1000).toFixed(1)} s`;
      if (a.phase === 'start') {
        active.set(f.n, { start: Date.now() / 1000, f });
        applied.push(`${now()} start ${describeFault(f, names)}`);
        log(`  ${applied[applied.length - 1]}`);
        switch (f.kind) {
          case 'kill':
            if (down.has(f.node)) break;
            n.expectExit = true;
            down.add(f.node);
            await n.node?.stop('SIGKILL');
            break;
          case 'freeze':
            frozen.set(f.node, (frozen.get(f.node) ?? 0) + 1);
            signalGroup(n, 'SIGSTOP');
            break;
          case 'flap':
            await n.ns.ip(['link', 'set', 'eth0', 'down']);
            break;
          case 'loss':
          case 'partition':
            await nft(n, f, tag);
            break;
          case 'track':
            rmSync(n.trackFile, { force: true });
            break;
          case 'trackflap': {
            // the track script's result flips every periodMs (bounded: at most 30 flips)
            let flips = 0;
            rmSync(n.trackFile, { force: true });
            const iv = setInterval(() => {
              if (++flips > 30) return;
              if (existsSync(n.trackFile)) rmSync(n.trackFile, { force: true });
              else writeFileSync(n.trackFile, '');
            }, f.periodMs!);
            intervals.set(f.n, iv);
            break;
          }
          case 'reload':
            n.priority = f.priority!;
            prioTimeline.push({ t: Date.now() / 1000, prios: nodes.map((x) => x.priority) });
            if (n.node) {
              const confPath = confPathOf(n);
              if (confPath) writeFileSync(confPath, cfg(n));
              hup(n);
            }
            break;
          case 'hupburst':
            // the same file, count SIGHUPs spread over the duration
            for (let h = 0; h < f.count!; h++) {
              const t = setTimeout(() => hup(n), Math.round((h * f.durationMs) / f.count!));
              timers.add(t);
            }
            break;
          case 'badconf': {
            // a broken file (the instance names an interface the host lacks): refused, the running one kept
            const confPath = confPathOf(n);
            if (confPath) writeFileSync(confPath, cfg(n, true));
            hup(n);
            break;
          }
          case 'hog': {
            const cpu = String(f.n % cpus);
            await pin(n, cpu);
            const h = n.ns.spawn(['taskset', '-c', cpu, 'timeout', String(Math.ceil(f.durationMs / 1000) + 1), 'sh', '-c', 'while :; do :; done']);
            hogs.add(h);
            break;
          }
          case 'flood':
            flood(n, Date.now() + f.durationMs);
            break;
          case 'clockstep':
            n.clock?.set(f.offsetS!);
            break;
        }
      } else {
        const w = active.get(f.n);
        active.delete(f.n);
        switch (f.kind) {
          case 'kill':
            if (down.has(f.node) && !frozen.get(f.node)) {
              down.delete(f.node);
              await start(n);
            }
            break;
          case 'freeze': {
            const c = (frozen.get(f.node) ?? 1) - 1;
            frozen.set(f.node, c);
            if (c === 0) signalGroup(n, 'SIGCONT');
            if (c === 0 && down.has(f.node)) {
              down.delete(f.node);
              await start(n);
            }
            break;
          }
          case 'flap':
            if (![...active.values()].some((x) => x.f.kind === 'flap' && x.f.node === f.node)) await n.ns.ip(['link', 'set', 'eth0', 'up']);
            break;
          case 'loss':
          case 'partition':
            await n.ns.exec(['nft', 'delete', 'table', 'ip', tag], { check: false });
            break;
          case 'track':
          case 'trackflap':
            clearInterval(intervals.get(f.n));
            intervals.delete(f.n);
            if (!trackOff(f.node, f.n)) writeFileSync(n.trackFile, '');
            break;
          case 'badconf': {
            const confPath = confPathOf(n);
            if (confPath) writeFileSync(confPath, cfg(n));
            hup(n);
            break;
          }
          case 'hog':
            for (const h of hogs) if (!h.hasExited()) await h.stop('SIGKILL', 0);
            hogs.clear();
            await pin(n, `0-${cpus - 1}`);
            break;
          case 'clockstep': {
            // stepped back: to the offset of a clock step still on at this node, else the host's clock
            const still = [...active.values()].filter((x) => x.f.kind === 'clockstep' && x.f.node === f.node).at(-1);
            n.clock?.set(still ? still.f.offsetS! : 0);
            break;
          }
          case 'reload':
          case 'flood':
          case 'hupburst':
            break;
        }
        if (w) windows.push({ start: w.start, end: Date.now() / 1000, kind: f.kind, node: f.node, label: describeFault(f, names), ...(f.direction ? { direction: f.direction } : {}) });
        applied.push(`${now()} end #${f.n} ${f.kind}`);
      }
      if (Date.now() - t0 > maxMs + 60_000) break;
    }
    // ── undo everything still on (a cut schedule), then watch the fleet converge
    for (const [, w] of active) windows.push({ start: w.start, end: Date.now() / 1000, kind: w.f.kind, node: w.f.node, label: describeFault(w.f, names) });
    for (const iv of intervals.values()) clearInterval(iv);
    intervals.clear();
    for (const n of nodes) {
      n.clock?.set(0);
      signalGroup(n, 'SIGCONT');
      await n.ns.ip(['link', 'set', 'eth0', 'up'], { check: false });
      const tables = (await n.ns.exec(['nft', 'list', 'tables'], { check: false })).stdout;
      for (const m of tables.matchAll(/table ip (chaos\d+)/g)) await n.ns.exec(['nft', 'delete', 'table', 'ip', m[1]!], { check: false });
      writeFileSync(n.trackFile, '');
      const confPath = confPathOf(n);
      if (confPath && readFileSync(confPath, 'utf8') !== cfg(n)) {
        writeFileSync(confPath, cfg(n));
        hup(n);
      }
    }
    for (const h of hogs) await h.stop('SIGKILL', 0);
    for (const s of floods) s.destroy();
    for (let i = 0; i < nodes.length; i++) {
      if (down.has(i) || !nodes[i]!.node || pgid(nodes[i]!) === undefined) {
        down.delete(i);
        await start(nodes[i]!);
      }
    }
    const clearS = Date.now() / 1000;
    await sleep(Math.round((mdMax + 2 * advertIntS + 4 + 4) * 1000));
    const endS = Date.now() / 1000;
    const vipHolders: number[] = [];
    for (let i = 0; i < nodes.length; i++) {
      const a = (await nodes[i]!.ns.ip(['-o', '-4', 'addr', 'show', 'dev', 'eth0'])).stdout;
      if (a.includes(` ${vip}/`)) vipHolders.push(i);
    }
    clearInterval(rssTimer);
    rssTimer = undefined;
    clearInterval(waitTimer);
    waitTimer = undefined;
    await ping.stop('SIGINT', 3_000);
    await neigh.stop('SIGINT', 1_000);
    for (const w of witnesses) await w.stop('SIGINT', 1_000);
    const replies = readFileSync(pingOut, 'utf8').split('\n').flatMap((l) => {
      const r = parsePingLine(l, ttlToNode);
      return r ? [{ t: r.t / 1000, node: r.node }] : [];
    });
    const witness = nodes.map((n) => {
      const path = join(scratch.path, `witness-${n.name}.txt`);
      return existsSync(path) ? readFileSync(path, 'utf8').split('\n').flatMap((l) => {
        const r = parsePingLine(l, ttlToNode);
        return r ? [r.t / 1000] : [];
      }) : [];
    });
    // tcpdump drains its ring buffer behind a busy machine: give it time before it is stopped, so the
    // adverts up to endS are in the file
    await sleep(2_000);
    const rows = await capture.stop();
    const adverts: Advert[] = rows.filter((r) => r.proto === 'vrrp' && r.vrrp && r.src).map((r) => ({ t: r.time, src: r.src!, prio: r.vrrp!.priority }));
    for (const n of nodes) {
      const mine = adverts.filter((a) => a.src === n.ip);
      log(`  ${n.name}: ${mine.length} adverts captured, last at ${mine.length ? `+${(mine[mine.length - 1]!.t - startS).toFixed(2)} s (priority ${mine[mine.length - 1]!.prio})` : '-'}; clear at +${(clearS - startS).toFixed(2)} s, end at +${(endS - startS).toFixed(2)} s`);
    }
    for (const n of nodes) n.expectExit = true;
    for (const n of nodes) {
      const code = await n.node?.stop('SIGTERM');
      if (code !== undefined && code !== 0) unexpectedExits.push({ node: nodes.indexOf(n), text: `${n.name} exited ${code} on SIGTERM at the end` });
    }
    for (const r of readers) await r.stop('SIGKILL', 0);
    const notify: NotifyTrace[] = nodes.map((n, i) => ({ lines: readFifoLines(n.fifoOut), lives: lives[i]! }));
    if (process.env.HAVIPD_CHAOS_DEBUG) writeFileSync(process.env.HAVIPD_CHAOS_DEBUG, JSON.stringify({ startS, clearS, endS, windows, adverts, notify, prioTimeline, replies: replies.length, logs: nodes.map((n) => n.node?.log().slice(-20_000)) }, null, 1));
    const artifacts = process.env.HAVIPD_CHAOS_ARTIFACTS;
    if (artifacts) {
      // Everything the verdict was computed from, and every daemon's log (one file per life), for a post-mortem.
      mkdirSync(artifacts, { recursive: true });
      for (const f of readdirSync(scratch.path)) if (!f.endsWith('.fifo') && f !== 'track') copyFileSync(join(scratch.path, f), join(artifacts, f));
      started_.forEach((s, k) => writeFileSync(join(artifacts, `${s.name}.${k}.log`), s.node.log()));
      writeFileSync(join(artifacts, 'bridge.txt'), describeRows(rows, startS));
      writeFileSync(join(artifacts, 'meta.json'), JSON.stringify({ startS, clearS, endS, vip, nodes: nodes.map((n) => ({ name: n.name, ip: n.ip })), windows, applied, prioTimeline }, null, 1));
    }
    const prios = nodes.map((n) => n.priority);
    const expectedMaster = prios.indexOf(Math.max(...prios));
    const soakNodes: SoakNode[] = nodes.map((n) => ({ name: n.name, ip: n.ip, kind: n.kind }));
    const md = masterDownS(advertIntS, Math.min(...prios));
    const verdict = checkSoak(
      { nodes: soakNodes, adverts, windows, advertIntS, masterDownS: md, startS, endS, clearS, expectedMaster, unexpectedExits, rssMiB: nodes.map((n) => (n.kind === 'havipd' ? n.rss : [])), vipHolders, priorities: prioTimeline, notify, client: replies, witness, runWait: nodes.map((n) => n.wait), captureDropped: capture.dropped(), ...(o.nopreempt ? { nopreempt: true } : {}) },
      defaultBounds(advertIntS, md),
    );
    const durationS = (Date.now() - started) / 1000;
    const report = formatReport({ o, captureDropped: capture.dropped(), replay, kinds, faults, applied, verdict, durationS, adverts: adverts.length, advertIntS, md, clientIntervalMs, answers: clientRuns(replies) });
    return { seed: o.seed, fleet: o.fleet, kinds: kinds.join('/'), faults, applied, verdict, durationS, adverts: adverts.length, report };
  } finally {
    if (rssTimer) clearInterval(rssTimer);
    if (waitTimer) clearInterval(waitTimer);
    for (const t of timers) clearTimeout(t);
    for (const iv of intervals.values()) clearInterval(iv);
    for (const s of floods) s.destroy();
    for (const h of hogs) await h.stop('SIGKILL', 0);
    if (ping) await ping.stop('SIGKILL', 0);
    if (neigh) await neigh.stop('SIGKILL', 0);
    for (const w of witnesses) await w.stop('SIGKILL', 0);
    for (const r of readers) await r.stop('SIGKILL', 0);
    if (capture) await capture.stop().catch(() => []);
    await destroyAll();
    scratch.remove();
  }
}

/** The FIFO reader's `<epoch s> INSTANCE "VI_1" STATE prio` lines as state changes. */
export function parseFifoLines(text: string): NotifyTrace['lines'] {
  const out: { t: number; state: 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' }[] = [];
  for (const m of text.matchAll(/^(\d+[.,]\d+) INSTANCE "VI_1" (MASTER|BACKUP|FAULT|STOP)\b/gm)) out.push({ t: Number(m[1]!.replace(',', '.')), state: m[2] as 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' });
  return out;
}

function readFifoLines(path: string): NotifyTrace['lines'] {
  return existsSync(path) ? parseFifoLines(readFileSync(path, 'utf8')) : [];
}

const s2 = (x: number): string => `${x.toFixed(2)} s`;

/** A failure as a Markdown list item; the log lines some carry (an exit's last lines) as a code block in it. */
function mdItem(l: string): string {
  const [first, ...rest] = l.split('\n');
  const body = rest.filter((x) => x.trim() !== '');
  return body.length === 0 ? `- ${first}` : [`- ${first}`, '', '  ```', ...body.map((x) => `  ${x}`), '  ```'].join('\n');
}

function formatReport(x: { o: SoakOptions; captureDropped: number | undefined; replay: string; kinds: readonly string[]; faults: readonly Fault[]; applied: readonly string[]; verdict: Verdict; durationS: number; adverts: number; advertIntS: number; md: number; clientIntervalMs: number; answers: string }): string {
  const f = x.verdict.figures;
  const byKind = new Map<string, number>();
  for (const fl of x.faults) byKind.set(fl.kind, (byKind.get(fl.kind) ?? 0) + 1);
  const kaOnly = x.kinds.every((k) => k === 'keepalived');
  const verdictWord = x.verdict.ok ? (x.verdict.keepalivedFailures.length > 0 ? `PASS for havipd; keepalived broke ${x.verdict.keepalivedFailures.length}` : 'PASS') : 'FAIL';
  const c = f.client;
  const lines = [
    `### ${x.kinds.join(' / ')}${x.o.nopreempt ? ' (nopreempt)' : ''} — seed ${x.o.seed}, ${x.faults.length} faults, ${x.durationS.toFixed(0)} s: ${kaOnly ? (x.verdict.keepalivedFailures.length > 0 ? `keepalived broke ${x.verdict.keepalivedFailures.length} invariant(s)` : 'no invariant broken') : verdictWord}`,
    '',
    `Replay: \`${x.replay}\`.${x.o.nopreempt ? ' Every instance has `nopreempt`.' : ''} advert_int ${x.advertIntS} s, Master_Down_Interval ${x.md.toFixed(3)} s; client pings the VIP every ${x.clientIntervalMs} ms.`,
    `Faults: ${[...byKind].map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    '',
    '| figure | value |',
    '|---|---|',
    `| adverts captured | ${x.adverts} |`,
    `| packets the bridge capture lost (tcpdump: dropped by kernel) | ${x.captureDropped ?? 'not reported'} |`,
    `| steady-state time observed | ${f.steadyS.toFixed(1)} s |`,
    `| dual-master time in steady state (total / longest) | ${s2(f.dualMasterTotalS)} / ${s2(f.dualMasterLongestS)} |`,
    `| longest no-master window in steady state | ${s2(f.noMasterLongestS)} |`,
    `| steady-state time with a master that is not the highest priority | ${s2(f.wrongMasterS)} |`,
    `| convergence after the last fault | ${f.convergeS === undefined ? 'did not converge' : s2(f.convergeS)} |`,
    ...(c
      ? [
          `| client replies (by node) | ${c.replies} (${Object.entries(c.byNode).map(([k, v]) => `${k} ${v}`).join(', ')}) |`,
          `| client: longest gap overall | ${s2(c.longestS)} (${c.longestAt}) |`,
          `| client: longest gap in steady state | ${s2(c.steadyLongestS)} |`,
          `| client: longest gap in steady state, less the host's stall over it | ${s2(c.steadyResidualS)} |`,
          `| client: longest gap in a fault overlapping no other | ${s2(Math.max(0, ...c.perFault.filter((p) => p.isolated).map((p) => p.gapS)))} (${c.perFault.filter((p) => p.isolated).length} such faults) |`,
        ]
      : []),
    ...(f.host ? [`| host: longest silence of a node's own address to the same client (no daemon answers it) | ${s2(f.host.longestS)} (${f.host.longestAt}) |`] : []),
    ...(f.host && f.host.cpuWait.length > 0 ? [`| host: most a daemon waited for a CPU (runnable, not running) within 2 s | ${f.host.cpuWait.map((c) => `${c.node} ${s2(c.max2sS)}`).join(', ')} |`] : []),
    ...f.period.map((p) => `| ${p.node} advert period as sole master (gaps, p99, max) | ${p.gaps}, ${p.p99S.toFixed(3)} s, ${p.maxS.toFixed(3)} s |`),
    ...f.notify.map((n) => `| ${n.node} notify FIFO: MASTER lines / master runs on the wire / longest disagreement counted | ${n.masterLines} / ${n.wireRuns} / ${s2(n.longestS)} |`),
    ...f.rss.map((r) => `| ${r.node} RSS (start / max / end) | ${r.firstMiB.toFixed(1)} / ${r.maxMiB.toFixed(1)} / ${r.lastMiB.toFixed(1)} MiB |`),
    '',
    x.verdict.failures.length === 0 ? (kaOnly ? '' : 'No invariant broken by havipd or by the fleet.') : `Invariants broken:\n${x.verdict.failures.map(mdItem).join('\n')}`,
    f.host && f.host.explained.length > 0 ? `Over the bound, but explained by a host stall over the same time (the node's own address did not answer either; not failures):\n${f.host.explained.map((l) => `- ${l}`).join('\n')}` : '',
    x.verdict.keepalivedFailures.length === 0 ? (kaOnly ? 'keepalived broke no invariant.' : '') : `Invariants keepalived broke (its own, reported, not counted against havipd):\n${x.verdict.keepalivedFailures.map(mdItem).join('\n')}`,
    '',
    ...(c ? ['<details><summary>client-visible gap per fault (within the fault and its settle time; who answered)</summary>', '', '| fault | longest gap | overlaps another | answers (ms after the fault started) |', '|---|---|---|---|', ...c.perFault.map((p) => `| ${p.label} | ${s2(p.gapS)} | ${p.isolated ? 'no' : 'yes'} | ${p.answers} |`), '', `Answer runs over the whole soak: ${x.answers}`, '</details>', ''] : []),
    '<details><summary>faults as applied</summary>',
    '',
    '```',
    ...x.applied,
    '```',
    '</details>',
  ];
  return lines.filter((l, i, a) => !(l === '' && a[i - 1] === '')).join('\n');
}
