// Typed loader for the havipd_native addon (src/native/havipd_native.c): raw IP protocol 112 sockets
// (RFC 5798 §5.1), AF_PACKET frames for GARP / unsolicited NA, interface lookups.

import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HavipdError } from '../errors.js';

/** Result of opening a socket: the fd and the interface index it is bound to. */
export interface OpenedSocket {
  readonly fd: number;
  readonly ifindex: number;
}

/** One datagram read by `recvRaw`, with the metadata from the recvmsg control messages. */
export interface RawDatagram {
  /** IPv4: the whole datagram from the IPv4 header on. IPv6: the payload only (the kernel strips the header). */
  readonly data: Buffer;
  /** Source address (from recvmsg's msg_name). */
  readonly src: string;
  /** Destination address of the packet (IP_PKTINFO ipi_addr / IPV6_PKTINFO), '' if the cmsg was missing. */
  readonly dst: string;
  /** TTL (IP_TTL cmsg) or hop limit (IPV6_HOPLIMIT cmsg); undefined if the cmsg was missing. */
  readonly ttl: number | undefined;
  /** Receiving interface index (PKTINFO); 0 if the cmsg was missing. */
  readonly ifindex: number;
  /** The datagram was longer than the 64 KiB receive buffer. */
  readonly truncated: boolean;
  /**
   * How long ago the kernel received the datagram, µs (SCM_TIMESTAMPNS against the realtime clock read in
   * the same call); absent when the kernel gave no time stamp or the age is negative or over 1 s (a clock step).
   */
  readonly ageMicros?: number;
  /**
   * Datagrams the kernel dropped on this socket because its receive queue was full, since it was opened
   * (SO_RXQ_OVFL; the socket asks for 1 MiB of queue). Absent while there were none.
   */
  readonly dropped?: number;
}

/**
 * The addon's functions. Every one throws an `Error` whose `code` is the errno name
 * (`ENODEV`, `EPERM`, `ENETDOWN`…) with `syscall` and a negative `errno`.
 */
export interface NativeAddon {
  /** if_nametoindex(3). */
  ifIndex(ifname: string): number;
  /** The interface's hardware address (SIOCGIFHWADDR), 6 bytes. */
  ifMac(ifname: string): Buffer;
  /**
   * A non-blocking raw socket for IP protocol 112 with SO_BINDTODEVICE.
   * IPv4: IP_HDRINCL (the caller supplies the IPv4 header), IP_RECVTTL, IP_PKTINFO, IP_MULTICAST_LOOP 0,
   * IP_MULTICAST_ALL 0, IP_MULTICAST_TTL / IP_TTL 255, IP_TOS 0xc0, IP_MULTICAST_IF.
   * IPv6: IPV6_RECVHOPLIMIT, IPV6_RECVPKTINFO, IPV6_CHECKSUM 6 (the kernel computes and verifies the
   * VRRP checksum), IPV6_MULTICAST_LOOP 0, IPV6_MULTICAST_ALL 0, hop limits 255, IPV6_TCLASS 0xc0,
   * IPV6_MULTICAST_IF. With `bindAddr`, IP_FREEBIND / IPV6_FREEBIND and bind(): the socket then only
   * receives packets addressed to `bindAddr` (no multicast).
   */
  openRaw(family: 4 | 6, ifname: string, bindAddr: string | null): OpenedSocket;
  /** IP(V6)_ADD_MEMBERSHIP (`join` true) or IP(V6)_DROP_MEMBERSHIP on `ifindex`. */
  membership(fd: number, family: 4 | 6, group: string, ifindex: number, join: boolean): void;
  /**
   * Send one datagram. IPv4: `bytes` starts with the IPv4 header (IP_HDRINCL); `src` and `hopLimit`
   * are ignored (they are in the header). IPv6: `bytes` is the VRRP message; `src` (or null for the
   * kernel's choice) and `ifindex` go in an IPV6_PKTINFO cmsg, `hopLimit` in an IPV6_HOPLIMIT cmsg.
   * Multicast destinations are sent with MSG_DONTROUTE. Returns the bytes sent.
   */
  sendRaw(fd: number, family: 4 | 6, bytes: Uint8Array, dst: string, src: string | null, ifindex: number, hopLimit: number): number;
  /** recvmsg(MSG_DONTWAIT): the next datagram, or null when none is waiting. */
  recvRaw(fd: number, family: 4 | 6): RawDatagram | null;
  /** AF_PACKET / SOCK_RAW, protocol 0 (receives nothing), bound to the interface. */
  openPacket(ifname: string): OpenedSocket;
  /** Send one whole Ethernet frame on an `openPacket` socket. Returns the bytes sent. */
  sendFrame(fd: number, frame: Uint8Array): number;
  /**
   * AF_PACKET / SOCK_RAW bound to ETH_P_ARP on the interface, with a classic BPF filter that passes only
   * frames this host did not send and whose ARP sender protocol address is one of `addrs` (IPv4 addresses,
   * 4 bytes each in network order; over 254 of them, or none, every received ARP frame passes).
   */
  openArp(ifname: string, addrs: Uint8Array): OpenedSocket;
  /** The next frame waiting on an `openArp` socket (from the Ethernet header on), or null when none is. */
  recvFrame(fd: number): Buffer | null;
  /**
   * Call `cb` (through napi_make_callback, so microtasks run right after) whenever `fd` is readable.
   * `cb` must drain the socket. Returns a watch id for `unwatch`.
   */
  watch(fd: number, cb: (err?: Error) => void): number;
  unwatch(id: number): void;
  /** Stop any watch on `fd` and close it (only fds this addon opened). */
  close(fd: number): void;
  /** Number of fds this environment holds open. */
  openCount(): number;
  /**
   * Call `cb(signum)` on every delivery of `signum` (for signals Node cannot name, such as keepalived's
   * JSON dump signal SIGRTMIN+2). The watch does not keep the event loop alive; it ends at env teardown.
   */
  watchSignal(signum: number, cb: (signum: number) => void): void;
  /** The C library's SIGRTMIN (34 with glibc). */
  sigrtmin(): number;
  /** getsockopt(SO_PEERCRED) on a connected Unix stream socket: the peer's pid, uid and gid at connect(). */
  peerCred(fd: number): PeerCred;
  /**
   * One datagram to the Unix datagram socket `path` (systemd's `$NOTIFY_SOCKET`; a leading `@` is the
   * abstract namespace), sent non-blocking from a fresh socket. Returns the bytes sent.
   */
  sdNotify(path: string, message: string): number;
  /** A non-blocking Unix datagram socket bound to `path` (a notify receiver for tests). Returns the fd; `close` closes it. */
  openUnixDgram(path: string): number;
  /** The next datagram on an `openUnixDgram` socket as text, or null when none is waiting. */
  recvUnixDgram(fd: number): string | null;
  /** A non-blocking CLOCK_MONOTONIC timerfd (the clock of `process.hrtime`); `watch` it, `close` it. */
  openTimer(): number;
  /** timerfd_settime(TFD_TIMER_ABSTIME) to the absolute CLOCK_MONOTONIC time `ns`; `0n` disarms. */
  armTimer(fd: number, ns: bigint): void;
  /** Expirations since the last read, 0 when none (the fd is non-blocking). */
  readTimer(fd: number): number;
  /**
   * Waits on the CPU, allocating nothing, until CLOCK_MONOTONIC reaches `ns` (at most 5 ms). Absent from an
   * addon built before it (callers fall back).
   */
  spinUntil?(ns: bigint): void;
  /**
   * A non-blocking NETLINK_CONNECTOR socket subscribed to the kernel's process events (CN_IDX_PROC,
   * PROC_CN_MCAST_LISTEN). Needs CAP_NET_ADMIN; outside the initial network namespace the kernel refuses
   * the subscription (ECONNREFUSED). Returns the fd; `close` closes it.
   */
  openProcEvents(): number;
  /** Up to 256 waiting datagrams of an `openProcEvents` socket, or null when none is waiting. */
  recvProcEvents(fd: number): ProcEventBatch | null;
  /** A non-blocking NETLINK_ROUTE socket (no multicast groups, NETLINK_CAP_ACK) for `routeRequest`. Returns the fd. */
  openRoute(): number;
  /**
   * Send one netlink request (a whole message with NLM_F_ACK) on an `openRoute` socket and wait at most
   * `timeoutMs` for its acknowledgement: 0, or the positive errno the kernel answered (ETIMEDOUT: none came).
   * Blocks the thread for that wait: the kernel acknowledges route requests within sendmsg().
   */
  routeRequest(fd: number, bytes: Uint8Array, timeoutMs: number): number;
  /**
   * Run `file` (PATH-searched when it has no `/`) with `argv` and `env` ("K=V") through vfork(): its own
   * session and process group, stdin /dev/null, stdout and stderr into one pipe, every signal at its default
   * and unblocked, supplementary groups dropped and `gid` / `uid` set unless -1. The event loop stops for a
   * fraction of a millisecond, not for a copy of the daemon's page tables as with fork(). `pidfd` becomes
   * readable when the program has exited (`reap` it); `out` is the pipe's non-blocking read end; `close` both.
   * Throws the errno of a failed exec / setuid / setgid (the error's `syscall` says which), the child reaped.
   */
  spawn(file: string, argv: readonly string[], env: readonly string[], uid: number, gid: number): SpawnedProcess;
  /** waitid(P_PIDFD, WNOHANG): null while the program runs; once it has exited, how (and it is reaped). */
  reap(pidfd: number): { readonly code: number } | { readonly signal: number } | null;
}

/** What `spawn` returns. */
export interface SpawnedProcess {
  readonly pid: number;
  readonly pidfd: number;
  readonly out: number;
}

/** One process event from the kernel (`fork`: the child's pid/tgid; the others: the process's). */
export interface ProcEvent {
  readonly what: 'fork' | 'exec' | 'exit' | 'comm';
  readonly pid: number;
  readonly tgid: number;
}

export interface ProcEventBatch {
  readonly events: readonly ProcEvent[];
  /** The socket's buffer overflowed (ENOBUFS): events were lost, the caller must resync. */
  readonly overflow: boolean;
}

/** A Unix socket peer's credentials (SO_PEERCRED). */
export interface PeerCred {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

let cached: NativeAddon | undefined;

/** The directory that holds binding.gyp: src/native/, dist/native/ and dist/bundle/chunks/ all sit below it. */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'binding.gyp'))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return resolve(dirname(from), '..', '..');
}

/** node-gyp-build's matching of `prebuilds/<platform>-<arch>/<tags>.node` names (it ships no types). */
interface NodeGypBuild {
  parseTuple(name: string): { name: string } | undefined;
  matchTuple(platform: string, arch: string): (t: { name: string } | undefined) => t is { name: string };
  compareTuples(a: { name: string }, b: { name: string }): number;
  parseTags(file: string): { file: string } | undefined;
  matchTags(runtime: string, abi: string): (t: { file: string } | undefined) => t is { file: string };
  compareTags(runtime: string): (a: { file: string }, b: { file: string }) => number;
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * The binaries to try, in order: a local build (`build/Release`, from node-gyp: a developer's rebuild, or
 * the install script's when no prebuild loads here) first, then the prebuilt N-API binary for this platform,
 * CPU and C library (`prebuilds/`, built by tools/prebuild.mjs at `npm pack`), chosen as node-gyp-build
 * chooses.
 */
export function addonCandidates(root: string, ngb?: NodeGypBuild): string[] {
  const out: string[] = [];
  const local = join(root, 'build', 'Release', 'havipd_native.node');
  if (existsSync(local)) out.push(local);
  const dirs = listDir(join(root, 'prebuilds'));
  if (dirs.length === 0) return out;
  let g = ngb;
  try {
    g ??= createRequire(import.meta.url)('node-gyp-build') as NodeGypBuild;
  } catch {
    return out;
  }
  const tuple = dirs.map((d) => g.parseTuple(d)).filter(g.matchTuple(process.platform, process.arch)).sort(g.compareTuples)[0];
  if (!tuple) return out;
  const dir = join(root, 'prebuilds', tuple.name);
  const best = listDir(dir).map((f) => g.parseTags(f)).filter(g.matchTags('node', process.versions.modules)).sort(g.compareTags('node'))[0];
  if (best) out.push(join(dir, best.file));
  return out;
}

/** The first line of a load error, clipped: dlopen's messages name the file and the reason (ELF class, GLIBC_x). */
function reason(err: unknown): string {
  const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
  return msg.length > 200 ? `${msg.slice(0, 200)}…` : msg;
}

/**
 * Loads the first candidate that loads. When none does: `HavipdError('HAVIPD_NATIVE_MISSING')` whose message
 * is one line naming each binary tried (with dlopen's reason) and how to build one.
 */
export function loadFirst<T>(candidates: readonly string[], root: string, load: (path: string) => T): { addon: T; path: string } {
  const tried: string[] = [];
  let first: unknown;
  for (const path of candidates) {
    try {
      return { addon: load(path), path };
    } catch (err) {
      first ??= err;
      // glibc reports an ELF for another CPU as "No such file": say what it means.
      const why = existsSync(path) && /No such file/.test(reason(err)) ? `built for another CPU or C library: ${reason(err)}` : reason(err);
      tried.push(`${relative(root, path) || path} (${why})`);
    }
  }
  const what = tried.length > 0
    ? `native addon did not load: tried ${tried.join('; ')}`
    : `no native addon for ${process.platform}-${process.arch} in ${root} (no build/Release, no matching prebuilds/)`;
  throw new HavipdError(
    'HAVIPD_NATIVE_MISSING',
    `${what}; build it with "npm run build:native" in ${root} (needs python3, make and a C compiler; npm_config_nodedir=/usr where Node's headers are not downloadable)`,
    first === undefined ? {} : { cause: first },
  );
}

/** The binary `loadNative` loaded, once it has. */
export let nativePath: string | undefined;

/**
 * Load the addon: a local build or the prebuilt binary (see {@link addonCandidates}). Throws
 * `HavipdError('HAVIPD_NATIVE_MISSING')` with one line when none loads.
 */
export function loadNative(): NativeAddon {
  if (cached) return cached;
  const root = packageRoot();
  const require = createRequire(import.meta.url);
  const r = loadFirst(addonCandidates(root), root, (p) => require(p) as NativeAddon);
  nativePath = r.path;
  cached = r.addon;
  return cached;
}
