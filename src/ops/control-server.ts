// The control socket (issue 10 §1): a Unix stream socket speaking newline-delimited JSON (protocol.ts).
// Attack surface on a production VM, so everything is bounded: line length, connections, requests waiting
// per connection, idle time, and bytes queued to a client that does not read (it is dropped). Garbage gets
// a clear error and is counted. Changing requests need root or the daemon's uid (SO_PEERCRED via the addon).

import { LOG_EVENT } from '../log-events.js';
import { chmodSync, chownSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { dirname } from 'node:path';
import type { Logger } from '../log.js';
import { net } from '../lazy-builtins.js';
import type { OpsEvent } from './events.js';
import { encodeLine, isChange, LineSplitter, MAX_LINE, parseRequest, type ErrorCode, type Request, type RequestId } from './protocol.js';

export const DEFAULT_CONTROL_SOCKET = '/run/havipd/havipd.sock';

/** A request the daemon refuses, with a stable code (sent as the reply's error). */
export class ControlError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** What the server asks of the daemon (the supervisor, or today's run loop). */
export interface ControlHandlers {
  ping(): unknown;
  /** Throws ControlError('no-such-instance') for an unknown instance. */
  status(instance: string | undefined): unknown;
  events(limit: number): OpsEvent[];
  subscribe(listener: (e: OpsEvent) => void): () => void;
  reload(progress: (text: string) => void): Promise<unknown>;
  garp(instance: string | undefined): Promise<unknown>;
  /** `group`: a vrrp_sync_group to move as one (instead of `instance`). */
  switchover(instance: string | undefined, progress: (text: string) => void, group?: string): Promise<unknown>;
  maintenance(instance: string | undefined, on: boolean, progress: (text: string) => void): Promise<unknown>;
}

export interface PeerCredentials {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

export interface ControlServerOptions {
  readonly path: string;
  readonly handlers: ControlHandlers;
  readonly log: Logger;
  /** The peer's credentials from a connected socket's fd (SO_PEERCRED); undefined when unavailable. */
  readonly peerCred: ((fd: number) => PeerCredentials) | undefined;
  /** The daemon's uid (allowed to change things besides root). */
  readonly ownUid: number;
  /** Socket file mode (default 0660). */
  readonly mode?: number;
  /** Group that may read (gid), or undefined to keep the daemon's. */
  readonly gid?: number | undefined;
  readonly maxConnections?: number;
  /** Requests waiting on one connection while a slow one runs. */
  readonly maxPending?: number;
  /** A connection with no complete request for this long is closed, ms. */
  readonly idleMs?: number;
  /** Bytes queued to one client beyond which it is dropped. */
  readonly maxQueuedBytes?: number;
}

/** Counters, for metrics and tests. */
export interface ControlStats {
  accepted: number;
  rejected: number;
  requests: Record<string, number>;
  errors: Record<string, number>;
  idleClosed: number;
  slowDropped: number;
}

const fdOf = (s: Socket): number | undefined => {
  const h = (s as unknown as { _handle?: { fd?: number } })._handle;
  return typeof h?.fd === 'number' && h.fd >= 0 ? h.fd : undefined;
};

/** Whether something is listening on the Unix socket `path` (a live daemon), within `ms`. */
function probe(path: string, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net().createConnection(path);
    const t = setTimeout(() => {
      c.destroy();
      resolve(true); // it accepted or hangs: treat as alive, never steal it
    }, ms);
    c.once('connect', () => {
      clearTimeout(t);
      c.destroy();
      resolve(true);
    });
    c.once('error', () => {
      clearTimeout(t);
      resolve(false);
    });
  });
}

export class ControlServer {
  readonly stats: ControlStats = { accepted: 0, rejected: 0, requests: {}, errors: {}, idleClosed: 0, slowDropped: 0 };
  private server: Server | undefined;
  private readonly conns = new Set<Socket>();
  private readonly o: Required<Omit<ControlServerOptions, 'gid' | 'peerCred'>> & Pick<ControlServerOptions, 'gid' | 'peerCred'>;

  constructor(opts: ControlServerOptions) {
    this.o = { mode: 0o660, maxConnections: 32, maxPending: 8, idleMs: 10_000, maxQueuedBytes: 1024 * 1024, ...opts };
  }

  get connections(): number {
    return this.conns.size;
  }

  /**
   * Create the socket. Resolves false (after one clear log line) when it cannot be: the daemon runs VRRP
   * without it. A live socket of another daemon is never taken over; a stale one is replaced.
   */
  async listen(): Promise<boolean> {
    const { path, log } = this.o;
    const fail = (why: string): false => {
      log.error({ event: LOG_EVENT.controlUnavailable, path }, `control socket ${path} cannot be created: ${why} - running without it`);
      return false;
    };
    try {
      // One level only (/run/havipd): Node's recursive mkdir loops for ever under /proc.
      mkdirSync(dirname(path), { mode: 0o755 });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') return fail(`cannot create its directory ${dirname(path)}: ${code ?? String(err)}`);
    }
    try {
      const st = lstatSync(path);
      if (!st.isSocket()) return fail('the path exists and is not a socket');
      if (await probe(path, 500)) return fail('another process is listening on it');
      unlinkSync(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') return fail(code ?? String(err));
    }
    const server = net().createServer({ allowHalfOpen: false, pauseOnConnect: false }, (s) => this.accept(s));
    server.maxConnections = this.o.maxConnections * 4; // hard kernel-side bound; the soft one answers first
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', (err: NodeJS.ErrnoException) => resolve(fail(err.code ?? err.message)));
      server.listen(path, () => resolve(true));
    });
    if (!ok) return false;
    try {
      chmodSync(path, this.o.mode);
      if (this.o.gid !== undefined) chownSync(path, -1, this.o.gid);
    } catch (err) {
      server.close();
      return fail(`cannot set its mode / group: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    server.on('error', (err) => log.warn({ event: LOG_EVENT.controlError, err }, `control socket error: ${err.message}`));
    this.server = server;
    log.info({ event: LOG_EVENT.controlListening, path, mode: this.o.mode.toString(8) }, `control socket listening on ${path}`);
    return true;
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    try {
      unlinkSync(this.o.path);
    } catch {
      // already gone
    }
  }

  private count(map: Record<string, number>, k: string): void {
    map[k] = (map[k] ?? 0) + 1;
  }

  private accept(s: Socket): void {
    if (this.conns.size >= this.o.maxConnections) {
      this.stats.rejected++;
      this.count(this.stats.errors, 'too-many-connections');
      s.on('error', () => undefined);
      s.end(encodeLine({ ok: false, error: { code: 'too-many-connections', message: `more than ${this.o.maxConnections} control connections; try again` } }));
      s.destroySoon();
      return;
    }
    this.stats.accepted++;
    this.conns.add(s);
    const fd = fdOf(s);
    let cred: PeerCredentials | undefined;
    try {
      cred = fd !== undefined && this.o.peerCred ? this.o.peerCred(fd) : undefined;
    } catch {
      cred = undefined;
    }
    const splitter = new LineSplitter(MAX_LINE);
    const queue: string[] = [];
    let busy = false;
    let unsubscribe: (() => void) | undefined;
    let overflowed = false;
    const send = (v: unknown): boolean => {
      if (s.destroyed) return false;
      if (s.writableLength > this.o.maxQueuedBytes) {
        // A client that does not read: drop it rather than buffer without bound.
        this.stats.slowDropped++;
        s.destroy();
        return false;
      }
      s.write(encodeLine(v));
      return true;
    };
    const error = (id: RequestId, code: ErrorCode, message: string, details?: unknown): void => {
      this.count(this.stats.errors, code);
      send({ ...(id !== null ? { id } : {}), ok: false, error: { code, message, ...(details !== undefined ? { details } : {}) } });
    };
    s.setEncoding('utf8');
    s.setTimeout(this.o.idleMs, () => {
      if (unsubscribe || busy) return; // following events / a slow command: not idle
      this.stats.idleClosed++;
      s.destroy();
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      unsubscribe?.();
      this.conns.delete(s);
    });
    const pump = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      while (queue.length > 0 && !s.destroyed) {
        const line = queue.shift()!;
        await this.handle(line, cred, send, error, (u) => (unsubscribe = u));
      }
      busy = false;
    };
    s.on('data', (chunk: string) => {
      if (overflowed) return; // answered and closing: the rest of the flood is discarded
      const r = splitter.push(chunk);
      for (const l of r.lines) {
        if (queue.length >= this.o.maxPending) {
          error(null, 'too-many-requests', `more than ${this.o.maxPending} requests waiting on this connection`);
          continue;
        }
        queue.push(l);
      }
      if (r.overflow) {
        overflowed = true;
        error(null, 'line-too-long', `request line longer than ${MAX_LINE} bytes; closing`);
        s.end();
        s.destroySoon();
        queue.length = 0;
        return;
      }
      void pump();
    });
  }

  private async handle(
    line: string,
    cred: PeerCredentials | undefined,
    send: (v: unknown) => boolean,
    error: (id: RequestId, code: ErrorCode, message: string, details?: unknown) => void,
    follow: (unsubscribe: () => void) => void,
  ): Promise<void> {
    const p = parseRequest(line);
    if (!p.ok) {
      this.count(this.stats.requests, 'invalid');
      return error(p.id, p.code, p.message);
    }
    const req: Request = p.request;
    this.count(this.stats.requests, req.cmd);
    const id = req.id;
    const reply = (result: unknown): void => void send({ ...(id !== null ? { id } : {}), ok: true, result });
    const progress = (text: string): void => void send({ ...(id !== null ? { id } : {}), progress: text });
    if (isChange(req.cmd) && !(cred && (cred.uid === 0 || cred.uid === this.o.ownUid))) {
      const who = cred ? `uid ${cred.uid}` : 'a peer whose credentials cannot be read';
      this.o.log.warn({ event: LOG_EVENT.controlDenied, cmd: req.cmd, uid: cred?.uid, pid: cred?.pid }, `control: '${req.cmd}' refused for ${who}`);
      return error(id, 'not-permitted', `'${req.cmd}' changes the daemon: only root or the daemon's user may ask (you are ${who})`);
    }
    try {
      const h = this.o.handlers;
      switch (req.cmd) {
        case 'ping':
          return reply(h.ping());
        case 'status':
          return reply(h.status(req.instance));
        case 'events': {
          reply({ events: h.events(req.limit) });
          if (req.follow) follow(h.subscribe((e) => void send({ event: e })));
          return;
        }
        case 'reload':
          return reply(await h.reload(progress));
        case 'garp':
          return reply(await h.garp(req.instance));
        case 'switchover':
          return reply(await h.switchover(req.instance, progress, req.group));
        case 'maintenance':
          return reply(await h.maintenance(req.instance, req.on, progress));
      }
    } catch (err) {
      if (err instanceof ControlError) return error(id, err.code, err.message, err.details);
      this.o.log.error({ event: LOG_EVENT.controlInternal, cmd: req.cmd, err }, `control: internal error in '${req.cmd}': ${String(err)}`);
      return error(id, 'internal', `internal error: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
