// The shell reads the VRRP sockets before it acts on a timer (issue 8 §2): the event loop runs expired
// timers before it polls sockets, so adverts that arrived before a master-down deadline the loop ran
// late must reach the core first. The fake transport below holds "kernel-queued" datagrams that only its
// `poll()` (the loop's poll phase, which comes after the timers) or `drainPending()` hands over.
// Time: FakeClock + vitest fake timers, moved together except during the stall.
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FrameSender } from '../../../src/edges/frames.js';
import { createNodeDeadlineTimer, type DeadlineTimer } from '../../../src/edges/deadline-timer.js';
import { createLogger } from '../../../src/log.js';
import { Supervisor } from '../../../src/runtime/supervisor.js';
import type { OpenTransport, PacketHandler, Transport } from '../../../src/edges/transport/types.js';
import { encodeAdvert } from '../../../src/vrrp/packet.js';
import type { ReceivedPacket } from '../../../src/vrrp/types.js';
import { centiseconds, micros, type Micros } from '../../../src/net/units.js';
import { daemonConfig, instanceConfig } from '../../support/config.js';
import { FakeAddressEdge } from '../../support/fake-addresses.js';
import { FakeClock } from '../../support/fake-clock.js';
import { FakeLinkEdge } from '../../support/fake-links.js';

/** Master_Down_Interval of a v2 priority-100 BACKUP at advert_int 1. */
const MDI100 = 3_609_375;

/** A priority-200 VRRPv2 advert from the master 10.0.0.2 for VRID 51 / 10.0.0.100. */
function masterAdvert(): ReceivedPacket {
  const data = encodeAdvert({ version: 2, vrid: 51, priority: 200, advertInt: centiseconds(100), addresses: ['10.0.0.100'], family: 4 }, { src: '10.0.0.2', dst: '224.0.0.18', checksumMode: 'plain' });
  return { family: 4, ifname: 'eth0', src: '10.0.0.2', dst: '224.0.0.18', ttl: 255, data, hasIpHeader: false };
}

interface World {
  readonly clock: FakeClock;
  readonly ops: string[];
  /** Log messages. */
  readonly logs: string[];
  readonly daemon: Supervisor;
  /** Datagrams waiting in the fake socket. */
  readonly queued: ReceivedPacket[];
  /** The loop's poll phase: hands the queued datagrams over. */
  poll(): void;
  /** A datagram handed over at once (the loop is idle and polls at once). */
  receive(p: ReceivedPacket): void;
  /** Called on every advert sent. */
  onSend?: () => void;
  /** Called on every read of the sockets ahead of a timer (`drainPending`). */
  onDrain?: () => void;
}

function world(drains: boolean, timer?: (clock: FakeClock) => DeadlineTimer): World {
  const clock = new FakeClock(micros(1_000_000));
  const ops: string[] = [];
  const queued: ReceivedPacket[] = [];
  let handler: PacketHandler | undefined;
  const poll = (): void => {
    for (const p of queued.splice(0, queued.length)) handler?.(p);
  };
  const openTransport: OpenTransport = async (opts, onPacket) => {
    handler = onPacket;
    const t: Transport = {
      kind: 'raw',
      ifname: opts.ifname,
      family: opts.family,
      send: async () => {
        ops.push('advert');
        w.onSend?.();
      },
      join: async () => undefined,
      leave: async () => undefined,
      // `drains` false: what a transport without the drain gave the daemon (nothing before the tick).
      drainPending: async () => {
        w.onDrain?.();
        return drains ? poll() : undefined;
      },
      close: async () => undefined,
    };
    return t;
  };
  const frames: FrameSender = {
    sendGarp: async (_ifname, ip) => void ops.push(`garp:${ip}`),
    sendNa: async (_ifname, ip) => void ops.push(`na:${ip}`),
    sendArpProbe: async (_ifname, ip) => void ops.push(`probe:${ip}`),
    forget: () => undefined,
    close: async () => undefined,
  };
  const links = new FakeLinkEdge(['eth0']);
  links.addAddress('eth0', '10.0.0.1', 24);
  const addresses = new FakeAddressEdge(['eth0']);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push((JSON.parse(line) as { msg: string }).msg);
      cb();
    },
  });
  const logger = createLogger({ format: 'json', detail: true, destination: sink });
  const daemon = new Supervisor(
    daemonConfig({ instances: [instanceConfig({ priority: 100 })] }),
    {
      openTransport,
      transportKind: 'raw',
      addresses: {
        add: async (vip, ifname) => {
          ops.push(`add:${vip.address}`);
          await addresses.add(vip, ifname);
        },
        remove: async (vip, ifname) => {
          ops.push(`remove:${vip.address}`);
          await addresses.remove(vip, ifname);
        },
        list: (ifname, family) => addresses.list(ifname, family),
        backend: () => addresses.backend(),
        close: () => addresses.close(),
      },
      links,
      frames,
      clock: { now: () => clock.now(), epochMicros: () => 0 },
      logger,
      ...(timer ? { deadlineTimer: timer(clock) } : {}),
    },
    { detail: true },
  );
  const w: World = { clock, ops, logs, daemon, queued, poll, receive: (p) => handler?.(p) };
  return w;
}

/** Moves the fake clock and the fake timers together by `ms`, in 10 ms steps. */
async function run(w: World, ms: number): Promise<void> {
  for (let k = 0; k < ms; k += 10) {
    w.clock.advanceBy(micros(10_000));
    await vi.advanceTimersByTimeAsync(10);
  }
}

/** Like `run`, in 1 ms steps (an early wake-up 2 ms before a deadline happens before it). */
async function runFine(w: World, ms: number): Promise<void> {
  for (let k = 0; k < ms; k++) {
    w.clock.advanceBy(micros(1_000));
    await vi.advanceTimersByTimeAsync(1);
  }
}

const state = (w: World): string | undefined => w.daemon.snapshot().instances.find((i) => i.name === 'VI_1')?.state;

/** Starts the daemon; the BACKUP hears the master every second for 10 s. */
async function hearMaster(w: World): Promise<void> {
  await w.daemon.start();
  for (let s = 0; s < 10; s++) {
    await run(w, 1_000);
    w.receive(masterAdvert());
  }
  await w.daemon.idle();
  expect(state(w)).toBe('BACKUP');
  w.ops.length = 0;
}

/**
 * A BACKUP hears the master every second for 10 s; then the loop stalls 2.4 s (less than a freeze) while
 * two more adverts arrive; it runs the down timer 0.39 s late, then polls the socket.
 */
async function stallPastDeadline(w: World): Promise<void> {
  await hearMaster(w);
  // The stall: time passes, the kernel queues the master's adverts at +1 s and +2 s, no callback runs.
  w.clock.advanceBy(micros(MDI100 + 390_000));
  w.queued.push(masterAdvert(), masterAdvert());
  // The loop resumes: timers first (the down timer is 0.39 s overdue) ...
  await vi.advanceTimersByTimeAsync(MDI100 / 1000 + 390);
  await w.daemon.idle();
  // ... then the poll phase.
  w.poll();
  await w.daemon.idle();
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Daemon: the sockets are drained before a timer is acted on', () => {
  it('keepalived-compat: a down timer run late with adverts queued: they are read first, so no advert, VIP or GARP goes out', async () => {
    const w = world(true);
    await stallPastDeadline(w);
    expect(w.ops).toEqual([]);
    expect(state(w)).toBe('BACKUP');
    await w.daemon.stop();
  });

  it('control: without the drain the same stall makes it MASTER (advert, VIP, GARP) before it reads the adverts', async () => {
    const w = world(false);
    await stallPastDeadline(w);
    expect(w.ops.slice(0, 3)).toEqual(['advert', 'add:10.0.0.100', 'garp:10.0.0.100']);
    await w.daemon.stop();
  });

  it('a 5 s freeze after which the loop polls the socket before its overdue timer (events, not EINTR): no takeover, and the overdue timer still reports the freeze', async () => {
    const w = world(true);
    await hearMaster(w);
    w.clock.advanceBy(micros(5_000_000));
    for (let k = 0; k < 5; k++) w.queued.push(masterAdvert());
    // The poll phase first: the adverts re-arm the down timer, but the overdue one is not replaced ...
    w.poll();
    await w.daemon.idle();
    // ... and fires in the timers phase that follows.
    await vi.advanceTimersByTimeAsync(5_000);
    await w.daemon.idle();
    expect(w.ops).toEqual([]);
    expect(state(w)).toBe('BACKUP');
    expect(w.logs.filter((l) => /^A thread timer expired \d\.\d{6} seconds ago$/.test(l)).length).toBe(1);
    await w.daemon.stop();
  });

  it("havipd: the down timer counts from the kernel's receive time: an advert read 300 ms after it arrived re-arms it from its arrival", async () => {
    for (const age of [300_000, undefined]) {
      const w = world(true);
      await hearMaster(w);
      // The master's last advert: the kernel received it 300 ms before the event loop read it.
      w.clock.advanceBy(micros(300_000));
      await vi.advanceTimersByTimeAsync(300);
      w.receive({ ...masterAdvert(), ...(age !== undefined ? { ageMicros: age } : {}) });
      await w.daemon.idle();
      // 40 ms before Master_Down_Interval after the arrival: BACKUP either way.
      await run(w, Math.floor(MDI100 / 1000) - 300 - 40);
      await w.daemon.idle();
      expect(state(w), `age ${age}`).toBe('BACKUP');
      // 40 ms after it: MASTER when the age was known; a read-time down timer still has 300 ms to run.
      await run(w, 80);
      await w.daemon.idle();
      expect(state(w), `age ${age}`).toBe(age !== undefined ? 'MASTER' : 'BACKUP');
      await w.daemon.stop();
    }
  });

  /**
   * A precise (timerfd-like) timer on the fake clock: once it has called back, every clock read moves the clock
   * 50 µs, as a real clock does while the daemon waits on the CPU, until the next advert is sent.
   */
  function preciseTimer(armed: Micros[]): (clock: FakeClock) => DeadlineTimer {
    return (clock) => {
      const inner = createNodeDeadlineTimer(() => clock.now());
      const base = clock.now.bind(clock);
      let waiting = false;
      clock.now = () => {
        if (waiting) clock.advanceBy(micros(50));
        return base();
      };
      stopWaiting = () => {
        waiting = false;
      };
      return {
        precise: true,
        arm: (deadline, fn) => {
          armed.push(deadline);
          inner.arm(deadline, () => {
            waiting = true;
            fn();
          });
        },
        cancel: () => inner.cancel(),
        close: () => inner.close(),
      };
    };
  }
  let stopWaiting = (): void => undefined;

  it('havipd: with a precise (timerfd) timer, a master-down deadline is woken 2 ms early and waited out: the sockets are read before the deadline and again at it, and the takeover steps at the deadline, not before', async () => {
    const armed: Micros[] = [];
    /** The clock when each advert was sent. */
    const sentAt: Micros[] = [];
    const w = world(true, preciseTimer(armed));
    await hearMaster(w);
    const last = w.clock.now();
    // The down timer of the last advert is armed 2 ms before Master_Down_Interval.
    expect(armed.at(-1)).toBe(last + MDI100 - 2_000);
    // Just before the early wake-up: nothing. Then the takeover, whose first advert leaves at the deadline.
    await run(w, Math.floor(MDI100 / 1000) - 10);
    expect(w.ops).toEqual([]);
    const drainedAt: Micros[] = [];
    w.onDrain = () => drainedAt.push(w.clock.now());
    w.onSend = () => {
      sentAt.push(w.clock.now());
      stopWaiting();
    };
    await runFine(w, 30);
    await w.daemon.idle();
    expect(state(w)).toBe('MASTER');
    expect(w.ops.slice(0, 3)).toEqual(['advert', 'add:10.0.0.100', 'garp:10.0.0.100']);
    expect(sentAt[0]).toBeGreaterThanOrEqual(last + MDI100);
    expect(sentAt[0]).toBeLessThan(last + MDI100 + 1_000);
    // One read of the sockets on the early wake-up, before the wait; one after it, at the deadline.
    expect(drainedAt.length).toBeGreaterThanOrEqual(2);
    expect(drainedAt[0]).toBeLessThan(last + MDI100 - 1_000);
    expect(drainedAt[1]).toBeGreaterThanOrEqual(last + MDI100);
    await w.daemon.stop();
  });

  it('havipd: an advert waiting in the socket at the early wake-up is read before the wait: no takeover, no wait to the old deadline, and the down timer is armed again from it', async () => {
    const armed: Micros[] = [];
    const w = world(true, preciseTimer(armed));
    await hearMaster(w);
    const last = w.clock.now();
    await run(w, Math.floor(MDI100 / 1000) - 10);
    // The master's advert reached the socket just before the wake-up; the loop has not polled it yet.
    w.queued.push(masterAdvert());
    const clockAtWake = w.clock.now();
    await runFine(w, 20);
    await w.daemon.idle();
    stopWaiting();
    expect(state(w)).toBe('BACKUP');
    expect(w.ops).toEqual([]);
    // Read at the wake-up (a few clock reads later), not after waiting for the old deadline: the clock moved by the
    // 20 ms of the run and a few reads, not by a wait of up to 2 ms (40 reads).
    expect(w.clock.now() - clockAtWake).toBeLessThan(20_000 + 1_000);
    // The down timer now runs from that advert, read between the early wake-up and the old deadline.
    const readAt = armed.at(-1)! - MDI100 + 2_000;
    expect(readAt).toBeGreaterThanOrEqual(last + MDI100 - 2_000);
    expect(readAt).toBeLessThan(last + MDI100);
    await w.daemon.stop();
  });
});
