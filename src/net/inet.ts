// IPv4 / IPv6 address text ⇄ bytes for the codec, canonical text (dotted quad; RFC 5952 compressed,
// lower-case IPv6). Pure, never throws: parsers return `undefined` for anything that is not an address.

/** An address family by its IP version, as keepalived's configs and havipd's types write it. */
export type Family = 4 | 6;

/**
 * The 32-bit value of dotted-quad IPv4 text (exactly four decimal octets of 1–3 ASCII digits, each ≤ 255), or
 * `undefined`. Allocates nothing: the receive path compares addresses with it for every advert.
 */
export function ipv4Value(text: string): number | undefined {
  let value = 0;
  let octets = 0;
  let digits = 0;
  let octet = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2e; // a '.' after the end closes the last octet
    if (c === 0x2e) {
      if (digits === 0 || octet > 255 || ++octets > 4) return undefined;
      value = value * 256 + octet;
      digits = 0;
      octet = 0;
    } else if (c >= 0x30 && c <= 0x39 && ++digits <= 3) {
      octet = octet * 10 + (c - 0x30);
    } else {
      return undefined;
    }
  }
  return octets === 4 ? value : undefined;
}

/** Parses dotted-quad IPv4 (exactly four decimal octets, no leading '+', ≤ 3 digits each). */
export function parseIpv4(text: string): Uint8Array | undefined {
  const v = ipv4Value(text);
  if (v === undefined) return undefined;
  return Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

/** Parses IPv6 text (with `::`, optional trailing dotted quad, no zone id). */
export function parseIpv6(text: string): Uint8Array | undefined {
  if (text.length === 0 || text.length > 45) return undefined;
  let s = text.toLowerCase();
  const out = new Uint8Array(16);
  let tail4: Uint8Array | undefined;
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.indexOf('.', lastColon) > lastColon) {
    tail4 = parseIpv4(s.slice(lastColon + 1));
    if (!tail4) return undefined;
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const dbl = s.indexOf('::');
  if (dbl !== s.lastIndexOf('::')) return undefined;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const gs = part.split(':');
    const r: number[] = [];
    for (const g of gs) {
      if (!/^[0-9a-f]{1,4}$/.test(g)) return undefined;
      r.push(parseInt(g, 16));
    }
    return r;
  };
  let groups: number[];
  if (dbl >= 0) {
    const head = parseGroups(s.slice(0, dbl));
    const tail = parseGroups(s.slice(dbl + 2));
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = parseGroups(s);
    if (!all || all.length !== 8) return undefined;
    groups = all;
  }
  for (let i = 0; i < 8; i++) {
    out[2 * i] = groups[i]! >>> 8;
    out[2 * i + 1] = groups[i]! & 0xff;
  }
  if (tail4) out.set(tail4, 12);
  return out;
}

/** Bytes of an address of the given family, or `undefined`. */
export function addressBytes(text: string, family: Family): Uint8Array | undefined {
  return family === 4 ? parseIpv4(text) : parseIpv6(text);
}

export function formatIpv4(b: Uint8Array, offset = 0): string {
  return `${b[offset] ?? 0}.${b[offset + 1] ?? 0}.${b[offset + 2] ?? 0}.${b[offset + 3] ?? 0}`;
}

/** RFC 5952 text: lower case, longest run (≥ 2) of zero groups compressed, first one on a tie. */
export function formatIpv6(b: Uint8Array, offset = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(((b[offset + 2 * i] ?? 0) << 8) | (b[offset + 2 * i + 1] ?? 0));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(':');
  if (bestLen < 2) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

export function formatAddress(b: Uint8Array, family: Family, offset = 0): string {
  return family === 4 ? formatIpv4(b, offset) : formatIpv6(b, offset);
}

/** Canonical text of an address, or `undefined` when it does not parse in that family. */
export function canonicalAddress(text: string, family: Family): string | undefined {
  const b = addressBytes(text, family);
  return b ? formatAddress(b, family) : undefined;
}

/** IPv4 224.0.0.0/4 or IPv6 ff00::/8. `false` for text that does not parse. */
export function isMulticast(text: string, family: Family): boolean {
  if (family === 4) {
    const v = ipv4Value(text);
    return v !== undefined && v >>> 28 === 0xe;
  }
  const b = parseIpv6(text);
  return b !== undefined && b[0] === 0xff;
}

/** Byte-wise equality of two addresses (so '::1' equals '0::1'); `false` if either does not parse. */
export function sameAddress(a: string, b: string, family: Family): boolean {
  if (family === 4) {
    const x = ipv4Value(a);
    return x !== undefined && x === ipv4Value(b);
  }
  if (a === b) return parseIpv6(a) !== undefined;
  const x = addressBytes(a, family);
  const y = addressBytes(b, family);
  if (!x || !y) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
