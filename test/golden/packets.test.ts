// Golden packets (mqtt-packet style parse / generate / mirror): keepalived 2.2.7's own adverts, from
// reference §2.4 and from test/golden/packets/capture.sh, each with its (src, dst, version, family,
// checksum mode) context. RFC 3768 §5, RFC 5798 §5.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyVrrpChecksum, computeVrrpChecksum } from '../../src/vrrp/checksum.js';
import { decodeIpv4Header, encodeIpv4Header } from '../../src/vrrp/ipv4.js';
import { decodeAdvert, encodeAdvert } from '../../src/vrrp/packet.js';
import { checkAdvert } from '../../src/vrrp/receive-checks.js';
import type { ChecksumMode, Family, ReceivedPacket, VrrpVersion } from '../../src/vrrp/types.js';
import { centiseconds, micros } from '../../src/net/units.js';
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
  ipId?: number;
  ipHeader?: string;
  trafficClass?: number;
  vrid: number;
  priority: number;
  advertIntCs: number;
  addresses: string[];
  auth?: { type: 0 | 1 | 2; password: string };
  vrrp: string;
  plainChecksum?: string;
}

const dir = join(import.meta.dirname, 'packets');
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
const vectors = files.map((f) => [f, JSON.parse(readFileSync(join(dir, f), 'utf8')) as Vector] as const);

describe('golden packets', () => {
  it('has the reference vectors and every capture kind', () => {
    const names = files.join(' ');
    for (const k of ['ref-2.4-1', 'ref-2.4-2', 'ref-2.4-3', 'ref-2.4-4', 'v2-mcast-pass.json', 'v2-unicast.json', 'v3-mcast-half-second.json',
      'v3-unicast.json', 'v3-ipv6.json', 'priority0-shutdown', 'v3-unicast-2peers-to-10-9-0-1', 'v3-unicast-2peers-to-10-9-0-3', 'v3-unicast-old-checksum.json']) {
      expect(names).toContain(k);
    }
  });

  describe.each(vectors)('%s', (_file, v) => {
    const msg = unhex(v.vrrp);
    const fields = {
      version: v.version, vrid: v.vrid, priority: v.priority, advertInt: centiseconds(v.advertIntCs), addresses: v.addresses, family: v.family,
      ...(v.auth ? { auth: v.auth } : {}),
    };
    const ctx = { src: v.src, dst: v.dst, checksumMode: v.checksumMode };

    it('parses', () => {
      const r = decodeAdvert(msg, v.family);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.advert).toMatchObject({ version: v.version, type: 1, vrid: v.vrid, priority: v.priority, addrCount: v.addresses.length,
        advertInt: v.advertIntCs, addresses: v.addresses, authType: v.auth?.type ?? 0 });
      expect(r.advert.checksum).toBe(parseInt(v.vrrp.slice(12, 16), 16));
      expect(verifyVrrpChecksum(msg, { version: v.version, family: v.family, mode: v.checksumMode, src: v.src, dst: v.dst })).toBe(true);
    });

    it('generates byte for byte', () => {
      expect(hex(encodeAdvert(fields, ctx))).toBe(v.vrrp);
      if (v.ipHeader !== undefined) {
        const h = encodeIpv4Header({ src: v.src, dst: v.dst, payloadLength: msg.length, ttl: v.ttl, id: v.ipId! }, { fillChecksum: true });
        expect(hex(h)).toBe(v.ipHeader);
        const d = decodeIpv4Header(unhex(v.ipHeader));
        expect(d.ok && d.header).toMatchObject({ version: 4, headerLength: 20, tos: 0xc0, fragOff: 0, ttl: v.ttl, protocol: 112, src: v.src, dst: v.dst, id: v.ipId });
      }
    });

    it('mirrors (decode → encode → same bytes)', () => {
      const r = decodeAdvert(msg, v.family);
      if (!r.ok) throw new Error(r.detail);
      const a = r.advert;
      const again = encodeAdvert({ version: a.version, vrid: a.vrid, priority: a.priority, advertInt: a.advertInt, addresses: a.addresses, family: v.family,
        auth: { type: a.authType as 0 | 1 | 2, password: Buffer.from(a.authData).toString('latin1').replace(/\0+$/, '') } }, ctx);
      expect(hex(again)).toBe(v.vrrp);
    });

    if (v.plainChecksum) {
      it('differs from the plain (no pseudo-header) checksum as the reference says', () => {
        expect(computeVrrpChecksum(msg, { version: 3, family: 4, mode: 'plain', src: v.src, dst: v.dst }).toString(16)).toBe(v.plainChecksum);
      });
    }

    it('is accepted by a matching instance (peer side) with keepalived 2.2.7 counters', () => {
      const unicast = !(v.dst.startsWith('224.') || v.dst.startsWith('ff'));
      const cfg = instanceConfig({
        vrid: v.vrid, version: v.version, family: v.family, vips: v.addresses, advertInt: micros(v.advertIntCs * 10_000),
        auth: v.auth ? { type: 'PASS', password: v.auth.password } : { type: 'NONE' },
        peers: unicast ? [{ address: v.src, minTtl: 255 }] : [], oldUnicastChecksum: 'auto',
      });
      const data = v.ipHeader !== undefined ? new Uint8Array([...unhex(v.ipHeader), ...msg]) : msg;
      const pkt: ReceivedPacket = { family: v.family, ifname: 'hv-c1-vb', src: v.src, dst: v.dst, ttl: v.ttl, data, hasIpHeader: v.ipHeader !== undefined };
      const r = checkAdvert(pkt, context(cfg, { checksumMode: v.checksumMode }));
      expect(r).toMatchObject({ ok: true, counters: v.priority === 0 ? ['advert_rcvd', 'pri_zero_rcvd'] : ['advert_rcvd'] });
      if (v.checksumMode === 'pseudo-mcast') {
        // keepalived-compat: a receiver still on the RFC checksum auto-detects the old one.
        const r2 = checkAdvert(pkt, context(cfg, { checksumMode: 'pseudo' }));
        expect(r2).toMatchObject({ ok: true, switchChecksumMode: 'pseudo-mcast', notes: ['(VI_1) Setting unicast VRRPv3 checksum to old version'] });
        const never = instanceConfig({ ...cfg, vrid: v.vrid, version: 3, vips: v.addresses, peers: [v.src], oldUnicastChecksum: 'never' });
        expect(checkAdvert(pkt, context(never, { checksumMode: 'pseudo' }))).toMatchObject({ ok: false, reason: 'chk_err', log: '(VI_1) Invalid VRRPv3 checksum' });
      }
    });
  });
});
