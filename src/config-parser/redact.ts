// Normalised JSON for `havipd --dump-config`: the DaemonConfig with secrets (auth_pass, auth_hmac keys) redacted, source
// positions dropped, keys in a stable order. Never includes a password.

import type { DaemonConfig } from './types.js';

export const REDACTED = '<redacted>';

function normalise(v: unknown, keepPos: boolean): unknown {
  if (Array.isArray(v)) return v.map((x) => normalise(x, keepPos));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      if (k === 'pos' && !keepPos) continue;
      const x = (v as Record<string, unknown>)[k];
      if (x === undefined) continue;
      out[k] = k === 'password' || k === 'secret' ? REDACTED : normalise(x, keepPos);
    }
    return out;
  }
  return v;
}

/** A JSON-ready copy of the config with `auth.password` replaced by `<redacted>` and keys sorted. */
export function redactConfig(config: DaemonConfig, opts: { keepPositions?: boolean } = {}): unknown {
  return normalise(config, opts.keepPositions ?? false);
}
