// The control socket server and client on a real Unix socket in a temporary directory: replies, errors,
// authorisation by peer credentials (injected, and the addon's real SO_PEERCRED), and the bounds (line
// length, connections, idle clients, clients that never read). Waits are on events, bounded.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { ControlError, ControlServer, type ControlHandlers, type PeerCredentials } from '../../../src/ops/control-server.js';
import { request } from '../../../src/ops/control-client.js';
import { EventRing } from '../../../src/ops/events.js';
import { loadNative } from '../../../src/native/index.js';

const log = pino({ level: 'silent' });
let dir: string;
let servers: ControlServer[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'havipd-ctl-'));
});
afterEach(async () => {
  for (const s of servers) await s.close();
  servers = [];
  rmSync(dir, { recursive: true, force: true });
});

function handlers(ring = new EventRing(100), calls: string[] = []): ControlHandlers {
  return {
    ping: () => ({ pong: true }),
    status: (instance) => {
      if (instance !== undefined && instance !== 'VI_1') throw new ControlError('no-such-instance', `no instance named '${instance}'`);
      return { instances: [{ name: 'VI_1', state: 'MASTER' }] };
    },
    events: (limit) => ring.list(limit),
    subscribe: (l) => ring.subscribe(l),
    reload: async (progress) => {
      calls.push('reload');
      progress('checking');
      return { result: 'ok' };
    },
    garp: async (i) => {
      calls.push(`garp ${i ?? '*'}`);
      return { instances: [] };
    },
    switchover: async () => {
      calls.push('switchover');
      return { instances: [] };
    },
    maintenance: async (_i, on) => {
      calls.push(`maintenance ${on}`);
      return { instances: [] };
    },
  };
}

async function serve(o: Partial<ConstructorParameters<typeof ControlServer>[0]> = {}, cred: PeerCredentials | null = { pid: 1, uid: 0, gid: 0 }): Promise<{ server: ControlServer; path: string }> {
  const path = join(dir, 'havipd.sock');
  const server = new ControlServer({ path, handlers: handlers(), log, peerCred: cred !== null ? () => cred : undefined, ownUid: 4242, ...o });
  expect(await server.listen()).toBe(true);
  servers.push(server);
  return { server, path };
}

/** Connect, send `text`, collect reply lines until the server closes or `n` lines came. */
function exchange(path: string, text: string, n = 1): Promise<{ lines: Array<Record<string, unknown>>; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const s = createConnection(path);
    let buf = '';
    const lines: Array<Record<string, unknown>> = [];
    const timer = setTimeout(() => reject(new Error(`no answer to ${text.slice(0, 40)}`)), 5000);
    s.setEncoding('utf8');
    s.on('connect', () => s.write(text));
    s.on('data', (d: string) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        lines.push(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
        buf = buf.slice(nl + 1);
      }
      if (lines.length >= n) {
        clearTimeout(timer);
        s.destroy();
        resolve({ lines, closed: false });
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ lines, closed: true });
    });
  });
}

const closed = (s: Socket): Promise<void> => new Promise((r) => (s.destroyed ? r() : s.once('close', () => r())));

describe('control server', () => {
  it('answers requests with ids, pipelined, and errors with stable codes', async () => {
    const { path, server } = await serve();
    const r = await exchange(path, '{"id":1,"cmd":"ping"}\n{"id":2,"cmd":"status","instance":"VI_9"}\nnonsense\n{"cmd":"stauts"}\n', 4);
    expect(r.lines).toEqual([
      { id: 1, ok: true, result: { pong: true } },
      { id: 2, ok: false, error: { code: 'no-such-instance', message: "no instance named 'VI_9'" } },
      { ok: false, error: { code: 'bad-json', message: expect.any(String) } },
      { ok: false, error: { code: 'unknown-command', message: expect.stringContaining("unknown command 'stauts'") } },
    ]);
    expect(server.stats.errors).toEqual({ 'no-such-instance': 1, 'bad-json': 1, 'unknown-command': 1 });
    expect(server.stats.requests).toEqual({ ping: 1, status: 1, invalid: 2 });
  });

  it('creates the socket with mode 0660; a stale socket is replaced, a live one and a non-socket are not taken', async () => {
    const { path } = await serve();
    expect(statSync(path).mode & 0o777).toBe(0o660);
    const second = new ControlServer({ path, handlers: handlers(), log, peerCred: undefined, ownUid: 0 });
    expect(await second.listen()).toBe(false); // another server listens
    const other = join(dir, 'file');
    writeFileSync(other, 'x');
    expect(await new ControlServer({ path: other, handlers: handlers(), log, peerCred: undefined, ownUid: 0 }).listen()).toBe(false);
    expect(await new ControlServer({ path: join(other, 'sub', 'x.sock'), handlers: handlers(), log, peerCred: undefined, ownUid: 0 }).listen()).toBe(false);
    await servers[0]!.close();
    servers = [];
    // A socket file left by a crashed daemon (nothing listens): replaced.
    const { server: s3 } = await serve();
    expect(s3.connections).toBe(0);
  });

  it('a path that cannot be created is one clear error line; nothing else', async () => {
    const lines: string[] = [];
    const capture = pino({ level: 'debug' }, { write: (l: string) => void lines.push(l) });
    writeFileSync(join(dir, 'plain'), 'x');
    const path = join(dir, 'plain', 'havipd.sock');
    expect(await new ControlServer({ path, handlers: handlers(), log: capture, peerCred: undefined, ownUid: 0 }).listen()).toBe(false);
    expect(lines).toHaveLength(1);
    const l = JSON.parse(lines[0]!) as { level: number; msg: string; event: string };
    expect(l).toMatchObject({ level: 50, event: 'control.unavailable', msg: `control socket ${path} cannot be created: ENOTDIR - running without it` });
  });

  it('changing requests: root and the daemon uid are allowed, others refused with a clear message', async () => {
    for (const [uid, allowed] of [[0, true], [4242, true], [65534, false]] as const) {
      const calls: string[] = [];
      const path = join(dir, `u${uid}.sock`);
      const server = new ControlServer({ path, handlers: handlers(new EventRing(), calls), log, peerCred: () => ({ pid: 9, uid, gid: uid }), ownUid: 4242 });
      expect(await server.listen()).toBe(true);
      servers.push(server);
      const r = await exchange(path, '{"cmd":"switchover"}\n{"cmd":"maintenance","on":true}\n{"cmd":"reload"}\n{"cmd":"garp"}\n{"cmd":"status"}\n', allowed ? 6 : 5);
      const errs = r.lines.filter((l) => l.ok === false);
      if (allowed) {
        expect(errs).toEqual([]);
        expect(calls).toEqual(['switchover', 'maintenance true', 'reload', 'garp *']);
      } else {
        expect(errs.map((e) => (e.error as { code: string }).code)).toEqual(['not-permitted', 'not-permitted', 'not-permitted', 'not-permitted']);
        expect((errs[0]!.error as { message: string }).message).toContain('uid 65534');
        expect(calls).toEqual([]);
        expect(r.lines.at(-1)).toMatchObject({ ok: true }); // status is read-only: allowed
      }
    }
  });

  it('without peer credentials (no addon) changing requests are refused (fail closed)', async () => {
    const { path } = await serve({}, null);
    const r = await exchange(path, '{"cmd":"reload"}\n');
    expect(r.lines[0]).toMatchObject({ ok: false, error: { code: 'not-permitted' } });
  });

  it('the real SO_PEERCRED through the addon gives this process uid', async () => {
    const native = loadNative();
    const path = join(dir, 'real.sock');
    const seen: PeerCredentials[] = [];
    const server = new ControlServer({ path, handlers: handlers(), log, peerCred: (fd) => {
      const c = native.peerCred(fd);
      seen.push(c);
      return c;
    }, ownUid: process.getuid!() });
    expect(await server.listen()).toBe(true);
    servers.push(server);
    const r = await exchange(path, '{"cmd":"garp"}\n');
    expect(r.lines[0]).toMatchObject({ ok: true });
    expect(seen).toEqual([{ pid: process.pid, uid: process.getuid!(), gid: process.getgid!() }]);
  });

  it('a line past the bound (10 MB without a newline) gets line-too-long and the connection closes', async () => {
    const { path, server } = await serve();
    const r = await exchange(path, 'x'.repeat(10 * 1024 * 1024), 2);
    expect(r.closed).toBe(true);
    expect(r.lines[0]).toMatchObject({ ok: false, error: { code: 'line-too-long' } });
    expect(server.stats.errors['line-too-long']).toBe(1);
    // Still serving.
    expect((await exchange(path, '{"cmd":"ping"}\n')).lines[0]).toMatchObject({ ok: true });
  });

  it('more connections than the bound: the extra ones get too-many-connections and are closed; counted', async () => {
    const { path, server } = await serve({ maxConnections: 4 });
    const held: Socket[] = [];
    for (let i = 0; i < 4; i++) {
      const s = createConnection(path);
      held.push(s);
      await new Promise((r) => s.once('connect', r));
    }
    const extra = await Promise.all(Array.from({ length: 50 }, () => exchange(path, '', 1)));
    for (const e of extra) expect(e.lines[0]).toMatchObject({ ok: false, error: { code: 'too-many-connections' } });
    expect(server.stats.rejected).toBe(50);
    for (const s of held) s.destroy();
    await Promise.all(held.map(closed));
    for (let i = 0; i < 1000 && server.connections > 0; i++) await new Promise((r) => setImmediate(r));
    expect(server.connections).toBe(0);
    expect((await exchange(path, '{"cmd":"ping"}\n')).lines[0]).toMatchObject({ ok: true });
  });

  it('an idle connection is closed after the idle bound; counted', async () => {
    const { path, server } = await serve({ idleMs: 100 });
    const s = createConnection(path);
    s.on('error', () => undefined);
    await closed(s);
    expect(server.stats.idleClosed).toBe(1);
  });

  it('a follower that never reads is dropped once its queue passes the bound (memory stays bounded)', async () => {
    const ring = new EventRing(10);
    const path = join(dir, 'slow.sock');
    const server = new ControlServer({ path, handlers: handlers(ring), log, peerCred: undefined, ownUid: 0, maxQueuedBytes: 64 * 1024 });
    expect(await server.listen()).toBe(true);
    servers.push(server);
    const s = createConnection(path);
    s.on('error', () => undefined);
    await new Promise((r) => s.once('connect', r));
    s.write('{"cmd":"events","follow":true}\n');
    // Read the reply, then stop reading.
    await new Promise((r) => s.once('data', r));
    s.pause();
    const big = 'y'.repeat(4096);
    for (let i = 0; i < 2000 && server.stats.slowDropped === 0; i++) {
      ring.push({ kind: 'daemon', message: big });
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(server.stats.slowDropped).toBe(1);
    s.destroy();
  });

  it('events --follow streams new events after the reply', async () => {
    const ring = new EventRing(10);
    const path = join(dir, 'follow.sock');
    const server = new ControlServer({ path, handlers: handlers(ring), log, peerCred: undefined, ownUid: 0 });
    expect(await server.listen()).toBe(true);
    servers.push(server);
    ring.push({ kind: 'daemon', message: 'before' });
    const got: unknown[] = [];
    const p = request(path, { cmd: 'events', follow: true }, { onEvent: (e) => {
      got.push(e);
      if (got.length === 2) void server.close();
    } });
    await new Promise((r) => setTimeout(r, 50));
    ring.push({ kind: 'daemon', message: 'one' });
    ring.push({ kind: 'daemon', message: 'two' });
    const reply = await p;
    expect((reply.result as { events: Array<{ message: string }> }).events.map((e) => e.message)).toEqual(['before']);
    expect(got.map((e) => (e as { message: string }).message)).toEqual(['one', 'two']);
  });
});

describe('control client', () => {
  it('a daemon that is not running is one clear error', async () => {
    await expect(request(join(dir, 'absent.sock'), { cmd: 'status' })).rejects.toThrow(/^havipd is not running \(no control socket at /);
  });

  it('a daemon that does not answer within the bound is one clear error', async () => {
    const { createServer } = await import('node:net');
    const path = join(dir, 'mute.sock');
    const mute = createServer(() => undefined);
    await new Promise<void>((r) => mute.listen(path, () => r()));
    try {
      await expect(request(path, { cmd: 'status' }, { firstMs: 150 })).rejects.toThrow('havipd did not answer within 0.15 s');
    } finally {
      mute.close();
    }
  });
});
