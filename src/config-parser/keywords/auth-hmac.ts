// Keyword table of `auth_hmac { key ID VALUE; active_key ID; anti_replay time|monotonic; time_window S;
// mode enforce|permissive|receive-only }` inside a vrrp_instance (keepalived 2.4, keepalived.conf(5),
// www/docs/articles/vrrp-hmac-authentication.md). VALUE is `hex:HEX`, an ASCII string, or `file:PATH`
// (the file holds a `hex:` line or the ASCII key; trailing CR/LF dropped), 32–64 bytes. Key files are read
// through the parser's ConfigHost. No key value ever appears in a diagnostic.

import { AUTH_HMAC_KEY_MAX, AUTH_HMAC_KEY_MIN, AUTH_HMAC_WINDOW_MAX, AUTH_HMAC_WINDOW_MIN } from '../../vrrp/auth-hmac.js';
import { readInteger } from '../values.js';
import type { AuthHmacDraft, InstanceDraft } from './state.js';
import type { KeywordTable, KwCtx } from './table.js';
import { plain } from './table.js';

export interface AuthHmacBlock {
  readonly instance: InstanceDraft;
  readonly hmac: AuthHmacDraft;
}

/** keepalived `read_hex_str()` for keys: pairs of hex digits, blanks between pairs allowed. undefined = invalid. */
export function decodeHexKey(s: string): Uint8Array | undefined {
  const out: number[] = [];
  const groups = s.split(/[ \t]+/).filter((g) => g.length > 0);
  for (const g of groups) {
    if (!/^[0-9a-fA-F]+$/.test(g) || g.length % 2 !== 0) return undefined;
    for (let i = 0; i < g.length; i += 2) out.push(parseInt(g.slice(i, i + 2), 16));
  }
  return Uint8Array.from(out);
}

/** A key value as keepalived `vrrp_auth_hmac_decode_key()` reads it: `hex:` → bytes, else the ASCII bytes. */
export function decodeKeyValue(v: string): Uint8Array | undefined {
  if (v.startsWith('hex:')) return decodeHexKey(v.slice(4));
  return new TextEncoder().encode(v);
}

/**
 * Largest key file keepalived accepts: it reads into a buffer of `hex:` + 2 digits per byte + 8 slack
 * (140 bytes), at most 139 bytes, and refuses the file unless that read reached end of file: 138 bytes.
 */
const KEY_FILE_MAX = 4 + AUTH_HMAC_KEY_MAX * 2 + 8 - 2;

// havipd: every key problem refuses the configuration (FATAL). keepalived 2.4.3 reports them as
// GENERAL_ERROR, skips the key, and when that leaves `active_key` undefined runs the instance with the
// extension disabled: a typo in a key file would silently turn authentication off.
function refuse(ctx: KwCtx, code: string, message: string, subject: string, tok = 0): void {
  ctx.report('error', code, 'FATAL', message, { tok, subject });
}

/** The key in a key file; `null` when a problem was already reported, undefined for invalid hex. */
function readKeyFile(ctx: KwCtx, b: AuthHmacBlock, id: number, path: string): Uint8Array | undefined | null {
  const name = b.instance.name;
  const host = ctx.env.host;
  if (!host) {
    refuse(ctx, 'auth-hmac-key-file', `(${name}) auth_hmac key ${id}: key file '${path}' cannot be read here`, name, 2);
    return null;
  }
  const st = host.stat(path);
  if (!st.ok || st.kind !== 'file') {
    refuse(ctx, 'auth-hmac-key-file', `(${name}) auth_hmac key file '${path}' cannot be opened (${st.ok ? 'not a regular file' : st.errno})`, name, 2);
    return null;
  }
  const r = host.readFile(path);
  if (!r.ok) {
    refuse(ctx, 'auth-hmac-key-file', `(${name}) auth_hmac key file '${path}' cannot be opened (${r.errno})`, name, 2);
    return null;
  }
  // keepalived-compat: a key file with group or other permission bits is a SECURITY_ERROR (a -t warning).
  // Test: test/unit/config-parser/keywords-auth-hmac.test.ts "a key file readable by group or others is a SECURITY_ERROR warning".
  if (host.groupOtherAccess?.(path) === true) {
    ctx.report('warning', 'auth-hmac-key-file-mode', 'SECURITY_ERROR', `(${name}) auth_hmac key file '${path}' is readable by group or others`, { tok: 2, subject: name });
  }
  if (r.data.length > KEY_FILE_MAX) {
    refuse(ctx, 'auth-hmac-key-file', `(${name}) auth_hmac key file '${path}' is too large`, name, 2);
    return null;
  }
  let n = r.data.length;
  while (n > 0 && (r.data[n - 1] === 0x0a || r.data[n - 1] === 0x0d)) n--;
  const text = new TextDecoder('latin1').decode(r.data.subarray(0, n));
  if (text.startsWith('hex:')) return decodeHexKey(text.slice(4));
  return r.data.slice(0, n);
}

export const authHmacTable: KeywordTable<AuthHmacBlock> = {
  key: plain((b, ctx) => {
    const name = b.instance.name;
    const idText = ctx.arg(1);
    const value = ctx.arg(2);
    if (idText === undefined || value === undefined) {
      refuse(ctx, 'auth-hmac-key-syntax', `(${name}) auth_hmac key needs an id and a value`, name);
      return;
    }
    const idr = readInteger(idText, 1, 255);
    if (idr.value === undefined) {
      refuse(ctx, 'auth-hmac-key-id', `(${name}) auth_hmac key id '${idText}' must be between 1 and 255`, name, 1);
      return;
    }
    const id = idr.value;
    const data = value.startsWith('file:') ? readKeyFile(ctx, b, id, value.slice(5)) : decodeKeyValue(value);
    if (data === null) return;
    const len = data?.length ?? 0;
    if (!data || len < AUTH_HMAC_KEY_MIN || len > AUTH_HMAC_KEY_MAX) {
      refuse(ctx, 'auth-hmac-key-length', `(${name}) auth_hmac key ${id} length ${len} not in range [${AUTH_HMAC_KEY_MIN}, ${AUTH_HMAC_KEY_MAX}]${data ? '' : ' (invalid hex)'}`, name, 2);
      return;
    }
    if (b.hmac.keys.some((k) => k.id === id)) {
      refuse(ctx, 'auth-hmac-key-duplicate', `(${name}) duplicate auth_hmac key id ${id}`, name, 1);
      return;
    }
    b.hmac.keys.push({ id, secret: data });
  }, 0),
  active_key: plain((b, ctx) => {
    const r = readInteger(ctx.arg(1)!, 1, 255);
    if (r.value === undefined) {
      refuse(ctx, 'auth-hmac-active-key', `(${b.instance.name}) auth_hmac active_key '${ctx.arg(1)}' must be between 1 and 255`, b.instance.name, 1);
      return;
    }
    b.hmac.activeKey = r.value;
  }, 1),
  time_window: plain((b, ctx) => {
    const r = readInteger(ctx.arg(1)!, AUTH_HMAC_WINDOW_MIN, AUTH_HMAC_WINDOW_MAX);
    if (r.value === undefined) {
      ctx.report('error', 'auth-hmac-time-window', 'GENERAL_ERROR', `(${b.instance.name}) auth_hmac time_window '${ctx.arg(1)}' must be between ${AUTH_HMAC_WINDOW_MIN} and ${AUTH_HMAC_WINDOW_MAX} seconds`, { tok: 1, subject: b.instance.name });
      return;
    }
    b.hmac.timeWindow = r.value;
  }, 1),
  anti_replay: plain((b, ctx) => {
    const v = ctx.arg(1)!;
    if (v === 'time' || v === 'monotonic') b.hmac.antiReplay = v;
    else ctx.report('error', 'auth-hmac-anti-replay', 'GENERAL_ERROR', `(${b.instance.name}) auth_hmac anti_replay '${v}' must be time or monotonic`, { tok: 1, subject: b.instance.name });
  }, 1),
  mode: plain((b, ctx) => {
    const v = ctx.arg(1)!;
    if (v === 'enforce' || v === 'permissive' || v === 'receive-only') b.hmac.mode = v;
    else ctx.report('error', 'auth-hmac-mode', 'GENERAL_ERROR', `(${b.instance.name}) auth_hmac mode '${v}' must be enforce, permissive or receive-only`, { tok: 1, subject: b.instance.name });
  }, 1),
};

/** Opens the block: a second `auth_hmac` in one instance continues the first (keepalived keeps the first). */
export function openAuthHmac(d: InstanceDraft, ctx: KwCtx): AuthHmacBlock {
  d.authHmac ??= { pos: ctx.line.pos, keys: [], mode: 'enforce', antiReplay: 'time' };
  return { instance: d, hmac: d.authHmac };
}
