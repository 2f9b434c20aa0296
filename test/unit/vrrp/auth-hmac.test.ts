// auth_hmac in the pure core (src/vrrp/auth-hmac.ts, receive-checks.ts, instance.ts): sequence arithmetic
// (keepalived `next_seq()`, RFC 1982 serial order), the multicast replay table, every receive verdict and
// its counter and log, the modes, and a core that signs its adverts (one trailer for every unicast copy)
// and a second core that accepts them. The HMAC itself is Node's (the shell's seam), never hand-written.
import { describe, expect, it } from 'vitest';
import type { AuthHmacConfig } from '../../../src/config-parser/types.js';
import { nodeAuthHmacSeam } from '../../../src/edges/auth-hmac-crypto.js';
import {
  appendTrailer, AuthHmacState, buildTrailer, clockSeq, decodeTrailer, defaultTimeWindow, nextSendSeq, seqAfter, verifyTrailer, type AuthHmacSeam,
} from '../../../src/vrrp/auth-hmac.js';
import { VrrpCore } from '../../../src/vrrp/core.js';
import type { Effect } from '../../../src/vrrp/effects.js';
import { encodeAdvert } from '../../../src/vrrp/packet.js';
import { checkAdvert } from '../../../src/vrrp/receive-checks.js';
import type { ReceivedPacket } from '../../../src/vrrp/types.js';
import { centiseconds, micros } from '../../../src/net/units.js';
import { daemonConfig, instanceConfig as supportInstance } from '../../support/config.js';
import { context, instanceConfig } from './fixtures.js';

const T0 = 1_796_000_000; // seconds, some 2026 date
const seamAt = (sec: number): AuthHmacSeam => nodeAuthHmacSeam(() => sec * 1e6);
const KEY = new Uint8Array(32).map((_, i) => i + 1);
const CFG: AuthHmacConfig = { keys: [{ id: 3, secret: KEY }], activeKey: 3, mode: 'enforce', antiReplay: 'time', timeWindow: 5 };
const seqOf = (sec: number, ctr = 0): bigint => (BigInt(sec) << 32n) | BigInt(ctr);

/** A signed advert from `src` (multicast, v3) as the raw transport hands it (IPv4 message only: UDP-like). */
function signed(o: { src?: string; sec?: number; ctr?: number; key?: Uint8Array; keyId?: number; priority?: number; tamper?: (b: Uint8Array) => void; dst?: string; version?: 2 | 3 } = {}): ReceivedPacket {
  const src = o.src ?? '10.0.0.2';
  const dst = o.dst ?? '224.0.0.18';
  const version = o.version ?? 3;
  const msg = encodeAdvert({ version, vrid: 51, priority: o.priority ?? 100, advertInt: centiseconds(100), addresses: ['10.0.0.100'], family: 4 },
    { src, dst, checksumMode: version === 2 ? 'plain' : 'pseudo' });
  const t = buildTrailer(seamAt(T0), msg, { family: 4, version, vrid: 51, src }, o.key ?? KEY, o.keyId ?? 3, seqOf(o.sec ?? T0, o.ctr ?? 0));
  const data = appendTrailer(msg, t, { family: 4, version, src, dst });
  o.tamper?.(data);
  return { family: 4, ifname: 'eth0', src, dst, ttl: 255, data, hasIpHeader: false };
}

describe('auth_hmac sequence', () => {
  it('packs realtime as sec << 32 | (nsec·2^16/10^9) << 16', () => {
    expect(clockSeq(1_000_000_000_500_000_000n)).toBe((1_000_000_000n << 32n) | (32768n << 16n));
  });
  it('serial order survives the 64-bit wrap', () => {
    expect(seqAfter(1n, (1n << 64n) - 1n)).toBe(true);
    expect(seqAfter((1n << 64n) - 1n, 1n)).toBe(false);
    expect(seqAfter(5n, 5n)).toBe(false);
  });
  it('next: the clock when ahead, else last + 1; time mode restarts from the clock once more than the window ahead', () => {
    expect(nextSendSeq(seqOf(T0), seqOf(T0 + 1), true, 5)).toBe(seqOf(T0 + 1));
    expect(nextSendSeq(seqOf(T0, 7), seqOf(T0), true, 5)).toBe(seqOf(T0, 8));
    expect(nextSendSeq(seqOf(T0 + 6), seqOf(T0), true, 5)).toBe(seqOf(T0));
    expect(nextSendSeq(seqOf(T0 + 6), seqOf(T0), false, 5)).toBe(seqOf(T0 + 6) + 1n);
  });
  it('default window: 3 × whole advert seconds within [5, 300]', () => {
    expect([defaultTimeWindow(1e6), defaultTimeWindow(2e6), defaultTimeWindow(0.5e6), defaultTimeWindow(255e6)]).toEqual([5, 6, 5, 300]);
  });
});

describe('auth_hmac receive checks', () => {
  const cfg = (c: Partial<AuthHmacConfig> = {}, peers: string[] = []) => instanceConfig({ version: 3, peers, authHmac: { ...CFG, ...c } });
  const ctxFor = (c = cfg(), sec = T0, state = new AuthHmacState()) => ({ ...context(c), authHmac: { seam: seamAt(sec), state } });

  it('accepts a signed advert, then drops the same one as a replay (counter auth_ext_replay)', () => {
    const ctx = ctxFor();
    expect(checkAdvert(signed(), ctx)).toMatchObject({ ok: true, counters: ['advert_rcvd'] });
    expect(checkAdvert(signed(), ctx)).toEqual(expect.objectContaining({ ok: false, reason: 'auth_ext_replay', counters: ['auth_ext_replay'], log: '(VI_1) replayed authentication trailer from 10.0.0.2' }));
    expect(checkAdvert(signed({ ctr: 1 }), ctx)).toMatchObject({ ok: true });
  });
  it.each([
    ['missing (enforce)', () => { const p = signed(); return { ...p, data: p.data.subarray(0, p.data.length - 28) }; }, 'auth_ext_missing', '(VI_1) missing authentication trailer from 10.0.0.2'],
    ['malformed (ext_type 2)', () => signed({ tamper: (b) => { b[b.length - 28] = 2; } }), 'auth_ext_malformed', '(VI_1) malformed authentication trailer from 10.0.0.2'],
    ['malformed (reserved)', () => signed({ tamper: (b) => { b[b.length - 25] = 1; } }), 'auth_ext_malformed', '(VI_1) malformed authentication trailer from 10.0.0.2'],
    ['unknown key', () => signed({ keyId: 9 }), 'auth_ext_unknown_key', '(VI_1) unknown authentication key id 9 from 10.0.0.2'],
    ['bad HMAC (wrong key)', () => signed({ key: new Uint8Array(32) }), 'auth_ext_invalid_hmac', '(VI_1) invalid authentication HMAC from 10.0.0.2'],
    ['bad HMAC (priority changed)', () => signed({ tamper: (b) => { b[2] = 255; } }), 'auth_ext_invalid_hmac', '(VI_1) invalid authentication HMAC from 10.0.0.2'],
    ['stale (past)', () => signed({ sec: T0 - 6 }), 'auth_ext_stale', '(VI_1) stale authentication trailer from 10.0.0.2, clock skew 6 sec exceeds window 5 sec'],
    ['stale (future)', () => signed({ sec: T0 + 6 }), 'auth_ext_stale', '(VI_1) stale authentication trailer from 10.0.0.2, clock skew -6 sec exceeds window 5 sec'],
  ] as const)('%s: dropped (KO) with its keepalived counter', (_w, make, reason, log) => {
    expect(checkAdvert(make(), ctxFor())).toEqual(expect.objectContaining({ ok: false, verdict: 'KO', reason, log, counters: [reason] }));
  });
  it('the HMAC binds the source: the same bytes from another sender fail', () => {
    expect(checkAdvert({ ...signed(), src: '10.0.0.3' }, ctxFor())).toMatchObject({ ok: false, reason: 'auth_ext_invalid_hmac' });
  });
  it('stale is decided before the key and the HMAC (a flood of captures costs no digest)', () => {
    expect(checkAdvert(signed({ sec: T0 - 100, keyId: 9 }), ctxFor())).toMatchObject({ reason: 'auth_ext_stale' });
  });
  it('monotonic mode has no window, only growth', () => {
    const ctx = ctxFor(cfg({ antiReplay: 'monotonic' }));
    expect(checkAdvert(signed({ sec: T0 - 10_000 }), ctx)).toMatchObject({ ok: true });
    expect(checkAdvert(signed({ sec: T0 - 10_001 }), ctx)).toMatchObject({ ok: false, reason: 'auth_ext_replay' });
  });
  it('permissive and receive-only accept a trailerless advert; both still verify a present trailer', () => {
    for (const mode of ['permissive', 'receive-only'] as const) {
      const p = signed();
      expect(checkAdvert({ ...p, data: p.data.subarray(0, p.data.length - 28) }, ctxFor(cfg({ mode })))).toMatchObject({ ok: true });
      expect(checkAdvert(signed({ key: new Uint8Array(32) }), ctxFor(cfg({ mode })))).toMatchObject({ ok: false, reason: 'auth_ext_invalid_hmac' });
    }
  });
  it('a truncated or oversized trailer is a length error; a node without auth_hmac drops a signed advert on length', () => {
    const p = signed();
    for (const n of [1, 27, 29]) {
      const data = new Uint8Array(p.data.length - 28 + n);
      data.set(p.data.subarray(0, data.length));
      expect(checkAdvert({ ...p, data }, ctxFor())).toMatchObject({ ok: false, reason: 'packet_len_err' });
    }
    expect(checkAdvert(p, context(instanceConfig({ version: 3 })))).toMatchObject({ ok: false, reason: 'packet_len_err' });
  });
  it('unicast: a signed advert from a non-peer is dropped; peers have their own replay marks', () => {
    const c = cfg({}, ['10.0.0.2', '10.0.0.3']);
    const ctx = ctxFor(c);
    expect(checkAdvert(signed({ src: '10.0.0.9', dst: '10.0.0.1' }), ctx)).toMatchObject({ ok: false, reason: 'unicast_src_not_peer', log: '(VI_1) unicast source address 10.0.0.9 not a unicast peer' });
    expect(checkAdvert(signed({ src: '10.0.0.2', dst: '10.0.0.1' }), ctx)).toMatchObject({ ok: true });
    expect(checkAdvert(signed({ src: '10.0.0.3', dst: '10.0.0.1' }), ctx)).toMatchObject({ ok: true });
    expect(checkAdvert(signed({ src: '10.0.0.2', dst: '10.0.0.1' }), ctx)).toMatchObject({ ok: false, reason: 'auth_ext_replay' });
  });
  it('multicast: four sender slots, least recently used evicted (its mark forgotten)', () => {
    const ctx = ctxFor();
    for (const s of ['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5']) expect(checkAdvert(signed({ src: s }), ctx)).toMatchObject({ ok: true });
    expect(checkAdvert(signed({ src: '10.0.0.3' }), ctx)).toMatchObject({ reason: 'auth_ext_replay' }); // 10.0.0.3 most recent now
    expect(checkAdvert(signed({ src: '10.0.0.6' }), ctx)).toMatchObject({ ok: true }); // evicts 10.0.0.2
    expect(checkAdvert(signed({ src: '10.0.0.2' }), ctx)).toMatchObject({ ok: true }); // forgotten, accepted again
  });
  it('a replay mark older than the window is forgotten (a sender reset after a clock step)', () => {
    const state = new AuthHmacState();
    expect(checkAdvert(signed({ sec: T0 }), ctxFor(cfg(), T0, state))).toMatchObject({ ok: true });
    expect(checkAdvert(signed({ sec: T0 - 1 + 7 }), ctxFor(cfg(), T0 + 7, state))).toMatchObject({ ok: true });
    expect(verifyTrailer(seamAt(T0), CFG, state, { family: 4, version: 3, vrid: 51, src: '10.0.0.2', msg: new Uint8Array(20), trailer: new Uint8Array(28) }, undefined))
      .toMatchObject({ ok: false, reason: 'auth_ext_malformed' });
  });
  it('notes a clock skew past half the window on an accepted advert', () => {
    expect(checkAdvert(signed({ sec: T0 - 3 }), ctxFor())).toMatchObject({ ok: true, notes: ['(VI_1) authentication clock skew 3 sec from 10.0.0.2 approaching window 5 sec'] });
  });
});

describe('auth_hmac in the core', () => {
  const sends = (out: readonly Effect[]) => out.filter((e): e is Extract<Effect, { kind: 'sendAdvert' }> => e.kind === 'sendAdvert');
  const core = (priority: number, mode: AuthHmacConfig['mode'], peers: string[], addr: string, sec = T0) => {
    const c = new VrrpCore(daemonConfig({ instances: [supportInstance({ priority, version: 3, peers, authHmac: { ...CFG, mode } })] }), { authHmac: seamAt(sec) });
    c.step(micros(0), { kind: 'interfaceAddress', ifname: 'eth0', family: 4, address: addr });
    return c;
  };

  /** Start an owner and run it to its first adverts (it takes over 1 µs after start). */
  const startMaster = (c: VrrpCore) => {
    const out = [...c.step(micros(0), { kind: 'start' })];
    out.push(...c.step(c.nextDeadline()!, { kind: 'tick' }));
    return sends(out);
  };

  it('a MASTER signs every advert; unicast copies carry one trailer; the peer core accepts them and stays BACKUP', () => {
    const a = core(255, 'enforce', ['10.0.0.2', '10.0.0.3'], '10.0.0.1');
    const out = startMaster(a);
    expect(out.length).toBeGreaterThanOrEqual(1);
    const d = out[0]!.destinations;
    expect(d.map((x) => x.bytes.length)).toEqual([8 + 4 + 28, 8 + 4 + 28]);
    const t = d.map((x) => decodeTrailer(x.bytes.subarray(x.bytes.length - 28)));
    expect(t[0]).toMatchObject({ extType: 1, keyId: 3, reserved: 0, seq: seqOf(T0) });
    expect(Buffer.from(t[0]!.hmac).equals(Buffer.from(t[1]!.hmac))).toBe(true);
    const b = core(100, 'enforce', ['10.0.0.1'], '10.0.0.2');
    b.step(micros(0), { kind: 'start' });
    b.step(micros(10), { kind: 'packet', packet: { family: 4, ifname: 'eth0', src: '10.0.0.1', dst: '10.0.0.2', ttl: 255, data: d[0]!.bytes, hasIpHeader: false } });
    const snap = b.snapshot().instances[0]!;
    expect(snap.stats).toMatchObject({ advert_rcvd: 1, auth_ext_invalid_hmac: 0 });
    expect(snap.masterAddress).toBe('10.0.0.1');
    // The next advert of the same second gets the next sequence (counter + 1).
    const again = sends(a.step(a.nextDeadline()!, { kind: 'tick' }));
    expect(decodeTrailer(again[0]!.destinations[0]!.bytes.subarray(-28)).seq).toBe(seqOf(T0) + 1n);
  });

  it('receive-only sends no trailer', () => {
    const a = core(255, 'receive-only', [], '10.0.0.1');
    const out = startMaster(a);
    expect(out[0]!.destinations[0]!.bytes.length).toBe(12);
  });

  it('a flood of forged adverts is counted and never resets the down timer', () => {
    const b = core(100, 'enforce', [], '10.0.0.2');
    b.step(micros(0), { kind: 'start' });
    const deadline = b.nextDeadline();
    for (let i = 0; i < 500; i++) {
      b.step(micros(1000 + i), { kind: 'packet', packet: signed({ src: '10.0.0.9', key: new Uint8Array(32), priority: 200, ctr: i }) });
    }
    expect(b.nextDeadline()).toBe(deadline);
    expect(b.snapshot().instances[0]!.stats).toMatchObject({ auth_ext_invalid_hmac: 500, advert_rcvd: 0 });
  });
});
