// Turns a tcpdump capture of keepalived 2.4.3 auth_hmac adverts (capture-auth-hmac.sh) into golden vectors,
// one JSON file per VRID, priority (running / priority 0 at shutdown) and destination. Plain Node; not run
// by the tests. The vectors carry the test keys they were signed with (never real secrets).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [pcapPath, outDir, version, hexKey, asciiKey] = process.argv.slice(2);
const buf = readFileSync(pcapPath);
const le = buf.readUInt32LE(0) === 0xa1b2c3d4;
const u32 = (o) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
const hex = (b) => Buffer.from(b).toString('hex');
const ip4 = (b, o) => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
function ip6(b, o) {
  const g = [];
  for (let i = 0; i < 8; i++) g.push(b.readUInt16BE(o + 2 * i));
  let bs = -1, bl = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i; while (j < 8 && g[j] === 0) j++;
    if (j - i > bl) { bs = i; bl = j - i; }
    i = j;
  }
  const h = (xs) => xs.map((x) => x.toString(16)).join(':');
  return bl < 2 ? h(g) : `${h(g.slice(0, bs))}::${h(g.slice(bs + bl))}`;
}
const keys = { 1: { value: `hex:${hexKey}` }, 7: { value: asciiKey } };
const KINDS = {
  71: { name: 'v2-mcast', what: 'VRRPv2 multicast, auth_hmac enforce, key 1 (hex:)', mode: 'plain', hmacMode: 'enforce' },
  72: { name: 'v3-mcast-half-second', what: 'VRRPv3 multicast, advert_int 0.5 s, 2 VIPs, auth_hmac permissive, key 7 (ASCII)', mode: 'pseudo', hmacMode: 'permissive' },
  73: { name: 'v2-unicast', what: 'VRRPv2 unicast to one peer, auth_hmac enforce, key 1', mode: 'plain', hmacMode: 'enforce' },
  74: { name: 'v3-unicast-2peers', what: 'VRRPv3 unicast to two peers (same trailer on both copies), key 1', mode: 'pseudo', hmacMode: 'enforce' },
  75: { name: 'v3-ipv6', what: 'VRRPv3 over IPv6 multicast, 2 VIPs, key 7 (ASCII)', mode: 'pseudo', hmacMode: 'enforce' },
  76: { name: 'v3-ipv6-unicast', what: 'VRRPv3 over IPv6 unicast, key 1', mode: 'pseudo', hmacMode: 'enforce' },
};

const seen = new Set();
const out = [];
let off = 24;
while (off + 16 <= buf.length) {
  const incl = u32(off + 8);
  const frame = buf.subarray(off + 16, off + 16 + incl);
  off += 16 + incl;
  const etype = frame.readUInt16BE(12);
  const p = frame.subarray(14);
  let v;
  if (etype === 0x0800) {
    const ihl = (p[0] & 0x0f) * 4;
    const tot = p.readUInt16BE(2);
    v = { family: 4, src: ip4(p, 12), dst: ip4(p, 16), ttl: p[8], ipHeader: hex(p.subarray(0, ihl)), vrrp: p.subarray(ihl, tot) };
  } else if (etype === 0x86dd) {
    const plen = p.readUInt16BE(4);
    v = { family: 6, src: ip6(p, 8), dst: ip6(p, 24), ttl: p[7], vrrp: p.subarray(40, 40 + plen) };
  } else continue;
  const vrid = v.vrrp[1];
  const kind = KINDS[vrid];
  if (!kind) continue;
  const prio = v.vrrp[2];
  const id = `${vrid}/${prio === 0 ? 'stop' : 'run'}/${v.dst}`;
  if (seen.has(id)) continue;
  seen.add(id);
  const ver = v.vrrp[0] >> 4;
  const n = v.vrrp[3];
  const step = v.family === 4 ? 4 : 16;
  const addresses = [];
  for (let i = 0; i < n; i++) addresses.push(v.family === 4 ? ip4(v.vrrp, 8 + i * step) : ip6(v.vrrp, 8 + i * step));
  const advertIntCs = ver === 2 ? v.vrrp[5] * 100 : v.vrrp.readUInt16BE(4) & 0xfff;
  const t = v.vrrp.subarray(v.vrrp.length - 28);
  const keyId = t[1];
  const suffix = prio === 0 ? '-priority0-shutdown' : '';
  const peerSuffix = vrid === 74 ? `-to-${v.dst.replace(/\./g, '-')}` : '';
  out.push({
    file: `auth-hmac-${kind.name}${suffix}${peerSuffix}.json`,
    body: {
      what: `${kind.what}${prio === 0 ? '; priority 0 advert sent at shutdown (SIGTERM)' : ''}`,
      source: `captured from ${version} by test/golden/packets/capture-auth-hmac.sh`,
      family: v.family,
      version: ver,
      src: v.src,
      dst: v.dst,
      checksumMode: kind.mode,
      ttl: v.ttl,
      ...(v.family === 4 ? { ipHeader: v.ipHeader } : {}),
      vrid,
      priority: prio,
      advertIntCs,
      addresses,
      authHmac: { mode: kind.hmacMode, keyId, key: keys[keyId].value, sec: t.readUInt32BE(4), subsec: t.readUInt16BE(8), ctr: t.readUInt16BE(10) },
      vrrp: hex(v.vrrp),
    },
  });
}
for (const o of out) writeFileSync(join(outDir, o.file), JSON.stringify(o.body, null, 2) + '\n');
console.log(`wrote ${out.length} vectors: ${out.map((o) => o.file).join(', ')}`);
