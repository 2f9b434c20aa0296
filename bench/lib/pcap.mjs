// Packet capture for the benchmarks: tcpdump in a namespace writing a nanosecond pcap (flushed per
// packet with -U; --immediate-mode so no frame waits in a TPACKET_V3 block when tcpdump stops), and
// a small pcap reader that decodes just what the benchmarks need: VRRP adverts (RFC 3768 §5.1 /
// RFC 5798 §5.1: version, type, VRID, priority over IPv4) and ARP (RFC 826) frames.
// Reading the file directly (instead of running tshark on every poll) keeps the measurement cheap on
// a busy machine; `tsharkCount` is a cross-check against tshark when it is installed.

import { readFileSync } from 'node:fs';
import { run, sleep, waitFor } from './netns.mjs';

const macStr = (b, o) => Array.from(b.subarray(o, o + 6), (x) => x.toString(16).padStart(2, '0')).join(':');
const ipStr = (b, o) => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;

/**
 * Decode a pcap (classic format, Ethernet link type) into rows
 * `{ t, ethSrc, ethDst, kind: 'vrrp'|'arp'|'other', src, dst, ttl, vrrp?: {version,type,vrid,priority,count}, arp?: {op,senderMac,senderIp,targetIp} }`.
 * `t` is seconds since the epoch (float; about 0.25 µs resolution). A truncated last record (tcpdump
 * still writing) is ignored. Does not handle pcapng, VLAN-in-VLAN or IPv6 VRRP.
 */
export function parsePcap(buf) {
  if (buf.length < 24) return [];
  const magicLE = buf.readUInt32LE(0);
  let le;
  let nano;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) {
    le = true;
    nano = magicLE === 0xa1b23c4d;
  } else {
    const magicBE = buf.readUInt32BE(0);
    if (magicBE !== 0xa1b2c3d4 && magicBE !== 0xa1b23c4d) throw new Error('not a classic pcap file');
    le = false;
    nano = magicBE === 0xa1b23c4d;
  }
  const u32 = (o) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linkType = u32(20);
  if (linkType !== 1) throw new Error(`pcap link type ${linkType} is not Ethernet`);
  const rows = [];
  let off = 24;
  while (off + 16 <= buf.length) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const incl = u32(off + 8);
    if (off + 16 + incl > buf.length) break;
    const f = buf.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    const t = sec + frac / (nano ? 1e9 : 1e6);
    if (f.length < 14) continue;
    let type = f.readUInt16BE(12);
    let l3 = 14;
    if (type === 0x8100 && f.length >= 18) {
      type = f.readUInt16BE(16);
      l3 = 18;
    }
    const row = { t, ethDst: macStr(f, 0), ethSrc: macStr(f, 6), kind: 'other' };
    if (type === 0x0800 && f.length >= l3 + 20) {
      const ihl = (f[l3] & 0x0f) * 4;
      row.ttl = f[l3 + 8];
      row.src = ipStr(f, l3 + 12);
      row.dst = ipStr(f, l3 + 16);
      const p = l3 + ihl;
      if (f[l3 + 9] === 112 && f.length >= p + 4) {
        row.kind = 'vrrp';
        row.vrrp = { version: f[p] >> 4, type: f[p] & 0x0f, vrid: f[p + 1], priority: f[p + 2], count: f[p + 3] };
      }
    } else if (type === 0x0806 && f.length >= l3 + 28) {
      row.kind = 'arp';
      row.arp = {
        op: f.readUInt16BE(l3 + 6),
        senderMac: macStr(f, l3 + 8),
        senderIp: ipStr(f, l3 + 14),
        targetIp: ipStr(f, l3 + 24),
      };
    }
    rows.push(row);
  }
  return rows;
}

/** Read and decode a pcap file (as far as it has been written). */
export function readPcap(path) {
  try {
    return parsePcap(readFileSync(path));
  } catch (e) {
    if (e.code === 'ENOENT') return [];
    throw e;
  }
}

/**
 * Start tcpdump on `ifname` inside `ns` writing `pcap` (nanosecond time stamps, per-packet flush),
 * resolved once tcpdump says it is listening. `stop()` SIGINTs it (it flushes) and returns the rows.
 */
export async function startCapture(ns, ifname, pcap, filter = 'ip proto 112 or arp') {
  const proc = ns.spawn(['tcpdump', '-i', ifname, '-n', '-U', '--immediate-mode', '-Z', 'root', '-s', '256', '--time-stamp-precision=nano', '-w', pcap, filter]);
  try {
    await waitFor(() => {
      if (/listening on/.test(proc.output())) return true;
      if (proc.hasExited()) throw new Error(`tcpdump exited: ${proc.output()}`);
      return false;
    }, { timeoutMs: 15_000, intervalMs: 20, what: `tcpdump listening on ${ns.name}/${ifname}` });
  } catch (e) {
    await proc.stop('SIGKILL', 0);
    throw e;
  }
  let stopped;
  return {
    pcap,
    peek: () => readPcap(pcap),
    /** Packets tcpdump reported as dropped by the kernel (known after `stop()`; NaN before). */
    dropped: () => Number(/(\d+) packets? dropped by kernel/.exec(proc.output())?.[1] ?? NaN),
    stop() {
      stopped ??= (async () => {
        await proc.stop('SIGINT', 5_000);
        await sleep(10);
        return readPcap(pcap);
      })();
      return stopped;
    },
  };
}

/** Count VRRP and ARP frames in `pcap` with tshark (a cross-check of `parsePcap`); undefined without tshark. */
export async function tsharkCount(pcap) {
  const r = await run(['tshark', '-r', pcap, '-n', '-T', 'fields', '-e', 'vrrp.prio', '-e', 'arp.opcode'], { timeoutMs: 60_000, check: false }).catch(() => undefined);
  if (!r || r.code !== 0) return undefined;
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  return {
    vrrp: lines.filter((l) => l.split('\t')[0] !== '').length,
    arp: lines.filter((l) => (l.split('\t')[1] ?? '') !== '').length,
  };
}
