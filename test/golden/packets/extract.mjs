// Turns a tcpdump capture of keepalived adverts (capture.sh) into golden vectors, one JSON file per
// packet kind. Plain Node, no dependencies; not run by the tests.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [pcapPath, outDir] = process.argv.slice(2);
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

// What each VRID of capture.sh's keepalived.conf is.
const KINDS = {
  51: { name: 'v2-mcast-pass', what: 'VRRPv2 multicast, auth PASS "secret", 1 VIP', auth: { type: 1, password: 'secret' }, mode: 'plain' },
  52: { name: 'v3-mcast-half-second', what: 'VRRPv3 multicast, advert_int 0.5 s, 2 VIPs', mode: 'pseudo' },
  53: { name: 'v2-unicast', what: 'VRRPv2 unicast to one peer, no auth (8 zero auth bytes), TTL 255', mode: 'plain' },
  54: { name: 'v3-unicast', what: 'VRRPv3 unicast to one peer', mode: 'pseudo' },
  55: { name: 'v3-unicast-2peers', what: 'VRRPv3 unicast to two peers (one copy per peer, checksum per destination)', mode: 'pseudo' },
  56: { name: 'v3-unicast-old-checksum', what: 'VRRPv3 unicast with old_unicast_checksum (pseudo-header uses 224.0.0.18)', mode: 'pseudo-mcast' },
  60: { name: 'v3-ipv6', what: 'VRRPv3 over IPv6 multicast, 2 VIPs (link-local and global)', mode: 'pseudo' },
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
    const vr = p.subarray(ihl, tot);
    v = { family: 4, src: ip4(p, 12), dst: ip4(p, 16), ttl: p[8], ipId: p.readUInt16BE(4), ipHeader: hex(p.subarray(0, ihl)), vrrp: vr };
  } else if (etype === 0x86dd) {
    const plen = p.readUInt16BE(4);
    const vr = p.subarray(40, 40 + plen);
    const tclass = ((p.readUInt32BE(0) >>> 20) & 0xff);
    v = { family: 6, src: ip6(p, 8), dst: ip6(p, 24), ttl: p[7], trafficClass: tclass, vrrp: vr };
  } else continue;
  const vrid = v.vrrp[1];
  const kind = KINDS[vrid];
  if (!kind) continue;
  const prio = v.vrrp[2];
  const key = `${vrid}/${prio === 0 ? 'stop' : 'run'}/${v.dst}`;
  if (seen.has(key)) continue;
  seen.add(key);
  const version = v.vrrp[0] >> 4;
  const n = v.vrrp[3];
  const step = v.family === 4 ? 4 : 16;
  const addresses = [];
  for (let i = 0; i < n; i++) addresses.push(v.family === 4 ? ip4(v.vrrp, 8 + i * step) : ip6(v.vrrp, 8 + i * step));
  const advertIntCs = version === 2 ? v.vrrp[5] * 100 : v.vrrp.readUInt16BE(4) & 0xfff;
  const suffix = prio === 0 ? '-priority0-shutdown' : '';
  const peerSuffix = vrid === 55 ? `-to-${v.dst.replace(/\./g, '-')}` : '';
  out.push({
    file: `${kind.name}${suffix}${peerSuffix}.json`,
    body: {
      what: `${kind.what}${prio === 0 ? '; priority 0 advert sent at shutdown (SIGTERM)' : ''}`,
      source: 'captured from keepalived 2.2.7 by test/golden/packets/capture.sh',
      family: v.family,
      version,
      src: v.src,
      dst: v.dst,
      checksumMode: kind.mode,
      ttl: v.ttl,
      ...(v.family === 4 ? { ipId: v.ipId, ipHeader: v.ipHeader } : { trafficClass: v.trafficClass }),
      vrid,
      priority: prio,
      advertIntCs,
      addresses,
      ...(kind.auth ? { auth: kind.auth } : {}),
      vrrp: hex(v.vrrp),
    },
  });
}
for (const o of out) writeFileSync(join(outDir, o.file), JSON.stringify(o.body, null, 2) + '\n');
console.log(`wrote ${out.length} vectors: ${out.map((o) => o.file).join(', ')}`);
