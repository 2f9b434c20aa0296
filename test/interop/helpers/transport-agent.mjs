// Runs inside a network namespace for test/interop/transport*.test.ts: drives the compiled
// transports / frame sender (dist/) and prints one JSON object per line on stdout.
// Usage: node transport-agent.mjs '<json scenario>'   (see the modes below). Every mode is bounded.

import { loadNative } from '../../../dist/native/index.js';
import { openRawTransport } from '../../../dist/edges/transport/raw.js';
import { udpTransportOpener } from '../../../dist/edges/transport/udp.js';
import { createFrameSender } from '../../../dist/edges/frames.js';

const sc = JSON.parse(process.argv[2] ?? '{}');
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const errOut = (extra, e) => out({ ...extra, event: 'error', code: e?.code, errno: e?.errno, message: String(e?.message ?? e) });
const fromHex = (h) => Uint8Array.from(Buffer.from(h, 'hex'));
const opener = () => (sc.transport === 'udp' ? udpTransportOpener({ port: sc.port }) : openRawTransport);

async function main() {
  switch (sc.mode) {
    case 'recv': {
      // Open, print ready, print each packet, exit after `count` packets or `timeoutMs`.
      let n = 0;
      let finish;
      const done = new Promise((r) => (finish = r));
      const t = await opener()(
        sc.open,
        (p) => {
          out({ event: 'packet', ...p, data: Buffer.from(p.data).toString('hex') });
          if (++n >= sc.count) finish();
        },
        (e) => errOut({ where: 'receive' }, e),
      );
      out({ event: 'ready', kind: t.kind });
      const timer = setTimeout(finish, sc.timeoutMs ?? 10_000);
      await done;
      clearTimeout(timer);
      await t.close();
      out({ event: 'done', received: n });
      break;
    }
    case 'stall-recv': {
      // Open, print ready, keep the event loop busy for `stallMs` (a daemon that cannot read), then read until
      // `quietMs` pass without a packet; report how many arrived and every receive error (the kernel's drops).
      let n = 0;
      let last = Date.now();
      const t = await opener()(
        sc.open,
        () => {
          n++;
          last = Date.now();
        },
        (e) => errOut({ where: 'receive' }, e),
      );
      out({ event: 'ready', kind: t.kind });
      const until = Date.now() + sc.stallMs;
      while (Date.now() < until) {
        /* busy: no poll, no read */
      }
      last = Date.now();
      const end = Date.now() + (sc.timeoutMs ?? 10_000);
      while (Date.now() - last < (sc.quietMs ?? 500) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      await t.close();
      out({ event: 'done', received: n });
      break;
    }
    case 'native-recv': {
      // The addon directly: shows the recvmsg metadata the transport does not pass on (ifindex).
      const native = loadNative();
      const { fd, ifindex } = native.openRaw(sc.family, sc.ifname, null);
      for (const g of sc.groups) native.membership(fd, sc.family, g, ifindex, true);
      let n = 0;
      let finish;
      const done = new Promise((r) => (finish = r));
      const id = native.watch(fd, () => {
        for (let d = native.recvRaw(fd, sc.family); d !== null; d = native.recvRaw(fd, sc.family)) {
          out({ event: 'packet', boundIfindex: ifindex, ...d, data: d.data.toString('hex') });
          if (++n >= sc.count) finish();
        }
      });
      out({ event: 'ready' });
      const timer = setTimeout(finish, sc.timeoutMs ?? 10_000);
      await done;
      clearTimeout(timer);
      native.unwatch(id);
      native.close(fd);
      out({ event: 'done', received: n, openCount: native.openCount() });
      break;
    }
    case 'send': {
      // Open, send each message `repeat` times with `intervalMs` between, report each result.
      let t;
      try {
        t = await opener()(sc.open, () => {});
      } catch (e) {
        errOut({ where: 'open' }, e);
        break;
      }
      for (let r = 0; r < (sc.repeat ?? 1); r++) {
        for (const [i, s] of sc.sends.entries()) {
          try {
            await t.send(fromHex(s.message), s.opts);
            if (!sc.quiet) out({ event: 'sent', i });
          } catch (e) {
            errOut({ where: 'send', i }, e);
          }
        }
        if (sc.intervalMs) await new Promise((r2) => setTimeout(r2, sc.intervalMs));
      }
      await t.close();
      out({ event: 'done' });
      break;
    }
    case 'open': {
      try {
        const t = await opener()(sc.open, () => {});
        out({ event: 'opened', kind: t.kind });
        await t.close();
      } catch (e) {
        errOut({ where: 'open' }, e);
      }
      break;
    }
    case 'frames': {
      // GARPs / NAs `repeat` times, spaced `intervalMs`.
      let fs;
      try {
        fs = createFrameSender();
      } catch (e) {
        errOut({ where: 'create' }, e);
        break;
      }
      for (let r = 0; r < (sc.repeat ?? 1); r++) {
        for (const ip of sc.ipv4 ?? []) await fs.sendGarp(sc.ifname, ip).then(() => out({ event: 'sent', ip }), (e) => errOut({ ip }, e));
        for (const ip of sc.ipv6 ?? []) await fs.sendNa(sc.ifname, ip, sc.router).then(() => out({ event: 'sent', ip }), (e) => errOut({ ip }, e));
        if (sc.intervalMs) await new Promise((r2) => setTimeout(r2, sc.intervalMs));
      }
      await fs.close();
      out({ event: 'done' });
      break;
    }
    case 'fds': {
      // fd accounting: open transports and a frame socket, close them, report the addon's count.
      const native = loadNative();
      const before = native.openCount();
      const ts = [];
      for (const o of sc.opens) ts.push(await openRawTransport(o, () => {}));
      const fs = createFrameSender();
      await fs.sendGarp(sc.ifname, sc.garp);
      const during = native.openCount();
      for (const t of ts) await t.close();
      await fs.close();
      out({ event: 'fds', before, during, after: native.openCount() });
      break;
    }
    case 'worker-teardown': {
      // A worker opens sockets and is terminated without closing them: the addon's env cleanup hook
      // must close every fd it opened (counted in /proc/self/fd, shared by all threads).
      const { Worker } = await import('node:worker_threads');
      const { readdirSync, readlinkSync } = await import('node:fs');
      const sockets = () => readdirSync('/proc/self/fd').filter((f) => { try { return readlinkSync(`/proc/self/fd/${f}`).startsWith('socket:'); } catch { return false; } }).length;
      const before = sockets();
      const code = `
        const { parentPort, workerData } = require('node:worker_threads');
        (async () => {
          const { openRawTransport } = await import(workerData.raw);
          const { createFrameSender } = await import(workerData.sender);
          for (const o of workerData.opens) await openRawTransport(o, () => {});
          await createFrameSender().sendGarp(workerData.ifname, workerData.garp);
          parentPort.postMessage('opened');
        })().catch((e) => parentPort.postMessage('error ' + e.message));`;
      const w = new Worker(code, {
        eval: true,
        workerData: { raw: new URL('../../../dist/edges/transport/raw.js', import.meta.url).href, sender: new URL('../../../dist/edges/frames.js', import.meta.url).href, opens: sc.opens, ifname: sc.ifname, garp: sc.garp },
      });
      let timer;
      const msg = await new Promise((r) => {
        w.once('message', r);
        timer = setTimeout(() => r('timeout'), 10_000);
      });
      clearTimeout(timer);
      const during = sockets();
      await w.terminate();
      await new Promise((r) => setTimeout(r, 100));
      out({ event: 'worker', msg, before, during, after: sockets() });
      break;
    }
    default:
      throw new Error(`unknown mode ${sc.mode}`);
  }
}

main().catch((e) => {
  errOut({ where: 'main' }, e);
  process.exitCode = 1;
});
