// Packet capture for interop tests: tcpdump inside a namespace writes a pcap, `stop()` ends it with
// SIGINT (so it flushes), and tshark `-T fields` decodes it into typed rows (VRRP RFC 3768 §5 /
// RFC 5798 §5 fields, ARP, ICMPv6 ND, TTL / hop limit).

import { GiveUp, run, sleep, waitFor, type Netns, type Spawned } from './netns.js';

/** One decoded frame. Fields absent from the frame are `undefined` (arrays are empty). */
export interface CaptureRow {
  /** Seconds since the epoch (frame.time_epoch), as a float. */
  readonly time: number;
  readonly ethSrc: string | undefined;
  readonly ethDst: string | undefined;
  /** IPv4 or IPv6 source / destination (the innermost if tunnelled). */
  readonly src: string | undefined;
  readonly dst: string | undefined;
  /** 'vrrp' | 'arp' | 'icmpv6' | 'ipv4' | 'ipv6' | 'other' — the most specific protocol recognised. */
  readonly proto: 'vrrp' | 'arp' | 'icmpv6' | 'ipv4' | 'ipv6' | 'other';
  /** IPv4 TTL or IPv6 hop limit. */
  readonly ttl: number | undefined;
  readonly vrrp: VrrpFields | undefined;
  readonly arp: ArpFields | undefined;
  readonly icmpv6: Icmpv6Fields | undefined;
}

export interface VrrpFields {
  readonly version: number;
  /** 1 = ADVERTISEMENT. */
  readonly type: number;
  readonly vrid: number;
  readonly priority: number;
  readonly addrCount: number;
  /** IPv4 and IPv6 addresses carried, in packet order. */
  readonly addresses: readonly string[];
  /** v2: auth type; undefined in v3. */
  readonly authType: number | undefined;
  /** v2: Adver Int in seconds; v3: Max Adver Int in centiseconds. */
  readonly adverInt: number | undefined;
  /** tshark's checksum verdict: 'good' | 'bad' | 'unverified'. */
  readonly checksum: 'good' | 'bad' | 'unverified';
}

export interface ArpFields {
  /** 1 = request, 2 = reply. */
  readonly op: number;
  readonly senderMac: string;
  readonly senderIp: string;
  readonly targetMac: string;
  readonly targetIp: string;
}

export interface Icmpv6Fields {
  /** 135 NS, 136 NA, … */
  readonly type: number;
  /** NA/NS target address. */
  readonly target: string | undefined;
  /** NA Override flag. */
  readonly override: boolean | undefined;
}

/** The tshark fields requested, in column order (exported for the parser's unit tests). */
export const TSHARK_FIELDS = [
  'frame.time_epoch',
  'eth.src',
  'eth.dst',
  'ip.src',
  'ip.dst',
  'ipv6.src',
  'ipv6.dst',
  'ip.ttl',
  'ipv6.hlim',
  'vrrp.version',
  'vrrp.type',
  'vrrp.virt_rtr_id',
  'vrrp.prio',
  'vrrp.addr_count',
  'vrrp.ip_addr',
  'vrrp.ipv6_addr',
  'vrrp.auth_type',
  'vrrp.adver_int',
  'vrrp.short_adver_int',
  'vrrp.checksum.status',
  'arp.opcode',
  'arp.src.hw_mac',
  'arp.src.proto_ipv4',
  'arp.dst.hw_mac',
  'arp.dst.proto_ipv4',
  'icmpv6.type',
  'icmpv6.nd.na.target_address',
  'icmpv6.nd.ns.target_address',
  'icmpv6.nd.na.flag.o',
] as const;

/** tshark arguments that print TSHARK_FIELDS tab-separated, multi-valued fields joined by ','. */
export function tsharkArgs(pcap: string): string[] {
  return ['-r', pcap, '-n', '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,', ...TSHARK_FIELDS.flatMap((f) => ['-e', f])];
}

const num = (s: string | undefined): number | undefined => {
  if (s === undefined || s === '') return undefined;
  // tshark prints some integers in hex (0x...) depending on the field's display base.
  const first = s.split(',')[0]!;
  const n = first.startsWith('0x') ? parseInt(first, 16) : Number(first);
  return Number.isFinite(n) ? n : undefined;
};
const str = (s: string | undefined): string | undefined => (s === undefined || s === '' ? undefined : s.split(',')[0]);
const list = (s: string | undefined): string[] => (s === undefined || s === '' ? [] : s.split(','));
const bool = (s: string | undefined): boolean | undefined =>
  s === undefined || s === '' ? undefined : s === '1' || s === 'True' || s === 'true' ? true : false;

/**
 * Parse one line of `tshark ${tsharkArgs()}` output. Does not check that the line came from those
 * arguments: a line with fewer columns yields `undefined` for the missing ones.
 */
export function parseTsharkLine(line: string): CaptureRow {
  const c = line.split('\t');
  const f = (name: (typeof TSHARK_FIELDS)[number]): string | undefined => c[TSHARK_FIELDS.indexOf(name)];
  // With IP-in-IP or ICMP errors a field can repeat; take the last (innermost) source/destination.
  const last = (s: string | undefined): string | undefined => (s === undefined || s === '' ? undefined : s.split(',').at(-1));
  const v4 = last(f('ip.src')) !== undefined;
  const src = v4 ? last(f('ip.src')) : last(f('ipv6.src'));
  const dst = v4 ? last(f('ip.dst')) : last(f('ipv6.dst'));
  const vrrpVersion = num(f('vrrp.version'));
  const arpOp = num(f('arp.opcode'));
  const icmpType = num(f('icmpv6.type'));
  const vrrp: VrrpFields | undefined =
    vrrpVersion === undefined
      ? undefined
      : {
          version: vrrpVersion,
          type: num(f('vrrp.type')) ?? 0,
          vrid: num(f('vrrp.virt_rtr_id')) ?? 0,
          priority: num(f('vrrp.prio')) ?? 0,
          addrCount: num(f('vrrp.addr_count')) ?? 0,
          addresses: [...list(f('vrrp.ip_addr')), ...list(f('vrrp.ipv6_addr'))],
          authType: num(f('vrrp.auth_type')),
          adverInt: vrrpVersion === 3 ? num(f('vrrp.short_adver_int')) : num(f('vrrp.adver_int')),
          checksum: ((): VrrpFields['checksum'] => {
            const s = num(f('vrrp.checksum.status'));
            return s === 1 ? 'good' : s === 0 ? 'bad' : 'unverified';
          })(),
        };
  const arp: ArpFields | undefined =
    arpOp === undefined
      ? undefined
      : {
          op: arpOp,
          senderMac: str(f('arp.src.hw_mac')) ?? '',
          senderIp: str(f('arp.src.proto_ipv4')) ?? '',
          targetMac: str(f('arp.dst.hw_mac')) ?? '',
          targetIp: str(f('arp.dst.proto_ipv4')) ?? '',
        };
  const icmpv6: Icmpv6Fields | undefined =
    icmpType === undefined
      ? undefined
      : { type: icmpType, target: str(f('icmpv6.nd.na.target_address')) ?? str(f('icmpv6.nd.ns.target_address')), override: bool(f('icmpv6.nd.na.flag.o')) };
  const proto: CaptureRow['proto'] = vrrp ? 'vrrp' : arp ? 'arp' : icmpv6 ? 'icmpv6' : v4 ? 'ipv4' : src !== undefined ? 'ipv6' : 'other';
  return {
    time: Number(f('frame.time_epoch') ?? 'NaN'),
    ethSrc: str(f('eth.src')),
    ethDst: str(f('eth.dst')),
    src,
    dst,
    proto,
    ttl: v4 ? num(last(f('ip.ttl'))) : num(last(f('ipv6.hlim'))),
    vrrp,
    arp,
    icmpv6,
  };
}

/** The count in tcpdump's closing "N packets dropped by kernel" line, or undefined when there is none. */
export function capturedDrops(output: string): number | undefined {
  const m = /^(\d+) packets? dropped by kernel$/m.exec(output);
  return m ? Number(m[1]) : undefined;
}

/** Parse whole tshark output (blank lines ignored). */
export function parseTsharkOutput(out: string): CaptureRow[] {
  return out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(parseTsharkLine);
}

/** Decode a pcap file with tshark into rows (bounded: 30 s). */
export async function decodePcap(pcap: string): Promise<CaptureRow[]> {
  const res = await run(['tshark', ...tsharkArgs(pcap)], { timeoutMs: 30_000 });
  return parseTsharkOutput(res.stdout);
}

export interface Capture {
  readonly pcap: string;
  readonly process: Spawned;
  /** SIGINT tcpdump, wait for it to flush and exit (bounded), return the decoded rows. Idempotent. */
  stop(): Promise<CaptureRow[]>;
  /** Decode what has been written so far (tcpdump runs with -U, so packets are flushed per packet). */
  peek(): Promise<CaptureRow[]>;
  /**
   * Packets the kernel dropped because tcpdump fell behind (its "N packets dropped by kernel" line at exit):
   * known after `stop()`, undefined before or when tcpdump did not say.
   */
  dropped(): number | undefined;
}

export interface CaptureOptions {
  /** BPF filter (default `vrrp or arp or icmp6`). */
  readonly filter?: string;
  /** ms to wait for tcpdump's "listening on" line (default 10 000). */
  readonly readyTimeoutMs?: number;
  /**
   * tcpdump `--immediate-mode`: hand each packet over as it arrives. Without it the kernel buffers packets
   * in blocks retired by a timeout, and those still in a block when `stop()` interrupts tcpdump are lost:
   * measured here, the last ~0.9 s of a 100 packet/s ping (112 of 200 packets written). Use it when the
   * capture's tail matters.
   */
  readonly immediate?: boolean;
  /** tcpdump `-B`: the kernel's capture buffer, KiB (default tcpdump's 2 MiB); more rides out a busy host. */
  readonly bufferKiB?: number;
}

/** The default filter: VRRP (IP proto 112), ARP and ICMPv6. */
export const DEFAULT_FILTER = 'ip proto 112 or ip6 proto 112 or arp or icmp6';

/**
 * Start tcpdump on `ifname` in `ns`, writing `pcap`. Resolves once tcpdump reports it is listening,
 * so packets sent after this resolves are captured.
 */
export async function startCapture(ns: Netns, ifname: string, pcap: string, opts: CaptureOptions = {}): Promise<Capture> {
  // -Z root: keep writing as root (tcpdump drops to the tcpdump user otherwise and may fail to open
  // files in private directories). -U: flush per packet. -n: no name resolution.
  const proc = ns.spawn(['tcpdump', ...(opts.immediate === true ? ['--immediate-mode'] : []), ...(opts.bufferKiB !== undefined ? ['-B', String(opts.bufferKiB)] : []), '-i', ifname, '-n', '-U', '-Z', 'root', '-s', '0', '-w', pcap, opts.filter ?? DEFAULT_FILTER]);
  try {
    await waitFor(() => {
      if (/listening on/.test(proc.output())) return true;
      if (proc.hasExited()) throw new GiveUp(`tcpdump exited: ${proc.output()}`);
      return false;
    }, {
      timeoutMs: opts.readyTimeoutMs ?? 10_000,
      intervalMs: 20,
      what: `tcpdump listening on ${ns.name}/${ifname}`,
    });
  } catch (e) {
    await proc.stop('SIGKILL', 0);
    throw e;
  }
  let rows: Promise<CaptureRow[]> | undefined;
  return {
    pcap,
    process: proc,
    peek: () => decodePcap(pcap),
    dropped: () => capturedDrops(proc.output()),
    stop() {
      rows ??= (async () => {
        // tcpdump's pid is the leader: `ip netns exec` execs it. SIGINT makes it flush and close the file.
        await proc.stop('SIGINT', 5_000);
        await sleep(10);
        return decodePcap(pcap);
      })();
      return rows;
    },
  };
}
