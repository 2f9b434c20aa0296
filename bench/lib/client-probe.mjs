#!/usr/bin/env node
// The two ends of the client-visible failover measurement (issue 11 §1), run inside network namespaces
// by bench/lib/client-lan.mjs:
//
//   node client-probe.mjs serve --host VIP --port P --name a [--max-ms 3600000]
//     On each VRRP node: a TCP service bound to the VIP (the namespace has net.ipv4.ip_nonlocal_bind=1,
//     so it can listen before the VIP is there). Each connection gets the node's name and a newline, then
//     the server closes it. It only answers while the kernel holds the VIP.
//
//   node client-probe.mjs probe --host VIP --port P [--interval-ms 10] [--timeout-ms 3000] [--max-ms 120000]
//     On the client: every interval a *fresh* TCP connection to VIP:P, read the node name, close. One JSON
//     line per finished probe on stdout: {"s": start, "t": end, "node": "a"} or {"s", "t", "err": "ETIMEDOUT"};
//     times are wall-clock ms since the epoch with µs resolution (performance.timeOrigin + now()), the same
//     clock as `ping -D` and the orchestrator. A fresh connection per probe measures what a new client
//     sees at that moment, independent of any one connection's retry policy; the kernel's own SYN
//     retransmission (1 s, then 3 s) still applies inside the timeout, so a probe started during an outage
//     reports how long that client really waited.
//
// Bounded: the probe stops at --max-ms or on SIGTERM/SIGINT, and never has more than timeout/interval + 1
// connections open; the server stops on SIGTERM/SIGINT or at --max-ms.

import net from 'node:net';
import { performance } from 'node:perf_hooks';

const now = () => performance.timeOrigin + performance.now();

function parseArgs(argv) {
  const [mode, ...rest] = argv;
  const o = { mode };
  for (let i = 0; i < rest.length; i += 2) {
    const k = rest[i];
    const v = rest[i + 1];
    if (!k?.startsWith('--') || v === undefined) throw new Error(`client-probe: bad argument ${k ?? ''}`);
    o[k.slice(2)] = v;
  }
  return o;
}

function num(o, key, dflt, lo, hi) {
  const v = o[key] === undefined ? dflt : Number(o[key]);
  if (!Number.isFinite(v) || v < lo || v > hi) throw new Error(`client-probe: --${key} ${o[key]} is not in ${lo}..${hi}`);
  return v;
}

function onStop(fn) {
  process.on('SIGTERM', fn);
  process.on('SIGINT', fn);
}

function serve(o) {
  const host = o.host;
  const port = num(o, 'port', 0, 1, 65535);
  const name = String(o.name ?? '?');
  const maxMs = num(o, 'max-ms', 3_600_000, 100, 86_400_000);
  const server = net.createServer({ noDelay: true }, (sock) => {
    sock.on('error', () => {});
    sock.end(`${name}\n`);
  });
  server.on('error', (e) => {
    process.stderr.write(`client-probe serve: ${e.message}\n`);
    process.exit(1);
  });
  server.listen({ host, port, backlog: 1024 }, () => process.stdout.write(`listening ${host}:${port} as ${name}\n`));
  const stop = () => {
    server.close();
    process.exit(0);
  };
  setTimeout(stop, maxMs).unref();
  onStop(stop);
}

function probe(o) {
  const host = o.host;
  const port = num(o, 'port', 0, 1, 65535);
  const intervalMs = num(o, 'interval-ms', 10, 1, 10_000);
  const timeoutMs = num(o, 'timeout-ms', 3_000, 10, 60_000);
  const maxMs = num(o, 'max-ms', 120_000, 100, 3_600_000);
  const out = [];
  let open = 0;
  let stopped = false;
  const flush = () => {
    if (out.length) process.stdout.write(out.splice(0).join(''));
  };
  const one = () => {
    const s = now();
    let done = false;
    let got = '';
    open += 1;
    const sock = net.connect({ host, port, noDelay: true });
    const finish = (rec) => {
      if (done) return;
      done = true;
      open -= 1;
      clearTimeout(timer);
      sock.destroy();
      out.push(`${JSON.stringify({ s: Number(s.toFixed(3)), t: Number(now().toFixed(3)), ...rec })}\n`);
    };
    const timer = setTimeout(() => finish({ err: 'ETIMEDOUT' }), timeoutMs);
    sock.setEncoding('utf8');
    sock.on('data', (d) => {
      got += d;
      const nl = got.indexOf('\n');
      if (nl >= 0) finish({ node: got.slice(0, nl) });
    });
    sock.on('end', () => finish(got ? { node: got.trim() } : { err: 'EOF' }));
    sock.on('error', (e) => finish({ err: e.code ?? e.message }));
  };
  const maxOpen = Math.ceil(timeoutMs / intervalMs) + 1;
  const t0 = now();
  // A self-correcting schedule: the next probe is due at t0 + k × interval, so a late timer does not
  // shift every later probe (a probe that is more than one interval late is sent at once, not twice).
  let k = 0;
  let timer;
  const tick = () => {
    if (stopped) return;
    const t = now();
    if (t - t0 >= maxMs) return stop();
    if (open < maxOpen) one();
    k = Math.max(k + 1, Math.floor((t - t0) / intervalMs));
    timer = setTimeout(tick, Math.max(0, t0 + (k + 1) * intervalMs - now()));
  };
  const flusher = setInterval(flush, 50);
  const stop = () => {
    if (stopped) return;
    stopped = true;
    clearTimeout(timer);
    // Let probes in flight finish (bounded by their own timeout), then exit.
    const deadline = now() + timeoutMs + 100;
    const wait = setInterval(() => {
      if (open === 0 || now() > deadline) {
        clearInterval(wait);
        clearInterval(flusher);
        flush();
        process.exit(0);
      }
    }, 20);
  };
  onStop(stop);
  tick();
}

try {
  const o = parseArgs(process.argv.slice(2));
  if (!o.host) throw new Error('client-probe: --host is required');
  if (o.mode === 'serve') serve(o);
  else if (o.mode === 'probe') probe(o);
  else throw new Error(`client-probe: unknown mode ${o.mode} (serve | probe)`);
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
}
