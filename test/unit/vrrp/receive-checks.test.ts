// keepalived 2.2.7 vrrp_check_packet(): each check with its verdict, reason, log text and counters,
// and the order between them (reference §2.6).
import { describe, expect, it } from 'vitest';
import { checkAdvert, classifyForDispatch, shouldCheckAddresses, type DispatchCandidate } from '../../../src/vrrp/receive-checks.js';
import { centiseconds, micros } from '../../../src/net/units.js';
import { context, instanceConfig, packet } from './fixtures.js';

const V2 = instanceConfig();
const V2PASS = instanceConfig({ auth: { type: 'PASS', password: 'secret' } });
const V3 = instanceConfig({ version: 3 });
const V3U = instanceConfig({ version: 3, peers: ['10.0.0.2'] });
const pass = { auth: { type: 1 as const, password: 'secret' } };

describe('checkAdvert: accepted', () => {
  it('v2 multicast, no auth', () => {
    expect(checkAdvert(packet({}), context(V2))).toMatchObject({ ok: true, counters: ['advert_rcvd'], advert: { vrid: 51, priority: 100 } });
  });
  it('v2 PASS', () => {
    expect(checkAdvert(packet(pass), context(V2PASS))).toMatchObject({ ok: true });
  });
  it('v3 multicast and unicast', () => {
    expect(checkAdvert(packet({ version: 3 }), context(V3)).ok).toBe(true);
    expect(checkAdvert(packet({ version: 3 }, { dst: '10.0.0.1' }), context(V3U)).ok).toBe(true);
  });
  it('v3 IPv6 (message only, no IP header)', () => {
    const c = instanceConfig({ version: 3, family: 6 });
    expect(checkAdvert(packet({ version: 3, family: 6 }), context(c))).toMatchObject({ ok: true, advert: { addresses: ['2001:db8::100'] } });
  });
  it('check 19: priority 0 is accepted and counted in pri_zero_rcvd', () => {
    expect(checkAdvert(packet({ priority: 0 }), context(V2))).toMatchObject({ ok: true, counters: ['advert_rcvd', 'pri_zero_rcvd'] });
  });
  it('v3: a different advert interval is accepted silently (2.2.7; RFC 5798 lets the backup learn it)', () => {
    expect(checkAdvert(packet({ version: 3, advertInt: centiseconds(50) }), context(V3))).toMatchObject({ ok: true, notes: [] });
  });
  it('UDP mode: no IP header and unknown TTL skip the TTL and total-length checks', () => {
    expect(checkAdvert(packet({}, { udp: true }), context(V2)).ok).toBe(true);
    expect(checkAdvert(packet({ version: 3 }, { udp: true }), context(V3)).ok).toBe(true);
  });
  it('v3_checksum_as_v2: plain checksum accepted in plain mode, rejected in pseudo mode', () => {
    const c = instanceConfig({ version: 3, v3ChecksumAsV2: true });
    const p = packet({ version: 3 }, { mode: 'plain' });
    expect(checkAdvert(p, context(c)).ok).toBe(true);
    expect(checkAdvert(p, context(V3))).toMatchObject({ ok: false, reason: 'chk_err' });
  });
});

// [title, packet, config-context, expected]
const rejects: [string, ReturnType<typeof packet>, ReturnType<typeof context>, Record<string, unknown>][] = [
  ['check 1: AH header but auth type not AH', packet({}, { ahNext: 112 }), context(V2),
    { reason: 'authtype_mismatch', verdict: 'KO', log: '(VI_1) Received AH header but auth type not AH', counters: ['authtype_mismatch'] }],
  ['check 1: no AH header but auth type AH', packet({ auth: { type: 2 } }), context(instanceConfig({ auth: { type: 'AH', password: 'x' } })),
    { reason: 'authtype_mismatch', verdict: 'KO', log: '(VI_1) No AH header but auth type is AH' }],
  ['check 2: too long', packet({}, { extra: 4 }), context(V2),
    { reason: 'packet_len_err', verdict: 'KO', log: '(VI_1) vrrp packet too long, length 44 and expect 40', counters: ['packet_len_err'] }],
  ['check 2: count says more addresses than carried', packet({}, { patch: [[23, 2]] }), context(V2),
    { reason: 'packet_len_err', log: '(VI_1) vrrp packet too short, length 40 and expect 44' }],
  ['check 2 uses the packet version: a v3 packet on a v2 instance is 8 bytes shorter', packet({ version: 3 }), context(V2),
    { reason: 'vers_err' }],
  ['check 3: multicast TTL must be 255', packet({}, { ttl: 254 }), context(V2),
    { reason: 'ip_ttl_err', verdict: 'KO', log: '(VI_1) invalid TTL/HL. Received 254 and expect 255', counters: ['ip_ttl_err'] }],
  ['check 4: version', packet({ version: 3 }), context(instanceConfig({ version: 2 })),
    { reason: 'vers_err', log: '(VI_1) wrong version. Received 3 and expect 2', counters: ['vers_err'] }],
  ['check 6: invalid auth type', packet({}, { patch: [[24, 3]] }), context(V2),
    { reason: 'invalid_authtype', log: '(VI_1) Invalid auth type: 3', counters: ['invalid_authtype'] }],
  ['check 7: auth type mismatch (verified text)', packet({}), context(V2PASS),
    { reason: 'authtype_mismatch', log: '(VI_1) received a 0 auth, expecting 1!', counters: ['authtype_mismatch'] }],
  ['check 8: wrong password (verified text)', packet({ auth: { type: 1, password: 'secreT' } }), context(V2PASS),
    { reason: 'auth_failure', verdict: 'KO', log: '(VI_1) received an invalid passwd!', counters: ['auth_failure'] }],
  ['check 9: AH for another protocol is DROPped', packet({ auth: { type: 2 } }, { ahNext: 6 }), context(instanceConfig({ auth: { type: 'AH', password: 'x' } })),
    { reason: 'ah_unsupported', verdict: 'DROP', counters: [] }],
  ['check 9: AH is recognised but not implemented', packet({ auth: { type: 2 } }, { ahNext: 112 }), context(instanceConfig({ auth: { type: 'AH', password: 'x' } })),
    { reason: 'ah_unsupported', verdict: 'KO', counters: ['auth_failure'] }],
  ['check 10: v2 advert interval mismatch is a DROP with no counter (verified text)', packet({ advertInt: centiseconds(100) }), context(instanceConfig({ advertInt: micros(2_000_000) })),
    { reason: 'advert_interval_mismatch', verdict: 'DROP', log: "(VI_1) advertisement interval mismatch mine=2 sec rcv'd=1 sec", counters: [] }],
  ['check 11: type', packet({ type: 2 }), context(V2),
    { reason: 'invalid_type_rcvd', log: '(VI_1) Invalid packet type. 2 and expect 1', counters: ['invalid_type_rcvd'] }],
  ['check 12: IP total length differs from received length', packet({}, { totalLength: 60 }), context(V2),
    { reason: 'packet_len_err', log: '(VI_1) ip_tot_len mismatch against received length. 60 and received 40' }],
  ['check 13 (havipd): v3 Max Adver Int 0 is invalid (RFC 5798 §5.2.7), no keepalived counter', packet({ version: 3, advertInt: centiseconds(0) }), context(V3),
    { reason: 'advert_interval_invalid', verdict: 'KO', log: "(VI_1) invalid advertisement interval from 10.0.0.2: rcv'd=0 centi-sec, must be 1..4095 - ignoring", counters: [] }],
  ['check 14: v2 checksum', packet({}, { patch: [[27, 0]] }), context(V2),
    { reason: 'chk_err', log: '(VI_1) Invalid VRRPv2 checksum', counters: ['chk_err'] }],
  ['check 14: v3 checksum without pseudo-header is invalid by default', packet({ version: 3 }, { mode: 'plain' }), context(V3),
    { reason: 'chk_err', log: '(VI_1) Invalid VRRPv3 checksum' }],
  ['check 15: multicast packet on a unicast instance', packet({ version: 3 }), context(V3U),
    { reason: 'mcast_unicast_mismatch', log: '(VI_1) Expected unicast packet but received multicast packet', counters: ['addr_list_err'] }],
  ['check 15: unicast packet on a multicast instance', packet({ version: 3 }, { dst: '10.0.0.1' }), context(V3),
    { reason: 'mcast_unicast_mismatch', log: '(VI_1) Expected multicast packet but received unicast packet' }],
  ['check 18: unicast source not a peer', packet({ version: 3 }, { src: '10.0.0.9', dst: '10.0.0.1' }), context(instanceConfig({ version: 3, peers: ['10.0.0.2'], checkUnicastSrc: true })),
    { reason: 'unicast_src_not_peer', verdict: 'KO', log: '(VI_1) unicast source address 10.0.0.9 not a unicast peer', counters: ['advert_rcvd'] }],
  // keepalived 2.4.3 (check_ttl_hl): DROP, with its text; 2.2.7 said KO and 'TTL/HL 60 not in range 64 - 255'.
  ['check 18: peer TTL out of [min_ttl, max_ttl] (DROP in 2.4.3)', packet({ version: 3 }, { dst: '10.0.0.1', ttl: 60 }), context(instanceConfig({ version: 3, peers: [{ address: '10.0.0.2', minTtl: 64 }] })),
    { reason: 'ip_ttl_err', verdict: 'DROP', log: '(VI_1) TTL/HL 60 from 10.0.0.2 not in range [64, 255]', counters: ['advert_rcvd', 'ip_ttl_err'] }],
];

describe('checkAdvert: rejected', () => {
  it.each(rejects)('%s', (_t, p, ctx, want) => {
    expect(checkAdvert(p, ctx)).toMatchObject({ ok: false, ...want });
  });
});

// keepalived 2.3.3+ (RFC 9568 §7.1) deliberately differs from 2.2.7, which rejected these adverts.
describe('checkAdvert: accepted with a warning (keepalived 2.4.3)', () => {
  it('check 17: address count differs: addr_list_err counted, advert accepted', () => {
    const r = checkAdvert(packet({ addresses: ['10.0.0.100', '10.0.0.101'] }), context(V2));
    expect(r).toMatchObject({ ok: true, counters: ['advert_rcvd', 'addr_list_err'], warnings: [{ kind: 'vip_count', log: '(VI_1) expected 1 VIPs but received 2' }] });
  });
  it('check 17: VIP missing: addr_list_err counted, advert accepted', () => {
    const r = checkAdvert(packet({ addresses: ['10.0.0.99'] }), context(V2));
    expect(r).toMatchObject({ ok: true, counters: ['advert_rcvd', 'addr_list_err'], warnings: [{ kind: 'vip_mismatch', log: '(VI_1) ip address associated with VRID 51 not present in advert from 10.0.0.2: 10.0.0.100' }] });
  });
  it('v3 advert interval mismatch: accepted, warned', () => {
    const r = checkAdvert(packet({ version: 3, advertInt: centiseconds(200) }), context(V3));
    expect(r).toMatchObject({ ok: true, warnings: [{ kind: 'advert_interval', log: "(VI_1) advertisement interval mismatch ours = 100 centi-sec rcv'd=200 centi-sec" }] });
  });
  it('a clean advert has no warning', () => {
    expect(checkAdvert(packet({}), context(V2))).toMatchObject({ ok: true, counters: ['advert_rcvd'], warnings: [] });
  });
});

describe('owner_ignore_adverts (keepalived 2.3.3+)', () => {
  const owner = instanceConfig({ priority: 255, ownerIgnoreAdverts: true });
  it('an owner at effective priority 255 drops every advert, before advert_rcvd', () => {
    expect(checkAdvert(packet({}), context(owner))).toMatchObject({ ok: false, reason: 'owner_ignore_adverts', verdict: 'DROP', counters: [], log: '(VI_1) Dropping packet(s) from 10.0.0.2 since we are address owner' });
  });
  it('not while its effective priority is below 255, nor without the flag', () => {
    expect(checkAdvert(packet({}), context(owner, { effectivePriority: 254 })).ok).toBe(true);
    expect(checkAdvert(packet({}), context(instanceConfig({ priority: 255 }))).ok).toBe(true);
  });
});

describe('checkAdvert: order (keepalived 2.2.7)', () => {
  it('length before TTL before version', () => {
    expect(checkAdvert(packet({ version: 3 }, { ttl: 1, extra: 1 }), context(V2))).toMatchObject({ reason: 'packet_len_err' });
    // IPv6: v2 and v3 messages have the same length, so TTL and version can both be wrong.
    const c6 = instanceConfig({ version: 3, family: 6 });
    expect(checkAdvert(packet({ family: 6, version: 2 }, { ttl: 1 }), context(c6))).toMatchObject({ reason: 'ip_ttl_err' });
    expect(checkAdvert(packet({ family: 6, version: 2 }), context(c6))).toMatchObject({ reason: 'vers_err' });
  });
  it('password before advert interval before type', () => {
    const c = instanceConfig({ auth: { type: 'PASS', password: 'secret' }, advertInt: micros(3_000_000) });
    expect(checkAdvert(packet({ type: 2, auth: { type: 1, password: 'bad' } }), context(c))).toMatchObject({ reason: 'auth_failure' });
    expect(checkAdvert(packet({ type: 2, ...pass }), context(c))).toMatchObject({ reason: 'advert_interval_mismatch' });
  });
  it('v3 zero interval after the type, before the checksum (where keepalived 2.4.3 compares the v3 interval)', () => {
    expect(checkAdvert(packet({ version: 3, type: 2, advertInt: centiseconds(0) }), context(V3))).toMatchObject({ reason: 'invalid_type_rcvd' });
    // (2.4.3: a different address count no longer rejects, so the zero interval does.)
    expect(checkAdvert(packet({ version: 3, advertInt: centiseconds(0), addresses: ['10.0.0.100', '10.0.0.1'] }), context(V3))).toMatchObject({ reason: 'advert_interval_invalid' });
    expect(checkAdvert(packet({ version: 3, advertInt: centiseconds(0) }, { mode: 'plain' }), context(V3))).toMatchObject({ reason: 'advert_interval_invalid' });
    // The 4 reserved bits are not part of the interval: rsvd 0xf with interval 0 is still 0.
    expect(checkAdvert(packet({ version: 3, advertInt: centiseconds(0) }, { patch: [[24, 0xf0]] }), context(V3))).toMatchObject({ reason: 'advert_interval_invalid' });
    expect(checkAdvert(packet({ version: 3, advertInt: centiseconds(1) }), context(V3))).toMatchObject({ ok: true });
  });
  it('checksum before the address count (2.4.3; 2.2.7 compared the count first), checksum before multicast check', () => {
    const bad = packet({ addresses: ['10.0.0.100', '10.0.0.1'] }, { patch: [[27, 0]] });
    expect(checkAdvert(bad, context(V2))).toMatchObject({ reason: 'chk_err' });
    expect(checkAdvert(packet({ version: 3 }, { mode: 'plain' }), context(V3U))).toMatchObject({ reason: 'chk_err' });
  });
  it('keepalived-compat: the PASS is read at ip tot_len - 8, before the tot_len check', () => {
    // tot_len 4 bytes too large: 2.2.7 compares the bytes after the password area → auth_failure, not packet_len_err.
    const p = packet(pass, { totalLength: 44 });
    expect(checkAdvert(p, context(V2PASS))).toMatchObject({ reason: 'auth_failure' });
  });
});

describe('skip_check_adv_addr and MASTER', () => {
  const skip = instanceConfig({ skipCheckAdvAddr: true, peers: ['10.0.0.2'], checkUnicastSrc: true, version: 3 });
  const wrongVips = packet({ version: 3, addresses: ['10.0.0.7'] }, { dst: '10.0.0.1' });
  it('BACKUP, same master: VIP list and unicast source are not checked (2.2.7)', () => {
    expect(shouldCheckAddresses(context(skip, { lastMasterAddr: '10.0.0.2' }), '10.0.0.2')).toBe(false);
    expect(checkAdvert(wrongVips, context(skip, { lastMasterAddr: '10.0.0.2' })).ok).toBe(true);
  });
  // 2.4.3: a VIP mismatch is counted and warned about, the advert accepted (2.2.7 rejected it).
  it('BACKUP, new master or none yet: checked', () => {
    expect(checkAdvert(wrongVips, context(skip, { lastMasterAddr: '10.0.0.3' }))).toMatchObject({ ok: true, warnings: [{ kind: 'vip_mismatch' }] });
    expect(checkAdvert(wrongVips, context(skip))).toMatchObject({ ok: true, warnings: [{ kind: 'vip_mismatch' }] });
    expect(checkAdvert(wrongVips, context(skip, { lastMasterAddr: '10.0.0.2' }))).toMatchObject({ ok: true, warnings: [] });
  });
  it('MASTER always checks', () => {
    expect(checkAdvert(wrongVips, context(skip, { state: 'MASTER', lastMasterAddr: '10.0.0.2' }))).toMatchObject({ ok: true, warnings: [{ kind: 'vip_mismatch' }] });
  });
  it('the unicast source is checked even when the VIP check is skipped (2.4.3; 2.2.7 skipped both)', () => {
    const stranger = packet({ version: 3, addresses: ['10.0.0.7'] }, { src: '10.0.0.9', dst: '10.0.0.1' });
    expect(checkAdvert(stranger, context(skip, { lastMasterAddr: '10.0.0.9' }))).toMatchObject({ ok: false, reason: 'unicast_src_not_peer' });
    const ttl = instanceConfig({ skipCheckAdvAddr: true, version: 3, peers: [{ address: '10.0.0.2', minTtl: 64 }] });
    expect(checkAdvert(packet({ version: 3 }, { dst: '10.0.0.1', ttl: 60 }), context(ttl, { lastMasterAddr: '10.0.0.2' }))).toMatchObject({ ok: false, reason: 'ip_ttl_err' });
  });
  it('global vrrp_skip_check_adv_addr and global check_unicast_src count too', () => {
    const c = instanceConfig({ version: 3, peers: ['10.0.0.2'] });
    const g = { checkUnicastSrc: false, skipCheckAdvAddr: true };
    expect(checkAdvert(wrongVips, context(c, { global: g, lastMasterAddr: '10.0.0.2' })).ok).toBe(true);
    const stranger = packet({ version: 3 }, { src: '10.0.0.5', dst: '10.0.0.1' });
    expect(checkAdvert(stranger, context(c)).ok).toBe(true);
    expect(checkAdvert(stranger, context(c, { global: { checkUnicastSrc: true, skipCheckAdvAddr: false } }))).toMatchObject({ reason: 'unicast_src_not_peer' });
  });
});

describe('old_unicast_checksum', () => {
  const old = packet({ version: 3 }, { dst: '10.0.0.1', mode: 'pseudo-mcast' });
  it('auto: detected, switched, and the switch survives a later rejection', () => {
    expect(checkAdvert(old, context(V3U))).toMatchObject({ ok: true, switchChecksumMode: 'pseudo-mcast' });
    // (2.4.3: a VIP mismatch no longer rejects; a unicast source that is not a peer still does.)
    const stranger = packet({ version: 3 }, { src: '10.0.0.9', dst: '10.0.0.1', mode: 'pseudo-mcast' });
    const c = instanceConfig({ version: 3, peers: ['10.0.0.2'], checkUnicastSrc: true });
    expect(checkAdvert(stranger, context(c))).toMatchObject({ ok: false, reason: 'unicast_src_not_peer', switchChecksumMode: 'pseudo-mcast' });
  });
  it('already switched: old packets verify without a new switch, RFC ones fail', () => {
    const r = checkAdvert(old, context(V3U, { checksumMode: 'pseudo-mcast' }));
    expect(r.ok && r.switchChecksumMode).toBe(undefined);
    expect(checkAdvert(packet({ version: 3 }, { dst: '10.0.0.1' }), context(V3U, { checksumMode: 'pseudo-mcast' }))).toMatchObject({ reason: 'chk_err' });
  });
  it('never: no detection', () => {
    const c = instanceConfig({ version: 3, peers: ['10.0.0.2'], oldUnicastChecksum: 'never' });
    expect(checkAdvert(old, context(c))).toMatchObject({ ok: false, reason: 'chk_err' });
  });
  it('uses the global vrrp_mcast_group4', () => {
    const p = packet({ version: 3 }, { dst: '10.0.0.1', mode: 'pseudo-mcast' });
    const g = { checkUnicastSrc: false, skipCheckAdvAddr: false, vrrpMcastGroup4: '224.0.0.99' };
    expect(checkAdvert(p, context(V3U, { global: g }))).toMatchObject({ reason: 'chk_err' });
  });
});

describe('classifyForDispatch', () => {
  const c = (o: Partial<DispatchCandidate>): DispatchCandidate => ({ name: 'VI_1', vrid: 51, state: 'BACKUP', unicast: false, unicastPeers: [], ...o });
  it('too short', () => {
    const p = packet({});
    expect(classifyForDispatch({ ...p, data: p.data.subarray(0, 27) }, [c({})])).toMatchObject({ ok: false, reason: 'too_short', log: 'IPv4 VRRP packet too short - 27 bytes' });
    expect(classifyForDispatch({ ...p, data: p.data.subarray(0, 10) }, [c({})])).toMatchObject({ reason: 'too_short' });
    const ah = packet({ auth: { type: 2 } }, { ahNext: 112 });
    expect(classifyForDispatch({ ...ah, data: ah.data.subarray(0, 50) }, [c({})])).toMatchObject({ reason: 'too_short', log: 'IPv4 VRRP packet with AH too short - 50 bytes' });
    const v6 = packet({ family: 6, version: 3 });
    expect(classifyForDispatch({ ...v6, data: v6.data.subarray(0, 7) }, [c({})])).toMatchObject({ reason: 'too_short', log: 'IPv6 VRRP packet too short - 7 bytes' });
  });
  it('unknown VRID', () => {
    expect(classifyForDispatch(packet({ vrid: 9 }), [c({})])).toMatchObject({ ok: false, reason: 'unknown_vrid', vrid: 9, log: 'Unknown VRID(9) received on interface(eth0). ignoring...' });
  });
  it('INIT and FAULT are not ready', () => {
    expect(classifyForDispatch(packet({}), [c({ state: 'FAULT' })])).toMatchObject({ reason: 'instance_not_ready', index: 0 });
    expect(classifyForDispatch(packet({}), [c({ state: 'INIT' })])).toMatchObject({ reason: 'instance_not_ready' });
    expect(classifyForDispatch(packet({}), [c({ vrid: 50 }), c({ state: 'MASTER' })])).toEqual({ ok: true, index: 1, vrid: 51 });
  });
  it('IPv6 multicast on a unicast instance and the reverse', () => {
    const v6 = packet({ family: 6, version: 3 });
    expect(classifyForDispatch(v6, [c({ unicast: true, unicastPeers: ['fe80::2'] })])).toMatchObject({ reason: 'family_mismatch' });
    expect(classifyForDispatch({ ...v6, dst: 'fe80::1' }, [c({})])).toMatchObject({ reason: 'family_mismatch' });
    expect(classifyForDispatch(v6, [c({})]).ok).toBe(true);
  });
  it('duplicate VRIDs on a unicast socket: chosen by last source, then by peer', () => {
    const p = packet({}, { src: '10.0.0.3', dst: '10.0.0.1' });
    const a = c({ name: 'A', unicast: true, unicastPeers: ['10.0.0.2'] });
    const b = c({ name: 'B', unicast: true, unicastPeers: ['10.0.0.3'] });
    expect(classifyForDispatch(p, [a, b])).toMatchObject({ ok: true, index: 1 });
    expect(classifyForDispatch(p, [{ ...a, lastPacketSrc: '10.0.0.3' }, b])).toMatchObject({ ok: true, index: 0 });
    expect(classifyForDispatch(packet({}, { src: '10.0.0.9', dst: '10.0.0.1' }), [a, b])).toMatchObject({ reason: 'unknown_vrid' });
  });
});
