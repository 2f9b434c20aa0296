// Test helpers for the VRRP codec and receive checks: a VrrpInstanceConfig with the parser's defaults
// (test/support/config.ts), contexts and received packets built with the real encoders.
import type { VipConfig, VrrpInstanceConfig, UnicastPeer, AuthConfig, AuthHmacConfig } from '../../../src/config-parser/types.js';
import { encodeIpv4Header } from '../../../src/vrrp/ipv4.js';
import { encodeAdvert, type AdvertFields } from '../../../src/vrrp/packet.js';
import type { ReceiveContext } from '../../../src/vrrp/receive-checks.js';
import type { ChecksumMode, Family, ReceivedPacket, VrrpState, VrrpVersion } from '../../../src/vrrp/types.js';
import { centiseconds, type Micros } from '../../../src/net/units.js';
import { instanceConfig as parsedInstance, vip as parsedVip } from '../../support/config.js';

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
export function unhex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

export function vip(address: string, family: Family = address.includes(':') ? 6 : 4): VipConfig {
  return parsedVip(address, { family, prefix: family === 4 ? 32 : 128 });
}

export interface InstanceOpts {
  name?: string;
  vrid?: number;
  version?: VrrpVersion;
  family?: Family;
  priority?: number;
  advertInt?: Micros;
  auth?: AuthConfig;
  vips?: string[];
  peers?: (string | UnicastPeer)[];
  checkUnicastSrc?: boolean;
  skipCheckAdvAddr?: boolean;
  oldUnicastChecksum?: 'auto' | 'always' | 'never';
  v3ChecksumAsV2?: boolean;
  ownerIgnoreAdverts?: boolean;
  authHmac?: AuthHmacConfig;
}

/** The parser's default instance (test/support/config.ts) with the receive checks' options. */
export function instanceConfig(o: InstanceOpts = {}): VrrpInstanceConfig {
  const family = o.family ?? 4;
  const defined = Object.fromEntries(
    Object.entries({
      name: o.name, vrid: o.vrid, version: o.version, priority: o.priority, advertInt: o.advertInt, auth: o.auth,
      checkUnicastSrc: o.checkUnicastSrc, skipCheckAdvAddr: o.skipCheckAdvAddr, oldUnicastChecksum: o.oldUnicastChecksum, v3ChecksumAsV2: o.v3ChecksumAsV2,
      ownerIgnoreAdverts: o.ownerIgnoreAdverts,
    }).filter(([, v]) => v !== undefined),
  ) as Partial<VrrpInstanceConfig>;
  return {
    ...parsedInstance({ family, state: 'BACKUP', accept: true, ...defined }),
    vips: (o.vips ?? [family === 4 ? '10.0.0.100' : '2001:db8::100']).map((a) => vip(a, family)),
    unicastPeers: (o.peers ?? []).map((p) => (typeof p === 'string' ? { address: p } : p)),
    ...(o.authHmac ? { authHmac: o.authHmac } : {}),
  };
}

export function context(config: VrrpInstanceConfig, o: Partial<Omit<ReceiveContext, 'config'>> = {}): ReceiveContext {
  const mode: ChecksumMode =
    config.version === 3 && config.family === 4
      ? config.v3ChecksumAsV2 ? 'plain' : config.oldUnicastChecksum === 'always' && config.unicastPeers.length > 0 ? 'pseudo-mcast' : 'pseudo'
      : config.version === 2 ? 'plain' : 'pseudo';
  return {
    config,
    global: o.global ?? { checkUnicastSrc: false, skipCheckAdvAddr: false },
    state: o.state ?? ('BACKUP' as VrrpState),
    lastMasterAddr: o.lastMasterAddr,
    checksumMode: o.checksumMode ?? mode,
    ...(o.effectivePriority !== undefined ? { effectivePriority: o.effectivePriority } : {}),
  };
}

export interface PacketOpts {
  src?: string;
  dst?: string;
  ttl?: number;
  mode?: ChecksumMode;
  /** Bytes to patch in the whole datagram after building: [offset, value]. */
  patch?: [number, number][];
  /** UDP mode: no IP header, ttl unknown. */
  udp?: boolean;
  /** Insert a 24-byte AH header (protocol 51) with this next header. */
  ahNext?: number;
  extra?: number;
  totalLength?: number;
}

/** A ReceivedPacket as the raw transport would hand it: IPv4 with header, IPv6 message only. */
export function packet(f: Partial<AdvertFields> & { family?: Family }, o: PacketOpts = {}): ReceivedPacket {
  const family = f.family ?? 4;
  const fields: AdvertFields = {
    version: f.version ?? 2, vrid: f.vrid ?? 51, priority: f.priority ?? 100, advertInt: f.advertInt ?? centiseconds(100),
    addresses: f.addresses ?? [family === 4 ? '10.0.0.100' : '2001:db8::100'], family,
    ...(f.auth ? { auth: f.auth } : {}), ...(f.type !== undefined ? { type: f.type } : {}),
  };
  const src = o.src ?? (family === 4 ? '10.0.0.2' : 'fe80::2');
  const dst = o.dst ?? (family === 4 ? '224.0.0.18' : 'ff02::12');
  const mode = o.mode ?? (fields.version === 3 && family === 4 ? 'pseudo' : fields.version === 2 ? 'plain' : 'pseudo');
  const msg = encodeAdvert(fields, { src, dst, checksumMode: mode });
  let data: Uint8Array;
  if (family === 4 && !o.udp) {
    const ah = o.ahNext !== undefined ? new Uint8Array(24) : new Uint8Array(0);
    if (o.ahNext !== undefined) ah[0] = o.ahNext;
    const h = encodeIpv4Header({ src, dst, payloadLength: ah.length + msg.length + (o.extra ?? 0), ttl: o.ttl ?? 255, id: 1, protocol: o.ahNext !== undefined ? 51 : 112 }, { fillChecksum: true });
    data = new Uint8Array(h.length + ah.length + msg.length + (o.extra ?? 0));
    data.set(h, 0);
    data.set(ah, h.length);
    data.set(msg, h.length + ah.length);
    if (o.totalLength !== undefined) {
      data[2] = o.totalLength >>> 8;
      data[3] = o.totalLength & 0xff;
    }
  } else {
    data = new Uint8Array(msg.length + (o.extra ?? 0));
    data.set(msg, 0);
  }
  for (const [off, v] of o.patch ?? []) data[off] = v;
  return { family, ifname: 'eth0', src, dst, ttl: o.udp ? undefined : (o.ttl ?? 255), data, hasIpHeader: family === 4 && !o.udp };
}
