// UDP transport (src/edges/transport/udp.ts, `--transport udp`) on this host's loopback, unprivileged:
// unicast between two routers on 127.0.0.x, IPv4 multicast on lo through the group socket with the
// router's own looped-back adverts filtered, ttl undefined on receive, and errors as HavipdError with
// errno (bind EADDRNOTAVAIL / EADDRINUSE, send EACCES → HAVIPD_NO_PRIVILEGE, EINVAL, closed → EBADF).

import { afterEach, describe, expect, it } from 'vitest';
import { HavipdError } from '../../../../src/errors.js';
import { udpTransportOpener } from '../../../../src/edges/transport/udp.js';
import type { ReceivedPacket, SendOptions, Transport } from '../../../../src/edges/transport/types.js';

// A port of its own per test file run (other suites on this machine use 15112 and friends).
const PORT = 20_000 + Math.floor(Math.random() * 20_000);
const open = udpTransportOpener({ port: PORT });
const opened: Transport[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

async function router(src: string, mcastGroups: string[] = [], family: 4 | 6 = 4): Promise<{ t: Transport; got: ReceivedPacket[] }> {
  const got: ReceivedPacket[] = [];
  const t = await open({ ifname: 'lo', family, unicastSrc: src, mcastGroups }, (p) => got.push(p));
  opened.push(t);
  return { t, got };
}

const sendOpts = (dst: string, over: Partial<SendOptions> = {}): SendOptions => ({ src: undefined, dst, ttl: 255, ifname: 'lo', family: 4, ...over });
const until = async (f: () => boolean, ms = 2000): Promise<void> => {
  for (let i = 0; i < ms / 10 && !f(); i++) await new Promise((r) => setTimeout(r, 10));
};
async function rejection(p: Promise<unknown>): Promise<HavipdError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HavipdError);
  return err as HavipdError;
}

describe('UDP transport', () => {
  it('unicast between 127.0.0.2 and 127.0.0.3: payload, src, dst, ttl undefined, no IP header', async () => {
    const a = await router('127.0.0.2');
    const b = await router('127.0.0.3');
    await a.t.send(Uint8Array.of(0x31, 1, 2, 3), sendOpts('127.0.0.3', { src: '127.0.0.2' }));
    await until(() => b.got.length > 0);
    expect(b.got).toEqual([{ family: 4, ifname: 'lo', src: '127.0.0.2', dst: '127.0.0.3', ttl: undefined, data: Uint8Array.of(0x31, 1, 2, 3), hasIpHeader: false }]);
    expect(a.got).toEqual([]);
  });

  it('IPv4 multicast on lo through the group socket; a router never receives its own adverts', async () => {
    const a = await router('127.0.0.2', ['224.0.0.18']);
    const b = await router('127.0.0.3', ['224.0.0.18']);
    await a.t.send(Uint8Array.of(0x31, 9), sendOpts('224.0.0.18'));
    await until(() => b.got.length > 0);
    await new Promise((r) => setTimeout(r, 50)); // time for a's own looped-back copy, if it were let through
    expect(b.got.map((p) => [p.src, p.dst, p.ttl])).toEqual([['127.0.0.2', '224.0.0.18', undefined]]);
    expect(a.got).toEqual([]);
    // leave: b no longer hears the group; join again: it does
    await b.t.leave('224.0.0.18');
    await a.t.send(Uint8Array.of(0x31, 10), sendOpts('224.0.0.18'));
    await new Promise((r) => setTimeout(r, 100));
    expect(b.got).toHaveLength(1);
    await b.t.join('224.0.0.18');
    await a.t.send(Uint8Array.of(0x31, 11), sendOpts('224.0.0.18'));
    await until(() => b.got.length > 1);
    expect(b.got.map((p) => p.data[1])).toEqual([9, 11]);
  });

  it('bind errors carry errno: EADDRNOTAVAIL (not a local address), EADDRINUSE (exclusive)', async () => {
    const e1 = await rejection(open({ ifname: 'lo', family: 4, unicastSrc: '192.0.2.1', mcastGroups: [] }, () => {}));
    expect([e1.code, e1.errno]).toEqual(['HAVIPD_SOCKET', 'EADDRNOTAVAIL']);
    expect(e1.message).toMatch(/^bind UDP 192\.0\.2\.1:\d+: /);
    await router('127.0.0.4');
    const e2 = await rejection(open({ ifname: 'lo', family: 4, unicastSrc: '127.0.0.4', mcastGroups: [] }, () => {}));
    expect([e2.code, e2.errno]).toEqual(['HAVIPD_SOCKET', 'EADDRINUSE']);
    const e3 = await rejection(open({ ifname: 'lo', family: 4, unicastSrc: undefined, mcastGroups: [] }, () => {}));
    expect(e3.errno).toBe('EINVAL');
  });

  it('send errors keep errno: EACCES (broadcast) is HAVIPD_NO_PRIVILEGE, EINVAL, wrong source, closed', async () => {
    const a = await router('127.0.0.2');
    const e1 = await rejection(a.t.send(Uint8Array.of(1), sendOpts('255.255.255.255')));
    expect([e1.code, e1.errno]).toEqual(['HAVIPD_NO_PRIVILEGE', 'EACCES']);
    expect(e1.message).toBe(`send to 255.255.255.255:${PORT}: send EACCES 255.255.255.255:${PORT}`);
    // Off-loopback destination from a 127/8 source: EINVAL from the kernel.
    const e2 = await rejection(a.t.send(Uint8Array.of(1), sendOpts('192.0.2.1')));
    expect([e2.code, e2.errno]).toEqual(['HAVIPD_SOCKET', 'EINVAL']);
    // The socket stays usable after a failed send (no error latched for the next one).
    const b = await router('127.0.0.3');
    await a.t.send(Uint8Array.of(2), sendOpts('127.0.0.3'));
    await until(() => b.got.length > 0);
    expect(b.got).toHaveLength(1);
    const e3 = await rejection(a.t.send(Uint8Array.of(1), sendOpts('127.0.0.3', { src: '127.0.0.9' })));
    expect(e3.errno).toBe('EADDRNOTAVAIL');
    expect(() => a.t.send(Uint8Array.of(1), sendOpts('127.0.0.3', { ifname: 'eth0' }))).toThrow(/^bug: send for eth0/);
    await a.t.close();
    const e4 = await rejection(a.t.send(Uint8Array.of(1), sendOpts('127.0.0.3')));
    expect(e4.errno).toBe('EBADF');
  });

  it('close is idempotent and releases the port; nothing is delivered after close', async () => {
    const a = await router('127.0.0.2', ['224.0.0.18']);
    const b = await router('127.0.0.3');
    await a.t.close();
    await a.t.close();
    await b.t.send(Uint8Array.of(1), sendOpts('127.0.0.2'));
    await new Promise((r) => setTimeout(r, 50));
    expect(a.got).toEqual([]);
    const again = await router('127.0.0.2', ['224.0.0.18']);
    await again.t.close();
  });

  it('IPv6: unicast on ::1 works, multicast join is EOPNOTSUPP', async () => {
    const got: ReceivedPacket[] = [];
    const e = await rejection(open({ ifname: 'lo', family: 6, unicastSrc: '::1', mcastGroups: ['ff02::12'] }, (p) => got.push(p)));
    expect(e.errno).toBe('EOPNOTSUPP');
    // the port is free again after the failed open
    const a = await router('::1', [], 6);
    await expect(a.t.join('ff02::12')).rejects.toMatchObject({ errno: 'EOPNOTSUPP' });
  });
});
