// VRRP protocol constants (RFC 3768 §5, RFC 5798 §5) and the values keepalived 2.2.7 puts on the wire
// (reference §2.1–§2.3). Pure data, no imports.

/** IP protocol number of VRRP (RFC 5798 §5.1.1.4 / §5.1.2.3: "MUST be 112"). */
export const IPPROTO_VRRP = 112;
/** IP protocol number of IPsec AH (RFC 2402), used by VRRPv2 auth type 2. */
export const IPPROTO_AH = 51;

/** TTL / hop limit of a multicast advert (RFC 5798 §5.1.1.3: "MUST be set to 255"). */
export const VRRP_TTL = 255;
/** keepalived's IPv4 TOS / IPv6 traffic class: internetwork control. */
export const VRRP_TOS = 0xc0;

/** IPv4 multicast group 224.0.0.18 (RFC 5798 §5.1.1.2). */
export const VRRP_MCAST_GROUP4 = '224.0.0.18';

/** Fixed VRRP header: version/type, VRID, priority, count, auth/rsvd+interval, checksum. */
export const VRRP_HEADER_LEN = 8;
/** VRRPv2 authentication data, always present in v2 over IPv4 (RFC 3768 §5.3.10). */
export const VRRP_AUTH_LEN = 8;
/** Type ADVERTISEMENT (RFC 3768 §5.3.2, RFC 5798 §5.2.2). */
export const VRRP_TYPE_ADVERT = 1;

/** Minimal IPv4 header (IHL 5). */
export const IPV4_HEADER_LEN = 20;
/** keepalived's `ipsec_ah_t`: next header, payload len, reserved(2), SPI(4), seq(4), ICV(12). */
export const AH_HEADER_LEN = 24;

/** VRRPv3 Max Adver Int is 12 bits of centiseconds (RFC 5798 §5.2.7). */
export const V3_MAX_ADVER_INT_CS = 0x0fff;
/** The Count IP Addrs field is one octet. */
export const MAX_ADDR_COUNT = 255;

/** The address owner's priority (RFC 5798 §5.2.4; priority 0 is a master's release). */
export const PRIORITY_OWNER = 255;
