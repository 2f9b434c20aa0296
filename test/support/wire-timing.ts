// Timing read from a packet capture, for interop assertions that must hold on a busy 2-core machine
// (issue 14 §4): the periodic grid of a MASTER's adverts, and the window during which a client's echo
// requests went unanswered. Pure functions over capture timestamps (seconds since the epoch), plus the
// tshark decode of ICMP echo rows.

import { run } from './netns.js';

export interface AdvertGrid {
  /** Slot of each advert: round((t − first) / interval). On time, they are 0, 1, 2, … */
  readonly slots: number[];
  /** Slots between the first and the last with no advert, and slots with more than one. */
  readonly missing: number[];
  readonly doubled: number[];
  /**
   * max − min over adverts of (t − slot × interval), s: how far the adverts stray from one grid of the
   * interval (a late one followed by an on-time one counts once, not twice as two gaps would).
   */
  readonly spread: number;
}

/**
 * Fit advert times to a grid of `intervalS` (havipd steps its timers at their deadlines, so a MASTER's
 * adverts lie on one grid; a late advert does not shift the next one). Times need not be sorted.
 */
export function advertGrid(times: readonly number[], intervalS: number): AdvertGrid {
  const ts = [...times].sort((a, b) => a - b);
  if (ts.length === 0) return { slots: [], missing: [], doubled: [], spread: 0 };
  const first = ts[0]!;
  const slots = ts.map((t) => Math.round((t - first) / intervalS));
  const offsets = ts.map((t, i) => t - slots[i]! * intervalS);
  const count = new Map<number, number>();
  for (const s of slots) count.set(s, (count.get(s) ?? 0) + 1);
  const last = slots.at(-1)!;
  const missing: number[] = [];
  for (let s = 0; s <= last; s++) if (!count.has(s)) missing.push(s);
  const doubled = [...count].filter(([, n]) => n > 1).map(([s]) => s);
  return { slots, missing, doubled, spread: Math.max(...offsets) - Math.min(...offsets) };
}

export interface EchoRow {
  readonly time: number;
  /** 8 = echo request, 0 = echo reply. */
  readonly type: number;
  /** ICMP identifier and sequence number (big-endian reading). */
  readonly id: number;
  readonly seq: number;
  readonly ethSrc: string | undefined;
}

/** tshark arguments for EchoRow columns. */
export function echoTsharkArgs(pcap: string): string[] {
  return ['-r', pcap, '-n', '-Y', 'icmp.type == 0 || icmp.type == 8', '-T', 'fields', '-E', 'separator=/t', '-e', 'frame.time_epoch', '-e', 'icmp.type', '-e', 'icmp.ident', '-e', 'icmp.seq', '-e', 'eth.src'];
}

/** Parse `tshark ${echoTsharkArgs()}` output (blank and incomplete lines ignored). */
export function parseEchoRows(out: string): EchoRow[] {
  const rows: EchoRow[] = [];
  for (const line of out.split('\n')) {
    const [time, type, id, seq, eth] = line.split('\t');
    const n = (s: string | undefined): number => (s === undefined || s === '' ? NaN : Number(s.split(',')[0]));
    const row = { time: n(time), type: n(type), id: n(id), seq: n(seq), ethSrc: eth === undefined || eth === '' ? undefined : eth };
    if ([row.time, row.type, row.id, row.seq].every(Number.isFinite)) rows.push(row);
  }
  return rows;
}

/** Decode the echo requests and replies of a pcap (bounded: 30 s). */
export async function decodeEchoes(pcap: string): Promise<EchoRow[]> {
  return parseEchoRows((await run(['tshark', ...echoTsharkArgs(pcap)], { timeoutMs: 30_000 })).stdout);
}

export interface EchoOutage {
  /** Requests seen on the wire, and how many of them got a reply. */
  readonly requests: number;
  readonly answered: number;
  /**
   * Longest window, ms, from the first request of a run of unanswered ones to the next request that was
   * answered (or to the last request when the run ends the capture): the time during which what the
   * client sent was lost. A client that sends late (descheduled) does not lengthen it; 0 when all were
   * answered.
   */
  readonly longestMs: number;
  /** Sequence number of the first unanswered request of that run. */
  readonly fromSeq: number | undefined;
}

/** Outage seen by the client that sent the requests in `rows` (the capture on its own interface). */
export function echoOutage(rows: readonly EchoRow[]): EchoOutage {
  const key = (r: EchoRow): string => `${r.id}/${r.seq}`;
  const replied = new Set(rows.filter((r) => r.type === 0).map(key));
  const seen = new Set<string>();
  const requests = rows.filter((r) => r.type === 8).filter((r) => !seen.has(key(r)) && seen.add(key(r))).sort((a, b) => a.time - b.time);
  let longest = 0;
  let fromSeq: number | undefined;
  let runStart: EchoRow | undefined;
  const close = (end: number): void => {
    if (runStart && (end - runStart.time) * 1000 > longest) {
      longest = (end - runStart.time) * 1000;
      fromSeq = runStart.seq;
    }
    runStart = undefined;
  };
  for (const r of requests) {
    if (replied.has(key(r))) close(r.time);
    else runStart ??= r;
  }
  if (runStart) close(requests.at(-1)!.time);
  return { requests: requests.length, answered: requests.filter((r) => replied.has(key(r))).length, longestMs: Math.round(longest * 10) / 10, fromSeq };
}
