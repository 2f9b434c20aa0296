// `havipd doctor [-f CONFIG] [--json] [--listen SECONDS]` (issue 11 §5): a preflight run on each VM, whether
// or not the daemon runs. This is the shell: it gathers facts — read-only — and hands them to the pure
// checks in src/doctor/. It never sends a packet, never joins a group, never changes an address, a rule or
// a file: it reads /proc, /sys, netlink, `nft -j list ruleset` / `iptables-save`, the daemon's status
// socket, and listens passively on raw IP protocol 112 sockets. Loaded by src/cli/main.ts only when asked for.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { DOCTOR_EXIT } from '../exit-codes.js';
import { netCapabilities } from '../edges/capabilities.js';
import { createConfigHost } from '../edges/config-host.js';
import { listHostInterfaces } from '../edges/interfaces.js';
import { createLinkEdge } from '../edges/links.js';
import { parseConfig } from '../config-parser/parse.js';
import { formatDiagnostic } from '../config-parser/diagnostics.js';
import type { DaemonConfig, Family } from '../config-parser/types.js';
import type { ReceivedPacket } from '../vrrp/types.js';
import { request } from '../ops/control-client.js';
import { DEFAULT_CONTROL_SOCKET } from '../ops/control-server.js';
import { checkConfig, defaultConfigId, DEFAULT_CONFIG_FILE } from './config-test.js';
import { aggregateHeard, defaultListenSeconds, runChecks, type ConfigVerdict, type DoctorFacts, type LinkFacts, type ListenFacts } from '../doctor/checks.js';
import { detectCloud, DMI_FIELDS, type Dmi } from '../doctor/cloud.js';
import { parseIptablesSave, parseNftJson, type Ruleset } from '../doctor/firewall.js';
import { buildReport, renderText } from '../doctor/report.js';

export interface DoctorIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
}

/** Where the kernel exports the DMI strings. */
export const DMI_ROOT = '/sys/class/dmi/id';
/** At most this many packets are kept from a listen (the rest are counted, not stored). */
const MAX_PACKETS = 10_000;

interface DoctorOptions {
  readonly file: string;
  readonly configId: string;
  readonly json: boolean;
  readonly listen: number | undefined;
  readonly controlSocket: string;
  readonly dmiRoot: string;
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

// ───────────────────────────── gathering ─────────────────────────────

function gatherConfig(o: DoctorOptions): { verdict: ConfigVerdict; config: DaemonConfig | undefined } {
  const host = createConfigHost();
  const r = checkConfig({ file: o.file, configId: o.configId, allConfig: false, hostInterfaces: listHostInterfaces() }, (file, opts) =>
    parseConfig(file, host, { ...opts, random: Math.random }),
  );
  const errors = r.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = r.diagnostics.filter((d) => d.severity === 'warning').length;
  const first = r.diagnostics.filter((d) => d.severity === 'error').concat(r.diagnostics.filter((d) => d.severity !== 'error')).slice(0, 3).map((d) => formatDiagnostic(d, o.file));
  return {
    verdict: { exitCode: r.exitCode, errors, warnings, first, ...(r.internalError !== undefined ? { internalError: r.internalError } : {}) },
    config: r.config,
  };
}

/** net.ipv4.conf.IF.promote_secondaries, when readable. */
function promoteSecondaries(ifname: string): { promoteSecondaries?: boolean } {
  if (ifname.includes('/') || ifname.startsWith('.')) return {};
  try {
    return { promoteSecondaries: readFileSync(`/proc/sys/net/ipv4/conf/${ifname}/promote_secondaries`, 'utf8').trim() === '1' };
  } catch {
    return {};
  }
}

async function gatherLinks(): Promise<ReadonlyMap<string, LinkFacts> | undefined> {
  try {
    const edge = await createLinkEdge({ timeoutMs: 5_000 });
    try {
      const m = new Map<string, LinkFacts>();
      for (const l of edge.all()) {
        m.set(l.name, {
          adminUp: l.adminUp,
          running: l.running,
          addresses: { 4: l.addresses[4].map((a) => a.address), 6: l.addresses[6].map((a) => a.address) },
          ...promoteSecondaries(l.name),
        });
      }
      return m;
    } finally {
      edge.close();
    }
  } catch {
    return undefined;
  }
}

export function readDmi(root: string): Dmi {
  const dmi: Dmi = {};
  for (const f of DMI_FIELDS) {
    try {
      dmi[f] = readFileSync(join(root, f), 'utf8').slice(0, 256).trim();
    } catch {
      // unreadable (product_serial-like files need root) or absent: not evidence
    }
  }
  return dmi;
}

function run(cmd: string, args: readonly string[]): Promise<{ ok: true; stdout: string } | { ok: false; missing: boolean; error: string }> {
  return new Promise((resolve) => {
    execFile(cmd, [...args], { timeout: 5_000, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout, stderr) => {
      if (!err) return resolve({ ok: true, stdout });
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return resolve({ ok: false, missing: true, error: `${cmd} not found` });
      const why = String(stderr).trim().split('\n')[0] || err.message;
      resolve({ ok: false, missing: false, error: `${cmd} ${args.join(' ')} failed: ${why.slice(0, 200)}` });
    });
  });
}

async function gatherFirewall(): Promise<DoctorFacts['firewall']> {
  const rulesets: Ruleset[] = [];
  const errors: string[] = [];
  const nft = await run('nft', ['-j', 'list', 'ruleset']);
  let nftRead = false;
  if (nft.ok) {
    const rs = parseNftJson(nft.stdout);
    if (rs) {
      rulesets.push(rs);
      nftRead = true;
    } else if (nft.stdout.trim() !== '') errors.push('nft -j list ruleset: output is not nftables JSON');
  } else if (!nft.missing) errors.push(nft.error);
  for (const [cmd, family] of [['iptables-save', 4], ['ip6tables-save', 6]] as const) {
    const r = await run(cmd, []);
    if (!r.ok) {
      if (!r.missing) errors.push(r.error);
      continue;
    }
    // iptables-nft keeps its rules in nftables: already read from nft.
    if (nftRead && /iptables-nft|ip6tables-nft|\(nf_tables\)/.test(r.stdout.split('\n')[0] ?? '')) continue;
    const rs = parseIptablesSave(r.stdout, family as Family);
    if (rs) rulesets.push(rs);
  }
  return { rulesets, errors };
}

async function gatherLocalStates(socket: string): Promise<ReadonlyMap<string, string> | undefined> {
  try {
    const reply = await request(socket, { cmd: 'status' }, { firstMs: 1_000, totalMs: 3_000 });
    if (!reply.ok) return undefined;
    const r = reply.result as { instances?: Array<{ name?: unknown; state?: unknown }> } | undefined;
    const m = new Map<string, string>();
    for (const i of r?.instances ?? []) if (typeof i.name === 'string' && typeof i.state === 'string') m.set(i.name, i.state);
    return m;
  } catch {
    return undefined;
  }
}

/**
 * Listens passively for IP protocol 112 on every (interface, family) of the unicast instances for
 * `seconds`: raw sockets bound to the interface, no group joined, nothing sent.
 */
async function listen(config: DaemonConfig, seconds: number): Promise<ListenFacts> {
  const targets = new Map<string, { ifname: string; family: Family }>();
  for (const c of config.instances) {
    if (c.unicastPeers.length === 0) continue;
    const ifname = c.interface ?? config.global.defaultInterface;
    targets.set(`${c.family}|${ifname}`, { ifname, family: c.family });
  }
  if (targets.size === 0) return { done: false, reason: 'no unicast instance to listen for' };
  let native;
  try {
    const { loadNative } = await import('../native/index.js');
    native = loadNative();
  } catch (err) {
    return { done: false, reason: `the native addon is not available (${err instanceof Error ? err.message : String(err)})` };
  }
  const packets: ReceivedPacket[] = [];
  const errors: string[] = [];
  let dropped = 0;
  const open: Array<{ fd: number; watch: number }> = [];
  for (const { ifname, family } of targets.values()) {
    let fd: number;
    try {
      fd = native.openRaw(family, ifname, null).fd;
    } catch (err) {
      errors.push(`cannot listen on ${ifname} (IPv${family}): ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    const drain = (): void => {
      for (let i = 0; i < 1024; i++) {
        let d;
        try {
          d = native.recvRaw(fd, family);
        } catch {
          return;
        }
        if (d === null) return;
        if (packets.length >= MAX_PACKETS) {
          dropped++;
          continue;
        }
        packets.push({ family, ifname, src: d.src, dst: d.dst, ttl: d.ttl, data: new Uint8Array(d.data), hasIpHeader: family === 4 });
      }
    };
    try {
      open.push({ fd, watch: native.watch(fd, drain) });
    } catch (err) {
      native.close(fd);
      errors.push(`cannot listen on ${ifname} (IPv${family}): ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (open.length === 0) return { done: false, reason: errors.join('; ') || 'no socket could be opened' };
  await new Promise((r) => setTimeout(r, seconds * 1000));
  for (const s of open) {
    native.unwatch(s.watch);
    native.close(s.fd);
  }
  const { heard } = aggregateHeard(packets);
  if (dropped > 0) errors.push(`${dropped} packets beyond the first ${MAX_PACKETS} were not kept`);
  return { done: true, seconds, heard, errors };
}

// ───────────────────────────── the command ─────────────────────────────

function parseArgs(args: readonly string[], io: DoctorIo): DoctorOptions | number {
  const program = new Command('havipd doctor')
    .description('preflight check of this VM for VRRP failover: reads and listens, never changes anything')
    .option('-f, --use-file <file>', `configuration file (default '${DEFAULT_CONFIG_FILE}')`)
    .option('--config <file>', 'same as --use-file')
    .option('-i, --config-id <id>', "config-id for '@id' lines (default: host name up to the first dot)")
    .option('--json', 'print the findings as JSON (schema 1, see README)')
    .option('--listen <seconds>', 'listen this long for the peers\' adverts (default: 3 advert intervals, at least 3 s; 0 = do not listen)')
    .option('--control-socket <path>', `the running daemon's control socket (default ${DEFAULT_CONTROL_SOCKET})`)
    .addOption(new Option('--dmi-root <dir>', 'where the DMI strings are read (tests)').default(DMI_ROOT).hideHelp())
    .helpOption('-h, --help', 'display this help message')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s), outputError: (s, write) => write(s) });
  try {
    program.parse([...args], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? DOCTOR_EXIT.OK : DOCTOR_EXIT.USAGE;
    throw err;
  }
  if (program.args.length > 0) {
    io.stderr(`havipd doctor: unexpected argument '${program.args[0]!.slice(0, 64)}'\n`);
    return DOCTOR_EXIT.USAGE;
  }
  const o = program.opts<{ useFile?: string; config?: string; configId?: string; json?: boolean; listen?: string; controlSocket?: string; dmiRoot: string }>();
  let listenSecs: number | undefined;
  if (o.listen !== undefined) {
    if (!/^\d+(\.\d+)?$/.test(o.listen) || Number(o.listen) > 600) {
      io.stderr(`havipd doctor: --listen must be a number of seconds from 0 to 600, not '${o.listen}'\n`);
      return DOCTOR_EXIT.USAGE;
    }
    listenSecs = Number(o.listen);
  }
  return {
    file: o.useFile ?? o.config ?? DEFAULT_CONFIG_FILE,
    configId: o.configId ?? defaultConfigId(),
    json: o.json === true,
    listen: listenSecs,
    controlSocket: o.controlSocket ?? DEFAULT_CONTROL_SOCKET,
    dmiRoot: o.dmiRoot,
  };
}

/**
 * `havipd doctor`. `args` is the whole (normalised) command line; the word `doctor` at `index` is dropped,
 * options before it (`havipd -f FILE doctor`) count as doctor's. Resolves to the exit status (DOCTOR_EXIT).
 */
export async function runDoctor(args: readonly string[], index: number, io: DoctorIo): Promise<number> {
  const parsed = parseArgs([...args.slice(0, index), ...args.slice(index + 1)], io);
  if (typeof parsed === 'number') return parsed;
  const o = parsed;
  try {
    const capabilities = netCapabilities();
    const { verdict, config } = gatherConfig(o);
    const [links, firewall, localStates] = await Promise.all([gatherLinks(), gatherFirewall(), gatherLocalStates(o.controlSocket)]);
    const cloud = detectCloud(readDmi(o.dmiRoot));
    const seconds = o.listen ?? defaultListenSeconds(config);
    let listened: ListenFacts;
    if (!config) listened = { done: false, reason: 'the configuration could not be read' };
    else if (seconds === 0) listened = { done: false, reason: 'not listening (--listen 0)' };
    else if (!capabilities.netRaw) listened = { done: false, reason: 'no CAP_NET_RAW to listen with (run doctor as root)' };
    else listened = await listen(config, seconds);
    const facts: DoctorFacts = { configFile: o.file, capabilities, configVerdict: verdict, config, links, cloud, listen: listened, firewall, localStates };
    const findings = runChecks(facts);
    if (listened.done) for (const e of listened.errors) findings.push({ check: 'peer-adverts', status: 'warn', subject: '', message: e, advice: 'the listen may have missed adverts' });
    const report = buildReport({ version: packageVersion(), configFile: o.file, cloud, listenSeconds: listened.done ? listened.seconds : undefined, findings });
    io.stdout(o.json ? `${JSON.stringify(report, null, 2)}\n` : renderText(report));
    return report.exitCode;
  } catch (err) {
    io.stderr(`havipd doctor: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.HAVIPD_DEBUG) io.stderr(`${String((err as Error).stack)}\n`);
    return DOCTOR_EXIT.PROGRAM_ERROR;
  }
}
