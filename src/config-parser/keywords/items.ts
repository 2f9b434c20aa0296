// Value-block item parsers: virtual_ipaddress / static_ipaddress items, unicast_peer items and track_* items
// (reference §1.9.3). Addresses are parsed with the `ip-address` package and stored in canonical text.

import { Address6 } from 'ip-address';
import { readInteger } from '../values.js';
import type { Family, UnicastPeer, VipConfig } from '../types.js';
import type { KwCtx } from './table.js';
import type { TrackDraft } from './state.js';

export interface ParsedAddress {
  readonly address: string;
  readonly family: Family;
  /** Prefix length if one was written. */
  readonly prefix: number | undefined;
}

/**
 * A dotted quad as `ip-address`'s Address4 accepts one (four groups 0–255, no leading zeros), which is then
 * its own canonical text. Matched directly: constructing Address4 twice per address was a tenth of a cold
 * `-t` on 255 instances. Test: test/unit/config-parser/items-ipv4.test.ts (agrees with Address4).
 */
const IPV4_DOTTED_QUAD = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;

/** Parses `ADDR` or `ADDR/LEN` (IPv4 dotted quad or IPv6); canonical text; undefined when invalid. */
export function parseAddress(text: string): ParsedAddress | undefined {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const lenText = slash < 0 ? undefined : text.slice(slash + 1);
  let prefix: number | undefined;
  if (lenText !== undefined) {
    if (!/^[0-9]{1,3}$/.test(lenText)) return undefined;
    prefix = Number(lenText);
  }
  if (IPV4_DOTTED_QUAD.test(addr)) {
    if (prefix !== undefined && prefix > 32) return undefined;
    return { address: addr, family: 4, prefix };
  }
  if (addr.includes(':') && !addr.includes('%') && Address6.isValid(addr)) {
    if (prefix !== undefined && prefix > 128) return undefined;
    return { address: new Address6(addr).correctForm(), family: 6, prefix };
  }
  return undefined;
}

export function isMulticast(a: ParsedAddress): boolean {
  if (a.family === 4) return Number(a.address.split('.')[0]) >= 224 && Number(a.address.split('.')[0]) <= 239;
  return a.address.startsWith('ff');
}

const SCOPES = new Set(['site', 'link', 'host', 'nowhere', 'global']);
const FLAG_OPTIONS = new Set(['home', '-nodad', 'mngtmpaddr', 'noprefixroute', 'autojoin', 'no_track', 'use_vmac']);

/**
 * Parses one VIP / eVIP / static address item: `ADDR[/LEN] [brd X] [dev IF] [scope S] [label L] [peer A] [home]
 * [-nodad] [mngtmpaddr] [noprefixroute] [autojoin] [no_track] [use_vmac] [preferred_lft N|forever]`.
 * Returns undefined (after reporting) when the address itself is invalid; bad options are reported and dropped.
 */
export function parseVipItem(ctx: KwCtx, subject: string | undefined, isStatic: boolean): VipConfig | undefined {
  const text = ctx.arg(0)!;
  let parsed = parseAddress(text);
  const slash = text.indexOf('/');
  if (!parsed && slash > 0) {
    // keepalived-compat: a bad prefix length is reported and the full length used.
    // Test: test/unit/config-parser/keepalived-compat.test.ts "a VIP with a bad prefix length is reported and gets the full length".
    const bare = parseAddress(text.slice(0, slash));
    if (bare) {
      const max = bare.family === 4 ? 32 : 128;
      ctx.report('error', 'invalid-prefix', 'GENERAL_ERROR', `invalid prefix length '${text.slice(slash + 1)}' for ${text.slice(0, slash)} (expected 0..${max}); using /${max}`, { subject });
      parsed = { ...bare, prefix: max };
    }
  }
  if (!parsed) {
    ctx.report('error', 'invalid-address', 'GENERAL_ERROR', `'${text}' is not an IP address (expected ADDR or ADDR/PREFIX, IPv4 or IPv6); item ignored`, { subject });
    return undefined;
  }
  const vip: {
    -readonly [K in keyof VipConfig]: VipConfig[K];
  } = {
    address: parsed.address, family: parsed.family, prefix: parsed.prefix ?? (parsed.family === 4 ? 32 : 128),
    home: false, nodad: parsed.family === 6, mngtmpaddr: false, noprefixroute: false, autojoin: false, noTrack: false,
    useVmac: false, raw: ctx.tokens.map((t) => t.text).join(' '), pos: ctx.at(0),
  };
  const n = ctx.tokens.length;
  for (let i = 1; i < n; i++) {
    const opt = ctx.arg(i)!;
    if (FLAG_OPTIONS.has(opt) && !(isStatic && opt === 'use_vmac')) {
      if (opt === 'home') vip.home = true;
      else if (opt === '-nodad') vip.nodad = false;
      else if (opt === 'mngtmpaddr') vip.mngtmpaddr = true;
      else if (opt === 'noprefixroute') vip.noprefixroute = true;
      else if (opt === 'autojoin') vip.autojoin = true;
      else if (opt === 'no_track') vip.noTrack = true;
      else vip.useVmac = true;
      continue;
    }
    const takesValue = ['dev', 'scope', 'broadcast', 'brd', 'label', 'peer', 'preferred_lft', ...(isStatic ? ['track_group'] : [])];
    if (!takesValue.includes(opt)) {
      ctx.report('error', 'unknown-address-option', 'GENERAL_ERROR', `unknown option '${opt}' for address ${text} - ignored (expected dev, scope, brd, label, peer, home, -nodad, mngtmpaddr, noprefixroute, autojoin, no_track, preferred_lft${isStatic ? ', track_group' : ', use_vmac'})`, { tok: i, subject });
      continue;
    }
    const val = ctx.arg(i + 1);
    if (val === undefined) {
      ctx.report('error', 'address-option-missing-value', 'GENERAL_ERROR', `'${opt}' needs a value after it for address ${text}`, { tok: i, subject });
      break;
    }
    i++;
    if (opt === 'track_group') {
      if (vip.trackGroup !== undefined) {
        ctx.report('error', 'duplicate-option', 'GENERAL_ERROR', `track_group ${val} is a duplicate for ${text}`, { tok: i, subject });
        break;
      }
      // keepalived-compat: the track_group must be defined before the static item that names it.
      // Test: test/unit/config-parser/keywords-root-blocks.test.ts "static address naming an unknown group".
      if (ctx.env.root.trackGroups.has(val)) vip.trackGroup = val;
      else ctx.report('error', 'unknown-track-group', 'GENERAL_ERROR', `track_group ${val} not found (a track_group block must come before the static address that names it)`, { tok: i, subject });
    } else if (opt === 'dev') {
      if (vip.dev !== undefined) ctx.report('error', 'duplicate-option', 'GENERAL_ERROR', `'dev' given more than once for ${text}`, { tok: i, subject });
      else {
        vip.dev = val;
        const host = ctx.env.hostInterfaces;
        if (host && !host.includes(val) && !ctx.env.root.global.dynamicInterfaces) {
          ctx.report('error', 'unknown-interface', 'GENERAL_ERROR', `interface ${val} for address ${text} does not exist on this host`, { tok: i, subject });
        }
      }
    } else if (opt === 'scope') {
      if (SCOPES.has(val) || /^[0-9]+$/.test(val)) {
        if (parsed.family === 6) ctx.report('error', 'ipv6-scope', 'GENERAL_ERROR', `a scope cannot be given for the IPv6 address ${text} - ignored`, { tok: i, subject });
        else vip.scope = val;
      } else ctx.report('error', 'invalid-scope', 'GENERAL_ERROR', `invalid scope '${val}' for ${text} (expected site, link, host, nowhere, global or a number) - ignored`, { tok: i, subject });
    } else if (opt === 'brd' || opt === 'broadcast') {
      if (parsed.family === 6) ctx.report('error', 'ipv6-broadcast', 'GENERAL_ERROR', `a broadcast address cannot be given for the IPv6 address ${text} - ignored`, { tok: i, subject });
      else if (val === '+' || val === '-') vip.broadcast = val;
      else {
        const b = parseAddress(val);
        if (b && b.family === 4 && b.prefix === undefined) vip.broadcast = b.address;
        else ctx.report('error', 'invalid-broadcast', 'GENERAL_ERROR', `invalid broadcast '${val}' for ${text} (expected an IPv4 address, + or -) - ignored`, { tok: i, subject });
      }
    } else if (opt === 'label') {
      if (val.length > 15) {
        ctx.report('error', 'label-too-long', 'GENERAL_ERROR', `address label ${val} is longer than 15 characters - address ${text} removed`, { tok: i, subject });
        return undefined;
      }
      if (parsed.family === 6) ctx.report('error', 'ipv6-label', 'GENERAL_ERROR', `a label cannot be given for the IPv6 address ${text} - ignored`, { tok: i, subject });
      else vip.label = val;
    } else if (opt === 'peer') {
      const p = parseAddress(val);
      if (vip.peer !== undefined) ctx.report('error', 'duplicate-option', 'GENERAL_ERROR', `peer ${val}: another peer was already given for ${text}`, { tok: i, subject });
      else if (!p) ctx.report('error', 'invalid-address', 'GENERAL_ERROR', `invalid peer address ${val}`, { tok: i, subject });
      else if (p.family !== parsed.family) ctx.report('error', 'family-mismatch', 'GENERAL_ERROR', `peer address ${val} is not of the family of ${text}`, { tok: i, subject });
      else vip.peer = p.address;
    } else if (opt === 'preferred_lft') {
      if (val === 'forever' || readInteger(val, 0, 0xffffffff, true).value !== undefined) vip.preferredLft = val;
      else ctx.report('error', 'invalid-number', 'GENERAL_ERROR', `preferred_lft ${val} is invalid (expected a number of seconds or 'forever')`, { tok: i, subject });
    }
  }
  if (vip.peer !== undefined && vip.broadcast !== undefined) {
    ctx.report('error', 'broadcast-with-peer', 'GENERAL_ERROR', `a broadcast and a peer address cannot both be given for ${text} - broadcast ignored`, { subject });
    delete vip.broadcast;
  }
  return vip;
}

/** `ADDR [min_ttl N] [max_ttl N]` in unicast_peer. */
export function parseUnicastPeerItem(ctx: KwCtx, subject: string): UnicastPeer | undefined {
  const text = ctx.arg(0)!;
  const a = parseAddress(text);
  if (!a || a.prefix !== undefined) {
    ctx.report('error', 'invalid-address', 'GENERAL_ERROR', `unicast_peer '${text}' is not an IP address - ignored`, { subject });
    return undefined;
  }
  const peer: { address: string; minTtl?: number; maxTtl?: number } = { address: a.address };
  for (let i = 1; i < ctx.tokens.length; i++) {
    const opt = ctx.arg(i)!;
    if (opt !== 'min_ttl' && opt !== 'max_ttl') {
      ctx.report('error', 'unknown-peer-option', 'GENERAL_ERROR', `unknown unicast_peer option '${opt}' (expected min_ttl N or max_ttl N)`, { tok: i, subject });
      continue;
    }
    const v = ctx.arg(i + 1);
    if (v === undefined) {
      ctx.report('error', 'peer-option-missing-value', 'GENERAL_ERROR', `'${opt}' needs a value (0..255)`, { tok: i, subject });
      break;
    }
    i++;
    const r = readInteger(v, 0, 255, true);
    if (r.value === undefined) ctx.report('error', r.problem!.code, 'GENERAL_ERROR', `${opt}: ${r.problem!.message}`, { tok: i, subject });
    else if (opt === 'min_ttl') peer.minTtl = r.value;
    else peer.maxTtl = r.value;
  }
  if (peer.minTtl !== undefined && peer.maxTtl !== undefined && peer.minTtl > peer.maxTtl) {
    ctx.report('error', 'ttl-range-empty', 'GENERAL_ERROR', `min_ttl ${peer.minTtl} > max_ttl ${peer.maxTtl}: every advert from ${text} will be discarded`, { subject });
  }
  return peer;
}

/**
 * `NAME [weight W [reverse|noreverse]]` in track_interface / track_script / track_file.
 * `weightRange`: ±254 for interface/file (±254 coerced to ±253 for interfaces), ±253 for scripts.
 */
export function parseTrackItem(
  ctx: KwCtx, subject: string, what: 'track_interface' | 'track_script' | 'track_file' | 'track_process', allowNoreverse: boolean,
): TrackDraft | undefined {
  const name = ctx.arg(0)!;
  let weight: number | undefined;
  let reverse = false;
  let i = 1;
  if (ctx.arg(1) !== undefined) {
    if (ctx.arg(1) !== 'weight') {
      ctx.report('error', 'unknown-track-option', 'GENERAL_ERROR', `unknown ${what} option '${ctx.arg(1)}' for ${name} (expected 'weight W [reverse]') - ignored`, { tok: 1, subject });
      return what === 'track_process' ? undefined : { name, weight, reverse, pos: ctx.at(0) };
    }
    const w = ctx.arg(2);
    if (w === undefined) {
      ctx.report('error', 'weight-missing-value', 'GENERAL_ERROR', `${what} ${name}: 'weight' needs a value`, { tok: 1, subject });
      return what === 'track_script' || what === 'track_process' ? undefined : { name, weight, reverse, pos: ctx.at(0) };
    }
    const max = what === 'track_script' ? 253 : 254;
    const r = readInteger(w, -max, max);
    if (r.value === undefined) {
      ctx.report('error', 'weight-out-of-range', 'GENERAL_ERROR', `${what} ${name}: weight ${w} must be an integer in [-${max}, ${max}] - ignored`, { tok: 2, subject });
      if (what === 'track_process') return { name, weight: undefined, reverse, pos: ctx.at(0) }; // the process's own weight
      return what === 'track_file' ? undefined : { name, weight, reverse, pos: ctx.at(0) };
    }
    weight = r.value;
    if (what === 'track_interface' && (weight === 254 || weight === -254)) {
      ctx.report('error', 'weight-254', 'GENERAL_ERROR', `weight for ${name} cannot be +/-254; set to ${weight > 0 ? 253 : -253}`, { tok: 2, subject });
      weight = weight > 0 ? 253 : -253;
    }
    i = 3;
    const o = ctx.arg(i);
    if (o === 'reverse') reverse = true;
    else if (o === 'noreverse' && allowNoreverse) reverse = false;
    if (o === 'reverse' || (o === 'noreverse' && allowNoreverse)) return { name, weight, reverse, reverseGiven: true, pos: ctx.at(0) };
    else if (o !== undefined) ctx.report('error', 'unknown-track-option', 'GENERAL_ERROR', `unknown ${what} weight option '${o}' for ${name} (expected 'reverse')`, { tok: i, subject });
  }
  return { name, weight, reverse, pos: ctx.at(0) };
}

/**
 * A `track_process` item: `NAME [weight W [reverse|noreverse]]`, NAME resolved against the vrrp_track_process
 * blocks defined so far (keepalived-compat: defined-before-use, vrrp_track.c alloc_track_process).
 * Test: test/unit/config-parser/keywords-track-process.test.ts "a reference before the definition is not found (defined-before-use)".
 */
export function trackProcessItem(ctx: KwCtx, subject: string, where: 'instance' | 'sync group'): TrackDraft | undefined {
  const name = ctx.arg(0)!;
  if (!ctx.env.root.trackProcesses.some((p) => p.name === name)) {
    ctx.report('error', 'unknown-track-process', 'GENERAL_ERROR', `track process ${name} is not defined (a vrrp_track_process must come before the ${where} that tracks it) - ignored`, { subject });
    return undefined;
  }
  return parseTrackItem(ctx, subject, 'track_process', true);
}
