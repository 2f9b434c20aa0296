// Replay a real VRRP advert on the wire, unchanged (replay and stale-advert interop tests): one python3
// process in the sender's namespace captures the next advert `src` sends on `ifname` (AF_PACKET sees
// outgoing frames), sends the same Ethernet frame again at once, and once more `laterS` seconds later.
// IPv4 only; bounded by timeouts.

import type { Netns } from './netns.js';

const REPLAY = `
import socket, sys, time
ifname, src, timeout, later = sys.argv[1], socket.inet_aton(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((ifname, 0))
s.settimeout(0.2)
end = time.time() + timeout
frame = None
while frame is None and time.time() < end:
    try:
        data = s.recv(2048)
    except socket.timeout:
        continue
    if len(data) > 14 + 20 + 8 and data[12:14] == b'\\x08\\x00' and data[14 + 9] == 112 and data[14 + 12:14 + 16] == src and data[14 + 20 + 2] != 0:
        frame = data
if frame is None:
    sys.exit(3)
s.send(frame)
print('replayed', flush=True)
time.sleep(later)
s.send(frame)
print('resent', flush=True)
`;

/**
 * In `ns`, capture the next advert (priority ≠ 0) `src` sends on `ifname`, replay it at once, and send it
 * again `laterS` seconds later. Resolves when done; rejects when no advert came within `timeoutMs`.
 */
export async function replayAdvert(ns: Netns, ifname: string, src: string, laterS: number, timeoutMs = 5_000): Promise<void> {
  const r = await ns.exec(['python3', '-c', REPLAY, ifname, src, String(timeoutMs / 1000), String(laterS)], {
    check: false,
    timeoutMs: timeoutMs + laterS * 1000 + 10_000,
  });
  if (r.code !== 0 || !r.stdout.includes('resent')) throw new Error(`replay of an advert from ${src} on ${ns.name}/${ifname} failed (${r.code}): ${r.stdout}${r.stderr}`);
}
