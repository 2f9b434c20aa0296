// keepalived's IPv4 header for IP_HDRINCL sends (reference §2.1, `vrrp_build_ip4()` /
// `vrrp_update_pkt()`): version 4, IHL 5, TOS 0xc0, no DF, TTL 255 (or unicast_ttl), protocol 112,
// per-instance IP ID that starts at 1 and never is 0. Pure: no I/O, no clock.
//
// The 20-byte encoder itself lives in src/vrrp/ipv4.ts (the codec owns every byte layout); this
// module adds what the raw transport needs around it: prefixing a VRRP message, and the ID counters.

import { encodeIpv4Header, nextIpId, setIpv4Id, type Ipv4HeaderFields } from '../../vrrp/ipv4.js';

export { encodeIpv4Header, nextIpId, type Ipv4HeaderFields };

/** What the transport knows when it frames one VRRP message for IP_HDRINCL. */
export interface Ipv4FrameFields {
  readonly src: string;
  readonly dst: string;
  /** keepalived: 255 for multicast; `unicast_ttl` (default 255) for unicast peers. */
  readonly ttl: number;
  /** IP ID (1..65535). */
  readonly id: number;
  /** 112 (default), or 51 when an AH header leads the message. */
  readonly protocol?: number;
}

/**
 * `message` (the VRRP message, or AH + VRRP) with keepalived's IPv4 header in front, as handed to
 * sendto() on an IP_HDRINCL socket. The header checksum is filled in (the kernel recomputes it
 * anyway), so the result is byte for byte what appears on the wire. Throws RangeError on a bad
 * address (a bug: addresses come from the validated configuration). Does not check that `id` is
 * in range or that the message is a valid advert.
 */
export function frameIpv4(message: Uint8Array, f: Ipv4FrameFields): Uint8Array {
  const header = encodeIpv4Header(
    { src: f.src, dst: f.dst, ttl: f.ttl, id: f.id, payloadLength: message.length, protocol: f.protocol ?? 112 },
    { fillChecksum: true },
  );
  const out = new Uint8Array(header.length + message.length);
  out.set(header, 0);
  out.set(message, header.length);
  return out;
}

/**
 * `frameIpv4` for a sender that sends the same messages again and again (the core encodes an advert once
 * and sends the same bytes every advert_int): the framed copy of a message is kept (weakly, by the message)
 * and only its IP ID and header checksum are written again. The copy is checked byte for byte against the
 * message, so a caller that reuses one buffer for other contents still gets them framed. The packet returned
 * is only valid until the next `frame` of the same message: send it at once.
 */
export class Ipv4Framer {
  private readonly framed = new WeakMap<Uint8Array, { readonly f: Ipv4FrameFields; readonly packet: Uint8Array }>();

  frame(message: Uint8Array, f: Ipv4FrameFields): Uint8Array {
    const hit = this.framed.get(message);
    if (hit && hit.f.src === f.src && hit.f.dst === f.dst && hit.f.ttl === f.ttl && (hit.f.protocol ?? 112) === (f.protocol ?? 112) && sameTail(hit.packet, message)) {
      setIpv4Id(hit.packet, f.id);
      return hit.packet;
    }
    const packet = frameIpv4(message, f);
    this.framed.set(message, { f: { src: f.src, dst: f.dst, ttl: f.ttl, id: f.id, ...(f.protocol !== undefined ? { protocol: f.protocol } : {}) }, packet });
    return packet;
  }
}

/** Whether `packet` is a 20-byte header followed by exactly `message`. */
function sameTail(packet: Uint8Array, message: Uint8Array): boolean {
  if (packet.length !== message.length + 20) return false;
  for (let i = 0; i < message.length; i++) if (packet[i + 20] !== message[i]) return false;
  return true;
}

/**
 * IP ID counters keyed by VRID, for senders that do not track the ID themselves. keepalived keeps
 * one counter per instance: the first advert carries ID 1, and 0xffff wraps to 1
 * (`if (!++vrrp->ip_id) ++vrrp->ip_id;`). Instances are unique per (interface, family, VRID), so a
 * per-VRID counter on a per-(interface, family) socket is the same thing.
 * keepalived-compat: all unicast copies of one advert share one ID; callers sending to several
 * peers should take `next()` once and pass the value explicitly for each copy.
 */
export class IpIdCounters {
  private readonly last = new Map<number, number>();

  /** The next ID for `vrid` (1 the first time). */
  next(vrid: number): number {
    const id = nextIpId(this.last.get(vrid) ?? 0);
    this.last.set(vrid, id);
    return id;
  }
}
