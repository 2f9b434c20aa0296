// The client side of the control socket (`havipd status|reload|garp|events|switchover|maintenance`).
// A daemon that is not running, or does not answer within the first-answer bound, is one clear error —
// never a stale answer read from a file, never a stack trace.

import { createConnection } from 'node:net';
import { LineSplitter } from './protocol.js';

/** Why the daemon could not be asked (one line for the user). */
export class ClientError extends Error {}

export interface ClientReply {
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: { readonly code: string; readonly message: string; readonly details?: unknown };
}

export interface RequestOptions {
  /** First line (reply or progress) must come within this, ms (default 1000). */
  readonly firstMs?: number;
  /** After a progress line, the final reply within this, ms (default 30 000). */
  readonly totalMs?: number;
  readonly onProgress?: (text: string) => void;
  /** `events --follow`: every streamed event after the reply; the promise then resolves only on close. */
  readonly onEvent?: (e: unknown) => void;
  /** Follow mode: the reply, as soon as it comes (before the events). */
  readonly onReply?: (result: unknown) => void;
}

function explain(path: string, err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT':
      return `havipd is not running (no control socket at ${path})`;
    case 'ECONNREFUSED':
      return `havipd is not running (nothing listens on ${path})`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied on ${path} (the socket's group may read status; see --control-group)`;
    default:
      return `cannot reach havipd at ${path}: ${err.code ?? err.message}`;
  }
}

/** Send one request and resolve with the reply; rejects with a ClientError whose message is one line. */
export function request(path: string, req: Record<string, unknown>, o: RequestOptions = {}): Promise<ClientReply> {
  const firstMs = o.firstMs ?? 1000;
  const totalMs = o.totalMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const sock = createConnection(path);
    const splitter = new LineSplitter(16 * 1024 * 1024);
    let settled = false;
    let replied: ClientReply | undefined;
    const done = (err: ClientError | undefined, reply?: ClientReply): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(reply!);
    };
    let timer = setTimeout(() => done(new ClientError(`havipd did not answer within ${firstMs / 1000} s on ${path}`)), firstMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(`${JSON.stringify(req)}\n`));
    sock.on('error', (err: NodeJS.ErrnoException) => done(new ClientError(explain(path, err))));
    sock.on('close', () => {
      if (replied) done(undefined, replied);
      else done(new ClientError(`havipd closed the connection without an answer (${path})`));
    });
    sock.on('data', (chunk: string) => {
      const r = splitter.push(chunk);
      if (r.overflow) return done(new ClientError('the answer was too long'));
      for (const line of r.lines) {
        let v: Record<string, unknown>;
        try {
          v = JSON.parse(line) as Record<string, unknown>;
        } catch {
          return done(new ClientError('havipd sent an answer that is not JSON'));
        }
        if (replied && 'event' in v) {
          o.onEvent?.(v.event);
          continue;
        }
        if (typeof v.progress === 'string') {
          o.onProgress?.(v.progress);
          clearTimeout(timer);
          timer = setTimeout(() => done(new ClientError(`havipd did not finish within ${totalMs / 1000} s`)), totalMs);
          continue;
        }
        if (typeof v.ok === 'boolean') {
          const reply = v as unknown as ClientReply;
          if (o.onEvent && reply.ok) {
            // Follow mode: keep reading events until the daemon or the user closes.
            replied = reply;
            clearTimeout(timer);
            o.onReply?.(reply.result);
            continue;
          }
          return done(undefined, reply);
        }
      }
    });
  });
}
