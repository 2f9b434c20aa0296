// The claim watch's ARP socket (src/edges/arp-watch.ts, the addon's openArp/recvFrame) on a real veth pair:
// its kernel filter passes another host's ARP frames whose sender address is a watched VIP (a GARP, a
// reply) and nothing else — not the host's own frames, not another address, not an ARP probe (sender
// 0.0.0.0); a plan of more than 254 addresses falls back to filtering them in JavaScript, with the same
// result. The watch runs in a node process inside namespace A; B's frames come from a second process.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interopGuard } from '../support/interop-guard.js';
import { createLan, destroyAll, sweepStaleNetns, waitFor, type Lan, type Spawned } from '../support/netns.js';
import { macOf } from '../support/scenario.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const guard = interopGuard([]);
const dist = (p: string): string => JSON.stringify(join(ROOT, 'dist', p));

/** A node process in `ns` that runs `body` (ESM) with `n` (the addon) and `frames` (dist/garp/frames.js) loaded. */
function nodeIn(lan: Lan, side: 'a' | 'b', body: string): Spawned {
  return (side === 'a' ? lan.a : lan.b).spawn(
    [
      process.execPath,
      '--input-type=module',
      '-e',
      `const { loadNative } = await import(${dist('native/index.js')});
       const frames = await import(${dist('garp/frames.js')});
       const n = loadNative();
       ${body}`,
    ],
    { stdin: 'pipe' },
  );
}

describe.skipIf(guard.skip)('claim watch ARP socket: the kernel filter on a veth pair', () => {
  let lan: Lan;
  beforeAll(async () => {
    await sweepStaleNetns();
    lan = await createLan();
  });
  afterAll(() => destroyAll());

  it.each([
    ['by address (kernel filter)', 1],
    ['over 254 addresses (the edge filters)', 300],
  ])('%s: only another host\'s GARP and reply for a watched VIP reach the core', async (_label, extra) => {
    const vip = '10.77.0.100';
    const other = '10.77.0.200';
    const watched = [vip, ...Array.from({ length: extra - 1 }, (_, k) => `10.78.${k >> 8}.${k & 255}`)];
    const watch = nodeIn(
      lan,
      'a',
      `const { createArpWatch } = await import(${dist('edges/arp-watch.js')});
       const w = createArpWatch({ onFrame: (ifname, arp) => console.log(JSON.stringify({ ifname, ...arp })), onError: (ifname, e) => console.log(JSON.stringify({ error: e.message })) });
       w.update(new Map([[${JSON.stringify(lan.ifA)}, ${JSON.stringify(watched)}]]));
       // This host's own GARP for the VIP, sent on the watched interface: never seen.
       const own = n.openPacket(${JSON.stringify(lan.ifA)});
       n.sendFrame(own.fd, frames.buildGarp(n.ifMac(${JSON.stringify(lan.ifA)}), ${JSON.stringify(vip)}));
       console.log('ready');
       process.stdin.once('data', () => { console.log(JSON.stringify({ counters: w.counters })); w.close(); process.exit(0); });`,
    );
    const sender = nodeIn(
      lan,
      'b',
      `const ifn = ${JSON.stringify(lan.ifB)};
       const s = n.openPacket(ifn);
       const mac = n.ifMac(ifn);
       const reply = frames.buildGarp(mac, ${JSON.stringify(vip)}); reply[21] = 2;
       process.stdin.once('data', () => {
         n.sendFrame(s.fd, frames.buildGarp(mac, ${JSON.stringify(other)}));   // another address: filtered
         n.sendFrame(s.fd, frames.buildArpProbe(mac, ${JSON.stringify(vip)})); // a probe (sender 0.0.0.0): filtered
         n.sendFrame(s.fd, frames.buildGarp(mac, ${JSON.stringify(vip)}));    // passes
         n.sendFrame(s.fd, reply);                                            // passes
         console.log('sent'); process.exit(0);
       });
       console.log('ready');`,
    );
    try {
      await waitFor(() => watch.output().includes('ready') && sender.output().includes('ready'), { timeoutMs: 15_000, intervalMs: 20, what: 'both processes ready' });
      sender.child.stdin!.write('go\n');
      await waitFor(() => sender.output().includes('sent'), { timeoutMs: 5_000, intervalMs: 10, what: 'the frames sent' });
      await waitFor(() => watch.output().split('\n').filter((l) => l.startsWith('{"ifname"')).length >= 2, { timeoutMs: 5_000, intervalMs: 10, what: 'two frames seen' });
      // Anything else that was going to arrive has arrived by now (a veth delivers in microseconds).
      await new Promise((r) => setTimeout(r, 300));
      watch.child.stdin!.write('done\n');
      await waitFor(() => watch.output().includes('"counters"'), { timeoutMs: 5_000, intervalMs: 10, what: 'the counters' });
      const lines = watch.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      const seen = lines.filter((l) => 'ifname' in l);
      expect(lines.filter((l) => 'error' in l)).toEqual([]);
      const macB = (await macOf(lan.b, lan.ifB)).toLowerCase();
      expect(seen).toEqual([
        { ifname: lan.ifA, op: 1, senderMac: macB, senderIp: vip, targetIp: vip },
        { ifname: lan.ifA, op: 2, senderMac: macB, senderIp: vip, targetIp: vip },
      ]);
      const counters = (lines.find((l) => 'counters' in l) as { counters: { frames: number; malformed: number; ignored: number } }).counters;
      expect(counters.frames).toBe(2);
      expect(counters.malformed).toBe(0);
      // The kernel filter keeps the other two from the socket; the fallback reads and ignores them.
      expect(counters.ignored).toBe(extra > 254 ? 2 : 0);
    } finally {
      await Promise.all([watch.stop('SIGKILL', 0), sender.stop('SIGKILL', 0)]);
    }
  });
});
