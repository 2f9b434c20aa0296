// Transport.drainPending() on the UDP transport (issue 8 §2): datagrams that reached the socket while
// the event loop was blocked are handed over before drainPending() resolves — also more than libuv reads
// in one poll phase (32 per socket) — and none without a poll phase. The loop is blocked for real: a
// child process sends the datagrams while execFileSync holds this thread, as SIGSTOP would.
// (The raw transport's drain is a synchronous recvmsg loop; test/interop/vrrp-freeze.test.ts covers it.)

import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { udpTransportOpener } from '../../../../src/edges/transport/udp.js';
import type { ReceivedPacket, Transport } from '../../../../src/edges/transport/types.js';

const PORT = 20_000 + Math.floor(Math.random() * 20_000);
const open = udpTransportOpener({ port: PORT });
const opened: Transport[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

/** Sends `n` datagrams from 127.0.0.5:PORT to `dst`:PORT in a child process; returns once it exited. */
function sendBlocking(dst: string, n: number): void {
  const script = `
    const s = require('node:dgram').createSocket('udp4');
    s.bind(${PORT}, '127.0.0.5', () => {
      let left = ${n};
      const next = () => { if (left-- === 0) return s.close(); s.send(Buffer.from([0x21, left & 0xff]), ${PORT}, '${dst}', next); };
      next();
    });`;
  execFileSync(process.execPath, ['-e', script], { timeout: 10_000, stdio: 'ignore' });
}

describe('UDP transport drainPending', () => {
  it('hands over, before it resolves, every datagram queued while the loop was blocked (100 > one poll phase)', async () => {
    const got: ReceivedPacket[] = [];
    const t = await open({ ifname: 'lo', family: 4, unicastSrc: '127.0.0.4', mcastGroups: [] }, (p) => got.push(p));
    opened.push(t);
    sendBlocking('127.0.0.4', 100);
    // Still in the same turn of the loop: nothing could have been read yet.
    expect(got.length).toBe(0);
    // Called here from a microtask of an I/O callback (the bind): the hard case, see drainPending.
    await t.drainPending();
    expect(got.length).toBe(100);
    expect(got.every((p) => p.src === '127.0.0.5')).toBe(true);
  });

  it('from a timer callback (where the daemon calls it), too', async () => {
    const got: ReceivedPacket[] = [];
    const t = await open({ ifname: 'lo', family: 4, unicastSrc: '127.0.0.4', mcastGroups: [] }, (p) => got.push(p));
    opened.push(t);
    const seen = await new Promise<number[]>((resolve) => {
      setTimeout(() => {
        sendBlocking('127.0.0.4', 40);
        const before = got.length;
        void t.drainPending().then(() => resolve([before, got.length]));
      }, 1);
    });
    expect(seen).toEqual([0, 40]);
  });

  it('resolves when nothing is waiting, and does nothing once closed', async () => {
    const got: ReceivedPacket[] = [];
    const t = await open({ ifname: 'lo', family: 4, unicastSrc: '127.0.0.4', mcastGroups: [] }, (p) => got.push(p));
    opened.push(t);
    await t.drainPending();
    expect(got).toEqual([]);
    await t.close();
    await t.drainPending();
    expect(got).toEqual([]);
  });
});
