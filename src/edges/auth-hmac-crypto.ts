// The shell's side of `auth_hmac` (src/vrrp/auth-hmac.ts): Node's crypto HMAC-SHA256 and timingSafeEqual,
// and the realtime clock from the Clock edge. Nothing here decides anything about adverts.

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AuthHmacSeam } from '../vrrp/auth-hmac.js';

/** The seam over Node's crypto, with `epochMicros` as the realtime clock (CLOCK_REALTIME). */
export function nodeAuthHmacSeam(epochMicros: () => number): AuthHmacSeam {
  return {
    hmacSha256(key, parts) {
      const h = createHmac('sha256', key);
      for (const p of parts) h.update(p);
      return new Uint8Array(h.digest());
    },
    timingSafeEqual(a, b) {
      return a.length === b.length && timingSafeEqual(a, b);
    },
    realtimeNs() {
      return BigInt(Math.round(epochMicros())) * 1000n;
    },
  };
}
