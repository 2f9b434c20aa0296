// The control socket's protocol (issue 10 §1), documented in the README: one JSON object per line each way.
// Request  {"id"?: string|number, "cmd": "...", ...arguments}
// Reply    {"id"?, "ok": true, "result": ...} | {"id"?, "ok": false, "error": {"code", "message", "details"?}}
// Progress {"id"?, "progress": "text"} lines may precede a slow command's reply; `events` with "follow"
// streams {"event": {...}} lines after its reply. Parsing is pure and never throws.

/** Requests that change nothing: allowed to anyone the socket's mode lets connect. */
export const READ_COMMANDS = ['ping', 'status', 'events'] as const;
/** Requests that change something: root or the daemon's own uid only (SO_PEERCRED). */
export const CHANGE_COMMANDS = ['reload', 'garp', 'switchover', 'maintenance'] as const;
export const COMMANDS = [...READ_COMMANDS, ...CHANGE_COMMANDS] as const;
export type CommandName = (typeof COMMANDS)[number];

/** Longest request line accepted, bytes (the newline excluded). */
export const MAX_LINE = 64 * 1024;

export type RequestId = string | number | null;

export type Request =
  | { readonly id: RequestId; readonly cmd: 'ping' }
  | { readonly id: RequestId; readonly cmd: 'status'; readonly instance: string | undefined }
  | { readonly id: RequestId; readonly cmd: 'events'; readonly limit: number; readonly follow: boolean }
  | { readonly id: RequestId; readonly cmd: 'reload' }
  | { readonly id: RequestId; readonly cmd: 'garp'; readonly instance: string | undefined }
  | { readonly id: RequestId; readonly cmd: 'switchover'; readonly instance: string | undefined; readonly group?: string }
  | { readonly id: RequestId; readonly cmd: 'maintenance'; readonly instance: string | undefined; readonly on: boolean };

/** Stable error codes (part of the schema). */
export type ErrorCode =
  | 'bad-json' // the line is not JSON
  | 'bad-request' // JSON, but not a request object / bad argument
  | 'unknown-command'
  | 'line-too-long'
  | 'too-many-connections'
  | 'too-many-requests' // too many pipelined requests waiting on one connection
  | 'not-permitted' // a changing request from a uid other than root / the daemon's
  | 'no-such-instance'
  | 'refused' // the daemon will not do it (config invalid, instance in FAULT, …)
  | 'internal';

export interface ErrorReply {
  readonly id?: RequestId;
  readonly ok: false;
  readonly error: { readonly code: ErrorCode; readonly message: string; readonly details?: unknown };
}

export type ParseResult = { readonly ok: true; readonly request: Request } | { readonly ok: false; readonly id: RequestId; readonly code: ErrorCode; readonly message: string };

export function isChange(cmd: CommandName): boolean {
  return (CHANGE_COMMANDS as readonly string[]).includes(cmd);
}

const INSTANCE_RE = /^[\x21-\x7e]{1,256}$/;

function fail(id: RequestId, code: ErrorCode, message: string): ParseResult {
  return { ok: false, id, code, message };
}

/** Parse one request line (without its newline). */
export function parseRequest(line: string): ParseResult {
  if (line.length > MAX_LINE) return fail(null, 'line-too-long', `request longer than ${MAX_LINE} bytes`);
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return fail(null, 'bad-json', 'the request is not valid JSON (one JSON object per line)');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(null, 'bad-request', 'the request must be a JSON object with a "cmd" field');
  const o = v as Record<string, unknown>;
  const id: RequestId = typeof o.id === 'string' || typeof o.id === 'number' ? (typeof o.id === 'string' ? o.id.slice(0, 128) : o.id) : null;
  if (typeof o.cmd !== 'string') return fail(id, 'bad-request', 'missing "cmd" (one of: ' + COMMANDS.join(', ') + ')');
  const cmd = o.cmd;
  if (!(COMMANDS as readonly string[]).includes(cmd)) return fail(id, 'unknown-command', `unknown command '${cmd.slice(0, 64)}' (one of: ${COMMANDS.join(', ')})`);
  let instance: string | undefined;
  if (o.instance !== undefined && o.instance !== null) {
    if (typeof o.instance !== 'string' || !INSTANCE_RE.test(o.instance)) return fail(id, 'bad-request', '"instance" must be an instance name');
    instance = o.instance;
  }
  switch (cmd as CommandName) {
    case 'ping':
      return { ok: true, request: { id, cmd: 'ping' } };
    case 'status':
      return { ok: true, request: { id, cmd: 'status', instance } };
    case 'events': {
      const limit = o.limit === undefined ? 100 : o.limit;
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0 || limit > 10_000) return fail(id, 'bad-request', '"limit" must be an integer 0..10000');
      if (o.follow !== undefined && typeof o.follow !== 'boolean') return fail(id, 'bad-request', '"follow" must be true or false');
      return { ok: true, request: { id, cmd: 'events', limit, follow: o.follow === true } };
    }
    case 'reload':
      return { ok: true, request: { id, cmd: 'reload' } };
    case 'garp':
      return { ok: true, request: { id, cmd: 'garp', instance } };
    case 'switchover':
      if (o.group !== undefined && o.group !== null) {
        if (typeof o.group !== 'string' || !INSTANCE_RE.test(o.group)) return fail(id, 'bad-request', '"group" must be a vrrp_sync_group name');
        return { ok: true, request: { id, cmd: 'switchover', instance, group: o.group } };
      }
      return { ok: true, request: { id, cmd: 'switchover', instance } };
    case 'maintenance':
      if (typeof o.on !== 'boolean') return fail(id, 'bad-request', '"on" must be true or false');
      return { ok: true, request: { id, cmd: 'maintenance', instance, on: o.on } };
  }
}

/**
 * Splits a byte stream into lines, bounded: `push` returns the complete lines, or `overflow` when a line
 * grows past `max` bytes without a newline (the caller answers and closes; nothing more is buffered).
 * Linear in the input however it is cut: each chunk is scanned once (a client writing a 64 KiB line one byte
 * at a time cost 1.2 s of CPU when the whole buffer was re-scanned on every chunk), and a line's CR before
 * its LF is not counted against `max` even when the LF comes in a later chunk.
 */
export class LineSplitter {
  /** The unterminated line so far, in pieces (joined once, when its newline arrives). */
  private pieces: string[] = [];
  private pending = 0;
  constructor(private readonly max: number = MAX_LINE) {}

  push(chunk: string): { lines: string[]; overflow: boolean } {
    const lines: string[] = [];
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', from);
      if (nl < 0) break;
      let line = chunk.slice(from, nl);
      if (this.pieces.length > 0) {
        this.pieces.push(line);
        line = this.pieces.join('');
        this.pieces = [];
        this.pending = 0;
      }
      from = nl + 1;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line.length > this.max) return { lines, overflow: true };
      if (line.trim() !== '') lines.push(line);
    }
    if (from < chunk.length) {
      this.pieces.push(chunk.slice(from));
      this.pending += chunk.length - from;
      // one more character than the limit is allowed only when it may be the line's CR
      if (this.pending > this.max + 1 || (this.pending === this.max + 1 && !chunk.endsWith('\r'))) {
        this.pieces = [];
        this.pending = 0;
        return { lines, overflow: true };
      }
    }
    return { lines, overflow: false };
  }
}

/** One reply line (with its newline). */
export function encodeLine(v: unknown): string {
  return `${JSON.stringify(v)}\n`;
}
