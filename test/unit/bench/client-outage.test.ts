// The pure analysis behind `npm run bench:clients` and the client-outage interop test (issue 11 §1):
// parsing what the client namespace records, and the outage / neighbour-entry arithmetic.

import { describe, expect, it } from 'vitest';
import {
  answerRuns,
  describeNeigh,
  describeRuns,
  longestGapWithin,
  neighPointsAt,
  neighSettledAt,
  outageAround,
  parseNeighLine,
  parsePingLine,
  parseProbeLine,
  signedMs,
} from '../../../bench/lib/client-outage.mjs';

const TTLS = { 61: 'a', 62: 'b' } as const;
const A = '02:c1:00:00:00:0a';
const B = '02:c1:00:00:00:0b';

describe('parsePingLine', () => {
  it('reads the receive time (ms), the sequence number and the node from the TTL', () => {
    const r = parsePingLine('[1796190254.498291] 64 bytes from 10.254.0.100: icmp_seq=17 ttl=62 time=0.098 ms', TTLS);
    expect(r).toEqual({ t: 1796190254498.291, seq: 17, ttl: 62, node: 'b' });
  });
  it('names an unexpected TTL instead of guessing a node', () => {
    expect(parsePingLine('[1.5] 64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=0.1 ms', TTLS)?.node).toBe('ttl64');
  });
  it('ignores everything that is not a reply', () => {
    for (const l of [
      'PING 10.254.0.100 (10.254.0.100) 56(84) bytes of data.',
      '[1796190254.498291] From 10.254.0.10 icmp_seq=5 Destination Host Unreachable',
      '--- 10.254.0.100 ping statistics ---',
      '',
    ]) {
      expect(parsePingLine(l, TTLS)).toBeUndefined();
    }
  });
});

describe('parseProbeLine', () => {
  it('reads an answered probe and a failed one', () => {
    expect(parseProbeLine('{"s":1000.5,"t":1001.25,"node":"a"}')).toEqual({ s: 1000.5, t: 1001.25, node: 'a' });
    expect(parseProbeLine('{"s":1000.5,"t":4000.5,"err":"ETIMEDOUT"}')).toEqual({ s: 1000.5, t: 4000.5, err: 'ETIMEDOUT' });
  });
  it('treats an empty answer as a failure and ignores lines that are not probe records', () => {
    expect(parseProbeLine('{"s":1,"t":2,"node":""}')).toEqual({ s: 1, t: 2, err: 'unknown' });
    expect(parseProbeLine('{"s":1}')).toBeUndefined();
    expect(parseProbeLine('{not json')).toBeUndefined();
    expect(parseProbeLine('listening 10.254.0.100:7070 as a')).toBeUndefined();
  });
});

describe('parseNeighLine', () => {
  const vip = '10.254.0.100';
  it('reads the MAC and state of the VIP entry with a µs time stamp (local time, as ip prints it)', () => {
    const r = parseNeighLine(`[2026-12-02T05:44:16.471814] ${vip} dev eth0 lladdr ${A} REACHABLE `, vip);
    expect(r).toEqual({ t: new Date('2026-12-02T05:44:16').getTime() + 471.814, mac: A, state: 'REACHABLE', deleted: false });
  });
  it('an entry without an address points nowhere; Deleted is flagged', () => {
    expect(parseNeighLine(`[2026-12-02T05:44:16.000001] ${vip} dev eth0 FAILED `, vip)).toMatchObject({ mac: undefined, state: 'FAILED', deleted: false });
    expect(parseNeighLine(`[2026-12-02T05:44:16.5] Deleted ${vip} dev eth0 lladdr ${B} STALE`, vip)).toMatchObject({ mac: B, deleted: true });
  });
  it('ignores other addresses and other lines', () => {
    expect(parseNeighLine(`[2026-12-02T05:44:16.471814] 10.254.0.1 dev eth0 lladdr ${A} REACHABLE`, vip)).toBeUndefined();
    expect(parseNeighLine(`${vip} dev eth0 lladdr ${A} REACHABLE`, vip)).toBeUndefined();
  });
});

describe('outageAround', () => {
  it('is the longest gap counting from the last reply before the event', () => {
    const times = [0, 10, 20, 30, 650, 660, 670];
    expect(outageAround(times, 25, 700)).toEqual({ outageMs: 620, from: 30, to: 650, ongoing: false, repliesAfter: 4 });
  });
  it('ignores gaps that ended before the event', () => {
    expect(outageAround([0, 500, 510, 520, 530], 505, 540).outageMs).toBe(10);
  });
  it('counts a gap that runs to the end of the window as ongoing', () => {
    expect(outageAround([0, 10, 20], 15, 3_020)).toEqual({ outageMs: 3_000, from: 20, to: 3_020, ongoing: true, repliesAfter: 1 });
  });
  it('measures from the event when nothing answered before it, and takes unsorted input', () => {
    expect(outageAround([300, 100, 200], 50, 310)).toMatchObject({ outageMs: 100, from: 100, to: 200 });
    expect(outageAround([], 50, 310)).toMatchObject({ outageMs: 260, ongoing: true, repliesAfter: 0 });
  });
});

describe('longestGapWithin', () => {
  it('only looks inside the window', () => {
    expect(longestGapWithin([0, 100, 110, 140, 150, 400], 100, 150)).toBe(30);
    expect(longestGapWithin([5], 0, 10)).toBe(0);
  });
});

describe('who answered', () => {
  const replies = [
    { t: 0, node: 'a' },
    { t: 10, node: 'a' },
    { t: 700, node: 'b' },
    { t: 710, node: 'b' },
    { t: 5_000, node: 'a' },
  ];
  it('groups replies into runs of one node', () => {
    expect(answerRuns(replies)).toEqual([
      { node: 'a', from: 0, to: 10, n: 2 },
      { node: 'b', from: 700, to: 710, n: 2 },
      { node: 'a', from: 5_000, to: 5_000, n: 1 },
    ]);
  });
  it('describes them relative to the event', () => {
    expect(describeRuns(replies, 20, 0)).toBe('a → b@+680 → a@+4980');
    expect(describeRuns(replies, 20, 600)).toBe('b → a@+4980');
    expect(describeRuns([], 0, 0)).toBe('none');
    expect(signedMs(-4.6)).toBe('-5');
  });
});

describe('the client neighbour entry', () => {
  const ev = [
    { t: 0, mac: A },
    { t: 1_000, mac: B },
    { t: 2_000, mac: undefined },
    { t: 3_000, mac: A },
    { t: 3_500, mac: A },
  ];
  it('neighPointsAt: first time at or after the event that it points at the MAC', () => {
    expect(neighPointsAt(ev, 500, B)).toBe(500);
    expect(neighPointsAt(ev, 500, A)).toBe(0);
    expect(neighPointsAt(ev, 3_600, B)).toBeUndefined();
  });
  it('neighSettledAt: since when it has pointed at the MAC for good', () => {
    expect(neighSettledAt(ev, 500, A)).toBe(2_500);
    expect(neighSettledAt(ev, 3_200, A)).toBe(0);
    expect(neighSettledAt(ev, 500, B)).toBeUndefined();
    expect(neighSettledAt([...ev, { t: 4_000, mac: A, deleted: true }], 500, A)).toBeUndefined();
  });
  it('describeNeigh: MAC changes only, named, relative to the event', () => {
    expect(describeNeigh(ev, 500, 0, { [A]: 'a', [B]: 'b' })).toBe('a → b@+500 → a@+2500');
    expect(describeNeigh(ev, 1_500, 1_200, { [A]: 'a', [B]: 'b' })).toBe('b → a@+1500');
  });
});
