// Capture one real VRRP advert off a namespace's raw socket and send it again later, unchanged (replay
// and stale-advert interop tests). IPv4 only; python3's raw sockets, bounded by a timeout.

import type { Netns } from './netns.js';

const CAPTURE = `
import socket, sys, time
src, timeout = sys.argv[1], float(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
s.settimeout(0.2)
end = time.time() + timeout
while time.time() < end:
    try:
        data, addr = s.recvfrom(2048)
    except socket.timeout:
        continue
    if addr[0] == src and len(data) > 20 and data[20 + 2] != 0:
        print(data.hex())
        sys.exit(0)
sys.exit(3)
`;

const SEND = `
import socket, sys
data = bytes.fromhex(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
dst = socket.inet_ntoa(data[16:20])
s.sendto(data, (dst, 0))
`;

/** The next advert (IP header included, priority ≠ 0) that `ns` receives from `src` (bounded by `timeoutMs`). */
export async function captureAdvert(ns: Netns, src: string, timeoutMs = 5_000): Promise<Uint8Array> {
  const r = await ns.exec(['python3', '-c', CAPTURE, src, String(timeoutMs / 1000)], { check: false, timeoutMs: timeoutMs + 5_000 });
  if (r.code !== 0) throw new Error(`no advert from ${src} within ${timeoutMs} ms in ${ns.name}: ${r.stderr}`);
  return Uint8Array.from(Buffer.from(r.stdout.trim(), 'hex'));
}

/** Send an IPv4 packet (its own header, source address as captured) from `ns`. */
export async function sendRawIpv4(ns: Netns, packet: Uint8Array): Promise<void> {
  await ns.exec(['python3', '-c', SEND, Buffer.from(packet).toString('hex')], { timeoutMs: 5_000 });
}
