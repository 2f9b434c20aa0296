// Golden auth_hmac adverts: keepalived 2.4.3's own signed adverts (test/golden/packets/capture-auth-hmac.sh,
// test keys), each with its context. Our encoder + signer reproduce them byte for byte when the sequence
// (the sender's clock) is pinned to the captured one, and our receive checks accept them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeKeyValue } from '../../src/config-parser/keywords/auth-hmac.js';
import type { AuthHmacConfig } from '../../src/config-parser/types.js';
import { appendTrailer, AuthHmacState, buildTrailer, decodeTrailer } from '../../src/vrrp/auth-hmac.js';
import { encodeAdvert } from '../../src/vrrp/packet.js';
import { checkAdvert } from '../../src/vrrp/receive-checks.js';
import type { ChecksumMode, Family, ReceivedPacket, VrrpVersion } from '../../src/vrrp/types.js';
import { centiseconds, micros } from '../../src/net/units.js';
import { nodeAuthHmacSeam } from '../../src/edges/auth-hmac-crypto.js';
import { context, hex, instanceConfig, unhex } from '../unit/vrrp/fixtures.js';

interface Vector {
  what: string;
  source: string;
  family: Family;
  version: VrrpVersion;
  src: string;
  dst: string;
  checksumMode: ChecksumMode;
  ttl: number;
  ipHeader?: string;
  vrid: number;
  priority: number;
  advertIntCs: number;
  addresses: string[];
  authHmac: { mode: AuthHmacConfig['mode']; keyId: number; key: string; sec: number; subsec: number; ctr: number };
  vrrp: string;
}

const dir = join(import.meta.dirname, 'packets', 'auth-hmac');
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
const vectors = files.map((f) => [f, JSON.parse(readFileSync(join(dir, f), 'utf8')) as Vector] as const);

/** A seam whose realtime clock reads `sec` (the vector's own send time). */
const seamAt = (sec: number) => nodeAuthHmacSeam(() => sec * 1e6 + 250_000);

describe('golden auth_hmac packets (keepalived 2.4.3)', () => {
  it('has every captured kind: v2/v3, IPv4/IPv6, unicast/multicast, both keys, priority 0', () => {
    const names = files.join(' ');
    for (const k of ['v2-mcast.json', 'v2-unicast.json', 'v3-mcast-half-second.json', 'v3-unicast-2peers-to-10-9-0-1', 'v3-unicast-2peers-to-10-9-0-3',
      'v3-ipv6.json', 'v3-ipv6-unicast.json', 'priority0-shutdown']) {
      expect(names).toContain(k);
    }
    expect(new Set(vectors.map(([, v]) => v.authHmac.keyId))).toEqual(new Set([1, 7]));
  });

  describe.each(vectors)('%s', (_file, v) => {
    const wire = unhex(v.vrrp);
    const key = decodeKeyValue(v.authHmac.key)!;
    const seq = (BigInt(v.authHmac.sec) << 32n) | (BigInt(v.authHmac.subsec) << 16n) | BigInt(v.authHmac.ctr);
    const cfg: AuthHmacConfig = { keys: [{ id: v.authHmac.keyId, secret: key }], activeKey: v.authHmac.keyId, mode: v.authHmac.mode, antiReplay: 'time', timeWindow: 300 };

    it('carries a 28-byte HMAC-SHA256 trailer', () => {
      const t = decodeTrailer(wire.subarray(wire.length - 28));
      expect(t).toMatchObject({ extType: 1, keyId: v.authHmac.keyId, reserved: 0, seq });
    });

    it('generates byte for byte (sequence pinned to the captured one)', () => {
      const fields = { version: v.version, vrid: v.vrid, priority: v.priority, advertInt: centiseconds(v.advertIntCs), addresses: v.addresses, family: v.family };
      const msg = encodeAdvert(fields, { src: v.src, dst: v.dst, checksumMode: v.checksumMode });
      const trailer = buildTrailer(seamAt(v.authHmac.sec), msg, { family: v.family, version: v.version, vrid: v.vrid, src: v.src }, key, v.authHmac.keyId, seq);
      expect(hex(appendTrailer(msg, trailer, { family: v.family, version: v.version, src: v.src, dst: v.dst }))).toBe(v.vrrp);
    });

    const unicast = !(v.dst.startsWith('224.') || v.dst.startsWith('ff'));
    const receiver = (c: AuthHmacConfig | undefined) =>
      instanceConfig({
        vrid: v.vrid, version: v.version, family: v.family, vips: v.addresses, advertInt: micros(v.advertIntCs * 10_000),
        peers: unicast ? [v.src] : [], ...(c ? { authHmac: c } : {}),
      });
    const pkt: ReceivedPacket = {
      family: v.family, ifname: 'hv-h24-vb', src: v.src, dst: v.dst, ttl: v.ttl, hasIpHeader: v.ipHeader !== undefined,
      data: v.ipHeader !== undefined ? new Uint8Array([...unhex(v.ipHeader), ...wire]) : wire,
    };

    it('is accepted by a matching instance, once (a second copy is a replay)', () => {
      const state = new AuthHmacState();
      const ctx = { ...context(receiver(cfg)), authHmac: { seam: seamAt(v.authHmac.sec), state } };
      expect(checkAdvert(pkt, ctx)).toMatchObject({ ok: true, counters: v.priority === 0 ? ['advert_rcvd', 'pri_zero_rcvd'] : ['advert_rcvd'] });
      expect(checkAdvert(pkt, ctx)).toMatchObject({ ok: false, reason: 'auth_ext_replay', counters: ['auth_ext_replay'] });
    });

    it('is rejected under another key, and by a node without auth_hmac (length)', () => {
      const other: AuthHmacConfig = { ...cfg, keys: [{ id: v.authHmac.keyId, secret: new Uint8Array(32).fill(0x55) }] };
      const ctx = { ...context(receiver(other)), authHmac: { seam: seamAt(v.authHmac.sec), state: new AuthHmacState() } };
      expect(checkAdvert(pkt, ctx)).toMatchObject({ ok: false, reason: 'auth_ext_invalid_hmac', log: `(VI_1) invalid authentication HMAC from ${v.src}` });
      expect(checkAdvert(pkt, context(receiver(undefined)))).toMatchObject({ ok: false, reason: 'packet_len_err' });
    });

    it('is stale outside the window', () => {
      const ctx = { ...context(receiver(cfg)), authHmac: { seam: seamAt(v.authHmac.sec + 301), state: new AuthHmacState() } };
      expect(checkAdvert(pkt, ctx)).toMatchObject({ ok: false, reason: 'auth_ext_stale' });
    });
  });
});
