// The capture-timing helpers of the interop tests (test/support/wire-timing.ts): grid fit of adverts and
// the client's echo outage, on hand-made timestamps.
import { describe, expect, it } from 'vitest';
import { advertGrid, echoOutage, parseEchoRows, type EchoRow } from '../../support/wire-timing.js';

describe('advertGrid', () => {
  it('adverts on time: consecutive slots, spread of the jitter only', () => {
    const g = advertGrid([100.02, 101.0, 102.01, 103.0, 104.03], 1);
    expect(g.slots).toEqual([0, 1, 2, 3, 4]);
    expect(g.missing).toEqual([]);
    expect(g.doubled).toEqual([]);
    expect(g.spread).toBeCloseTo(0.03, 6);
  });
  it('one late advert followed by an on-time one counts once (two gaps of 1.3 and 0.7 s)', () => {
    const g = advertGrid([100, 101, 102.3, 103, 104], 1);
    expect(g.missing).toEqual([]);
    expect(g.spread).toBeCloseTo(0.3, 6);
  });
  it('a skipped advert is a missing slot; an extra one a doubled slot', () => {
    expect(advertGrid([100, 101, 103, 104], 1).missing).toEqual([2]);
    expect(advertGrid([100, 101, 101.1, 102], 1).doubled).toEqual([1]);
  });
  it('a stall shifts the grid: by less than half an interval it is spread, by more a missing slot', () => {
    expect(advertGrid([100, 101, 102.4, 103.4, 104.4], 1)).toMatchObject({ missing: [], spread: expect.closeTo(0.4, 6) });
    const g = advertGrid([100, 101, 102.6, 103.6, 104.6], 1);
    expect(g.missing).toEqual([2]);
    expect(g.spread).toBeCloseTo(0.4, 6);
  });
  it('no adverts: empty', () => {
    expect(advertGrid([], 1)).toEqual({ slots: [], missing: [], doubled: [], spread: 0 });
  });
});

describe('echoOutage', () => {
  const req = (seq: number, time: number): EchoRow => ({ time, type: 8, id: 7, seq, ethSrc: undefined });
  const rep = (seq: number, time: number): EchoRow => ({ time, type: 0, id: 7, seq, ethSrc: undefined });
  it('all answered: no outage, however irregular the sending', () => {
    const rows = [req(1, 10), rep(1, 10.001), req(2, 10.5), rep(2, 10.5001), req(3, 10.51), rep(3, 10.511)];
    expect(echoOutage(rows)).toEqual({ requests: 3, answered: 3, longestMs: 0, fromSeq: undefined });
  });
  it('a run of unanswered requests: from its first request to the next answered one', () => {
    const rows = [req(1, 10), rep(1, 10.001), req(2, 10.01), req(3, 10.02), req(4, 10.03), req(5, 10.04), rep(5, 10.041), req(6, 10.05), req(7, 10.3), rep(7, 10.3)];
    expect(echoOutage(rows)).toEqual({ requests: 7, answered: 3, longestMs: 250, fromSeq: 6 });
  });
  it('a run at the end lasts until the last request; a lone last request does not count', () => {
    expect(echoOutage([req(1, 10), rep(1, 10), req(2, 10.1), req(3, 10.2), req(4, 10.3)]).longestMs).toBe(200);
    expect(echoOutage([req(1, 10), rep(1, 10), req(2, 10.1)]).longestMs).toBe(0);
  });
  it('a request seen twice counts once; other identifiers are separate', () => {
    const rows = [req(1, 10), req(1, 10), rep(1, 10.001), { ...req(1, 10.2), id: 8 }];
    expect(echoOutage(rows).requests).toBe(2);
  });
  it('parses tshark columns, skipping incomplete lines', () => {
    expect(parseEchoRows('1700000000.123456\t8\t42\t5\t02:00:00:00:00:01\n1700000000.2\t0\t42\t5\t\n\nbad\n')).toEqual([
      { time: 1700000000.123456, type: 8, id: 42, seq: 5, ethSrc: '02:00:00:00:00:01' },
      { time: 1700000000.2, type: 0, id: 42, seq: 5, ethSrc: undefined },
    ]);
  });
});
