// The chaos soak (issue 14 §1): two VRRP nodes (havipd/havipd or havipd/keepalived 2.2.7) on a bridge in
// network namespaces, one VIP, and a seeded schedule of faults (schedule.ts): SIGKILL + restart, SIGSTOP /
// SIGCONT, link down/up, VRRP loss with nftables `numgen random` (this kernel has no netem), partitions
// (protocol 112 dropped both ways), a track script failing, SIGHUP reloads with a changed priority, a busy
// loop pinned with taskset to the CPU the daemon is pinned to, and control-socket floods. The bridge is
// captured all the time; RSS sampled every second; unexpected exits recorded. After the last fault every
// fault is undone and the pair must converge; invariants.ts gives the verdict. Every loop is bounded in
// count and time; every namespace, process and file is cleaned up (by pid / by name) in `finally`.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { startCapture, type Capture } from '../support/capture.js';
import { createNetns, destroyAll, run, scratchDir, sleep, waitFor, type Netns, type Spawned } from '../support/netns.js';
import { startNode, vrrpConfig, type VrrpNode } from '../support/scenario.js';
import { checkSoak, defaultBounds, type Advert, type FaultWindow, type SoakNode, type Verdict } from './invariants.js';
import { describeFault, makeSchedule, type Fault } from './schedule.js';

export interface SoakOptions {
  readonly seed: number;
  readonly events: number;
  readonly pair: 'havipd' | 'mixed';
  /** Seconds; VRRPv3 when below 1. */
  readonly advertIntS?: number;
  /** Hard stop for the fault phase, ms (the schedule is cut there). */
  readonly maxMs?: number;
  readonly log?: (line: string) => void;
}

export interface SoakResult {
  readonly seed: number;
  readonly pair: string;
  readonly faults: readonly Fault[];
  readonly applied: readonly string[];
  readonly verdict: Verdict;
  readonly durationS: number;
  readonly adverts: number;
  readonly report: string;
}

const BASE_PRIO = [150, 100];
const RELOAD_PRIOS = [[150, 90], [100, 130]];
const TRACK_WEIGHT = -100;

interface NodeState {
  readonly name: string;
  readonly kind: 'havipd' | 'keepalived';
  readonly ns: Netns;
  readonly ip: string;
  readonly trackFile: string;
  priority: number;
  node: VrrpNode | undefined;
  /** Exits we asked for (SIGKILL): the next exit of this process is expected. */
  expectExit: boolean;
  rss: number[];
}

function configFor(n: NodeState, vip: string, advertIntS: number, trackDir: string): string {
  const text = vrrpConfig({
    routerId: n.name,
    globals: ['enable_script_security', 'script_user root'],
    instances: [{
      name: 'VI_1', iface: 'eth0', vrid: 77, priority: n.priority, advertInt: advertIntS, ...(advertIntS < 1 ? { version: 3 as const } : {}),
      vips: [`${vip}/24`], extra: ['track_script {', '  chk_healthy', '}'],
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

function rssMiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const log = o.log ?? (() => undefined);
  const advertIntS = o.advertIntS ?? 0.5;
  const mdMax = masterDownS(advertIntS, Math.min(...BASE_PRIO, ...RELOAD_PRIOS.flat()));
  const settleMs = Math.round((mdMax + 2 * advertIntS + 1) * 1000);
  const kinds: ('havipd' | 'keepalived')[] = o.pair === 'havipd' ? ['havipd', 'havipd'] : ['havipd', 'keepalived'];
  const faults = makeSchedule({ seed: o.seed, events: o.events, nodes: kinds, priorities: RELOAD_PRIOS, settleMs });
  const names = kinds.map((k, i) => `${i === 0 ? 'a' : 'b'}-${k}`);
  log(`chaos soak seed ${o.seed} pair ${kinds.join('/')} events ${o.events} advert_int ${advertIntS} s (replay: npm run chaos -- --seed ${o.seed} --events ${o.events} --pair ${o.pair})`);
  for (const f of faults) log(`  ${describeFault(f, names)}`);

  const scratch = scratchDir('hv-chaos');
  const trackDir = join(scratch.path, 'track');
  mkdirSync(trackDir, { mode: 0o755 });
  const applied: string[] = [];
  const windows: FaultWindow[] = [];
  const unexpectedExits: string[] = [];
  const hogs = new Set<Spawned>();
  const floods = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let capture: Capture | undefined;
  let rssTimer: NodeJS.Timeout | undefined;
  const started = Date.now();
  try {
    // ── topology: a switch namespace with a bridge, one veth port per node
    const sw = await createNetns('hv-chaos');
    const subnet = `10.${200 + (process.pid % 40)}.${(process.pid >> 6) % 250}`;
    const vip = `${subnet}.100`;
    await sw.ip(['link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
    await sw.ip(['link', 'set', 'br0', 'type', 'bridge', 'mcast_snooping', '0']);
    await sw.ip(['link', 'set', 'br0', 'up']);
    const nodes: NodeState[] = [];
    for (let i = 0; i < kinds.length; i++) {
      const ns = await createNetns('hv-chaos');
      await sw.ip(['link', 'add', `p${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.name]);
      await sw.ip(['link', 'set', `p${i}`, 'master', 'br0']);
      await sw.ip(['link', 'set', `p${i}`, 'up']);
      await ns.ip(['addr', 'add', `${subnet}.${i + 1}/24`, 'dev', 'eth0']);
      await ns.ip(['link', 'set', 'eth0', 'up']);
      nodes.push({ name: names[i]!, kind: kinds[i]!, ns, ip: `${subnet}.${i + 1}`, trackFile: join(trackDir, names[i]!), priority: BASE_PRIO[i]!, node: undefined, expectExit: false, rss: [] });
      writeFileSync(join(trackDir, names[i]!), '');
    }
    for (const n of nodes) await waitFor(async () => /LOWER_UP/.test((await n.ns.ip(['-o', 'link', 'show', 'dev', 'eth0'])).stdout), { timeoutMs: 10_000, intervalMs: 50, what: `${n.name} eth0 up` });
    capture = await startCapture(sw, 'br0', join(scratch.path, 'bridge.pcap'), { filter: 'ip proto 112' });

    const start = async (n: NodeState): Promise<void> => {
      const node = await startNode(n.kind, n.ns, configFor(n, vip, advertIntS, trackDir));
      n.node = node;
      n.expectExit = false;
      const proc = node.havipd?.process ?? node.keepalived!.process;
      void proc.exited.then((code) => {
        if (n.node === node && !n.expectExit) unexpectedExits.push(`${n.name} exited ${code} at +${((Date.now() - started) / 1000).toFixed(1)} s:\n${proc.output().split('\n').slice(-15).join('\n')}`);
      });
    };
    for (const n of nodes) await start(n);
    rssTimer = setInterval(() => {
      for (const n of nodes) {
        const pid = n.node?.havipd?.pid;
        const r = pid !== undefined ? rssMiB(pid) : undefined;
        if (r !== undefined) n.rss.push(r);
      }
    }, 1000);
    // settle: one master advertising
    await sleep(Math.round((mdMax + 3 * advertIntS + 2) * 1000));
    const startS = Date.now() / 1000;
    const t0 = Date.now();

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
    const maxMs = o.maxMs ?? 30 * 60_000;
    type Action = { at: number; f: Fault; phase: 'start' | 'end' };
    const actions: Action[] = faults.flatMap((f) => [{ at: f.at, f, phase: 'start' as const }, { at: f.at + f.durationMs, f, phase: 'end' as const }]).sort((x, y) => x.at - y.at || (x.f === y.f ? (x.phase === 'start' ? -1 : 1) : x.phase === 'end' ? -1 : 1));
    const active = new Map<number, { start: number; f: Fault }>();
    const frozen = new Map<number, number>();
    const down = new Set<number>();
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
          case 'reload':
            n.priority = f.priority!;
            if (n.node) {
              const confPath = n.node.havipd?.confPath ?? n.node.keepalived?.confPath;
              if (confPath) writeFileSync(confPath, configFor(n, vip, advertIntS, trackDir));
              n.node.signal('SIGHUP');
            }
            break;
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
            if (![...active.values()].some((x) => x.f.kind === 'track' && x.f.node === f.node)) writeFileSync(n.trackFile, '');
            break;
          case 'hog':
            for (const h of hogs) if (!h.hasExited()) await h.stop('SIGKILL', 0);
            hogs.clear();
            await pin(n, `0-${cpus - 1}`);
            break;
          case 'reload':
          case 'flood':
            break;
        }
        if (w) windows.push({ start: w.start, end: Date.now() / 1000, kind: f.kind, node: f.node, label: describeFault(f, names), ...(f.direction ? { direction: f.direction } : {}) });
        applied.push(`${now()} end #${f.n} ${f.kind}`);
      }
      if (Date.now() - t0 > maxMs + 60_000) break;
    }
    // ── undo everything still on (a cut schedule), then watch the pair converge
    for (const [, w] of active) windows.push({ start: w.start, end: Date.now() / 1000, kind: w.f.kind, node: w.f.node, label: describeFault(w.f, names) });
    for (const n of nodes) {
      signalGroup(n, 'SIGCONT');
      await n.ns.ip(['link', 'set', 'eth0', 'up'], { check: false });
      const tables = (await n.ns.exec(['nft', 'list', 'tables'], { check: false })).stdout;
      for (const m of tables.matchAll(/table ip (chaos\d+)/g)) await n.ns.exec(['nft', 'delete', 'table', 'ip', m[1]!], { check: false });
      writeFileSync(n.trackFile, '');
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
    // tcpdump drains its ring buffer behind a busy machine: give it time before it is stopped, so the
    // adverts up to endS are in the file
    await sleep(2_000);
    const rows = await capture.stop();
    const adverts: Advert[] = rows.filter((r) => r.proto === 'vrrp' && r.vrrp && r.src).map((r) => ({ t: r.time, src: r.src!, prio: r.vrrp!.priority }));
    if (process.env.HAVIPD_CHAOS_DEBUG) writeFileSync(process.env.HAVIPD_CHAOS_DEBUG, JSON.stringify({ startS, clearS, endS, windows, adverts, logs: nodes.map((n) => n.node?.log().slice(-20_000)) }, null, 1));
    for (const n of nodes) {
      const mine = adverts.filter((a) => a.src === n.ip);
      log(`  ${n.name}: ${mine.length} adverts captured, last at ${mine.length ? `+${(mine[mine.length - 1]!.t - startS).toFixed(2)} s (priority ${mine[mine.length - 1]!.prio})` : '-'}; clear at +${(clearS - startS).toFixed(2)} s, end at +${(endS - startS).toFixed(2)} s`);
    }
    for (const n of nodes) n.expectExit = true;
    for (const n of nodes) {
      const code = await n.node?.stop('SIGTERM');
      if (code !== undefined && code !== 0) unexpectedExits.push(`${n.name} exited ${code} on SIGTERM at the end`);
    }
    const prios = nodes.map((n) => n.priority);
    const expectedMaster = prios.indexOf(Math.max(...prios));
    const soakNodes: SoakNode[] = nodes.map((n) => ({ name: n.name, ip: n.ip, kind: n.kind }));
    const md = masterDownS(advertIntS, Math.min(...prios));
    const verdict = checkSoak({ nodes: soakNodes, adverts, windows, advertIntS, masterDownS: md, startS, endS, clearS, expectedMaster, unexpectedExits, rssMiB: nodes.map((n) => (n.kind === 'havipd' ? n.rss : [])), vipHolders }, defaultBounds(advertIntS, md));
    const durationS = (Date.now() - started) / 1000;
    const report = formatReport({ o, kinds, names, faults, applied, verdict, durationS, adverts: adverts.length, advertIntS, md });
    return { seed: o.seed, pair: kinds.join('/'), faults, applied, verdict, durationS, adverts: adverts.length, report };
  } finally {
    if (rssTimer) clearInterval(rssTimer);
    for (const t of timers) clearTimeout(t);
    for (const s of floods) s.destroy();
    for (const h of hogs) await h.stop('SIGKILL', 0);
    if (capture) await capture.stop().catch(() => []);
    await destroyAll();
    scratch.remove();
  }
}

function formatReport(x: { o: SoakOptions; kinds: readonly string[]; names: readonly string[]; faults: readonly Fault[]; applied: readonly string[]; verdict: Verdict; durationS: number; adverts: number; advertIntS: number; md: number }): string {
  const f = x.verdict.figures;
  const byKind = new Map<string, number>();
  for (const fl of x.faults) byKind.set(fl.kind, (byKind.get(fl.kind) ?? 0) + 1);
  const lines = [
    `### ${x.kinds.join(' / ')} — seed ${x.o.seed}, ${x.faults.length} faults, ${x.durationS.toFixed(0)} s: ${x.verdict.ok ? 'PASS' : 'FAIL'}`,
    '',
    `Replay: \`npm run chaos -- --seed ${x.o.seed} --events ${x.o.events} --pair ${x.o.pair}\`. advert_int ${x.advertIntS} s, Master_Down_Interval ${x.md.toFixed(3)} s.`,
    `Faults: ${[...byKind].map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    '',
    '| figure | value |',
    '|---|---|',
    `| adverts captured | ${x.adverts} |`,
    `| steady-state time observed | ${f.steadyS.toFixed(1)} s |`,
    `| dual-master time in steady state (total / longest) | ${f.dualMasterTotalS.toFixed(2)} s / ${f.dualMasterLongestS.toFixed(2)} s |`,
    `| longest no-master window in steady state | ${f.noMasterLongestS.toFixed(2)} s |`,
    `| convergence after the last fault | ${f.convergeS === undefined ? 'did not converge' : `${f.convergeS.toFixed(2)} s`} |`,
    ...f.period.map((p) => `| ${p.node} advert period as sole master (gaps, p99, max) | ${p.gaps}, ${p.p99S.toFixed(3)} s, ${p.maxS.toFixed(3)} s |`),
    ...f.rss.map((r) => `| ${r.node} RSS (start / max / end) | ${r.firstMiB.toFixed(1)} / ${r.maxMiB.toFixed(1)} / ${r.lastMiB.toFixed(1)} MiB |`),
    '',
    x.verdict.ok ? 'No invariant broken.' : `Invariants broken:\n${x.verdict.failures.map((l) => `- ${l}`).join('\n')}`,
    '',
    '<details><summary>faults as applied</summary>',
    '',
    '```',
    ...x.applied,
    '```',
    '</details>',
  ];
  return lines.join('\n');
}
