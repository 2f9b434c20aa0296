// The Internet checksum (RFC 1071): one's-complement sums over 16-bit words, used by the VRRP checksum
// (src/vrrp/checksum.ts) and by the ICMPv6 checksum of unsolicited NAs (src/garp/frames.ts). Pure.

/**
 * Adds `data` as big-endian 16-bit words to a running one's-complement sum (odd length: padded
 * with a zero byte, RFC 1071). Returns the folded 16-bit sum (not complemented).
 */
export function onesComplementSum(data: Uint8Array, initial = 0): number {
  let sum = initial;
  const n = data.length;
  let i = 0;
  for (; i + 1 < n; i += 2) sum += (data[i]! << 8) | data[i + 1]!;
  if (i < n) sum += data[i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** RFC 1071 checksum of the concatenation of `chunks` (each chunk must have even length except the last). */
export function internetChecksum(...chunks: Uint8Array[]): number {
  let sum = 0;
  for (const c of chunks) sum = onesComplementSum(c, sum);
  return ~sum & 0xffff;
}
