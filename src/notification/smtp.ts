// SMTP alert client (reference §1.9.2, RFC 5321 §3.3 / §4.5.2; keepalived 2.2.7 `core/smtp.c`): one plain
// SMTP dialogue per mail — 220 greeting, HELO, MAIL FROM, one RCPT TO per recipient, DATA, the message
// with keepalived's headers, ".", QUIT — on `node:net`, each step bounded by `smtp_connect_timeout`.
//
// keepalived-compat (verified against 2.2.7 with a recording server): `HELO <smtp_helo_name | local name>`,
// `MAIL FROM:<from>`, `RCPT TO:<addr>` with the configured text as is (a `"Name <a@b>"` entry gives
// `RCPT TO:<Name <a@b>>`), headers `Date` (`%a, %d %b %Y %H:%M:%S %z`, local time), `From`, `Subject`,
// `X-Mailer: Keepalived`, `To` (recipients joined by ", "), a blank line, the body, a blank line, ".".
// Its log lines are kept ("Error processing RCPT cmd on SMTP server [10.0.0.1]:25. SMTP status code = 550").
//
// Better than keepalived: mails go one at a time in order through a bounded queue (keepalived opens one
// connection per mail at once, so a burst of transitions can arrive out of order); lines starting with '.'
// are dot-stuffed (RFC 5321 §4.5.2; keepalived does not); any 2xx (3xx for DATA) reply is accepted where
// keepalived wants exactly 250/354/221; host names are resolved at each send, not once at config time.
// Test: test/unit/notification/smtp.test.ts "runs keepalived's dialogue: HELO, MAIL FROM, RCPT TO per recipient, DATA, message, QUIT"; test/interop/smtp-differential.test.ts.

import { Socket } from 'node:net';
import { lookup as dnsLookup } from 'node:dns/promises';
import { hostname, userInfo } from 'node:os';
import { readFileSync } from 'node:fs';

/** Where and how to send (from `global_defs`, defaults applied by {@link smtpSettings}). */
export interface SmtpSettings {
  readonly host: string;
  readonly port: number;
  readonly heloName: string;
  readonly from: string;
  /** `notification_email` entries, as configured. */
  readonly recipients: readonly string[];
  /** `smtp_connect_timeout`: bounds the connection and each reply (ms). */
  readonly timeoutMs: number;
}

export interface MailMessage {
  readonly subject: string;
  readonly body: string;
}

/** Minimal logger (pino's `Logger` fits). */
export interface SmtpLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export type SmtpOutcome = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => String(n).padStart(2, '0');

/** strftime `%a, %d %b %Y %H:%M:%S %z` in local time (RFC 5322 §3.3 date), as keepalived's Date header. */
export function formatDate(d: Date): string {
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `${DAYS[d.getDay()]}, ${p2(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${sign}${p2(Math.floor(a / 60))}${p2(a % 60)}`;
}

/**
 * The DATA section, terminator included: keepalived's headers, a blank line, the body, a blank line, ".".
 * CR/LF inside the subject are replaced by spaces (no header injection); body lines starting with '.' are
 * dot-stuffed. Does not check line lengths.
 */
export function buildMessage(s: Pick<SmtpSettings, 'from' | 'recipients'>, msg: MailMessage, date: Date): string {
  const subject = msg.subject.replace(/[\r\n]+/g, ' ');
  const head = `Date: ${formatDate(date)}\r\nFrom: ${s.from}\r\nSubject: ${subject}\r\nX-Mailer: Keepalived\r\nTo: ${s.recipients.join(', ')}\r\n\r\n`;
  const body = msg.body
    .split(/\r?\n/)
    .map((l) => (l.startsWith('.') ? `.${l}` : l))
    .join('\r\n');
  return `${head}${body}\r\n\r\n.\r\n`;
}

/** keepalived's `inet_sockaddrtopair()`: `[addr]:port` for both families. */
export function hostPair(address: string, port: number): string {
  return `[${address}]:${port}`;
}

/** Reads SMTP replies (RFC 5321 §4.2: `NNN-text` continuation lines, `NNN text` the last). */
class ReplyReader {
  private buf = '';
  private waiter: ((r: { code: number } | { error: string }) => void) | undefined;
  private pending: Array<{ code: number } | { error: string }> = [];

  feed(chunk: string): void {
    this.buf += chunk;
    if (this.buf.length > 64 * 1024) {
      this.buf = '';
      this.push({ error: 'overflow' });
      return;
    }
    let i: number;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i).replace(/\r$/, '');
      this.buf = this.buf.slice(i + 1);
      if (line.length >= 4 && line[3] === '-') continue;
      const code = /^\d{3}/.test(line) ? Number(line.slice(0, 3)) : -1;
      this.push(code < 0 ? { error: `malformed reply '${line.slice(0, 80)}'` } : { code });
    }
  }

  fail(error: string): void {
    this.push({ error });
  }

  private push(r: { code: number } | { error: string }): void {
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w(r);
    } else this.pending.push(r);
  }

  next(): Promise<{ code: number } | { error: string }> {
    const r = this.pending.shift();
    if (r) return Promise.resolve(r);
    return new Promise((res) => (this.waiter = res));
  }
}

export interface SendOptions {
  readonly log: SmtpLogger;
  /** Log "connected" / "successfully sent" (keepalived prints them with `-D`). */
  readonly detail?: boolean;
  /** Name resolution (default `dns.lookup`). */
  readonly lookup?: (host: string) => Promise<{ address: string; family: number }>;
  readonly now?: () => Date;
}

/**
 * One SMTP dialogue. Never rejects: every failure is logged (keepalived's wording where it has one) and
 * returned. After an unexpected reply or a read timeout QUIT is sent, as keepalived does.
 */
export async function sendMail(s: SmtpSettings, msg: MailMessage, opts: SendOptions): Promise<SmtpOutcome> {
  const log = opts.log;
  let addr: { address: string; family: number };
  try {
    addr = await (opts.lookup ?? ((h: string) => dnsLookup(h)))(s.host);
  } catch (err) {
    const reason = `cannot resolve SMTP server ${s.host}: ${err instanceof Error ? err.message : String(err)}`;
    log.error({ event: 'smtp.error', host: s.host }, reason);
    return { ok: false, reason };
  }
  const pair = hostPair(addr.address, s.port);
  const sock = new Socket();
  const replies = new ReplyReader();
  let timer: NodeJS.Timeout | undefined;
  const arm = (what: () => void): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(what, s.timeoutMs);
  };
  let connected = false;
  let closed = false;
  sock.setEncoding('latin1');
  sock.on('data', (c: string) => replies.feed(c));
  sock.on('error', (err) => replies.fail(`socket error: ${err.message}`));
  sock.on('close', () => {
    closed = true;
    replies.fail('closed');
  });

  const fail = (reason: string): SmtpOutcome => {
    log.error({ event: 'smtp.error', server: pair }, reason);
    return { ok: false, reason };
  };
  const quit = async (): Promise<void> => {
    if (closed) return;
    sock.write('QUIT\r\n');
    arm(() => sock.destroy());
    await replies.next();
  };

  try {
    const conn = await new Promise<'ok' | 'timeout' | string>((res) => {
      arm(() => res('timeout'));
      sock.once('connect', () => res('ok'));
      sock.once('error', (err) => res(err.message));
      sock.connect({ host: addr.address, port: s.port, family: addr.family });
    });
    if (conn === 'timeout') return fail(`Timeout opening connection to remote SMTP server ${pair}.`);
    if (conn !== 'ok') return fail(`SMTP connection ERROR to ${pair}. (${conn})`);
    connected = true;
    if (opts.detail) log.info({ event: 'smtp.connected', server: pair }, `Remote SMTP server ${pair} connected.`);

    /** Waits for a reply; undefined when it has the expected class, else the failure. */
    const expect = async (name: string, ok: (code: number) => boolean): Promise<SmtpOutcome | undefined> => {
      let timedOut = false;
      arm(() => {
        timedOut = true;
        replies.fail('timeout');
      });
      const r = await replies.next();
      if ('code' in r) {
        if (ok(r.code)) return undefined;
        const out = fail(`Error processing ${name} cmd on SMTP server ${pair}. SMTP status code = ${r.code}`);
        await quit();
        return out;
      }
      if (timedOut) {
        const out = fail(`Timeout reading data to remote SMTP server ${pair}.`);
        await quit();
        return out;
      }
      if (r.error === 'closed') return fail(`Remote SMTP server ${pair} has closed the connection.`);
      const out = fail(`Error reading data from remote SMTP server ${pair}: ${r.error}`);
      await quit();
      return out;
    };
    const is2 = (c: number): boolean => c >= 200 && c < 300;
    const step = async (line: string | undefined, name: string, ok: (c: number) => boolean): Promise<SmtpOutcome | undefined> => {
      if (line !== undefined) {
        if (closed) return fail(`Cannot send data to remote SMTP server ${pair}.`);
        sock.write(line);
      }
      return expect(name, ok);
    };

    const steps: Array<[string | undefined, string, (c: number) => boolean]> = [
      [undefined, '(E)SMTP', is2],
      [`HELO ${s.heloName}\r\n`, 'HELO', is2],
      [`MAIL FROM:<${s.from}>\r\n`, 'MAIL', is2],
      ...s.recipients.map((r): [string, string, (c: number) => boolean] => [`RCPT TO:<${r}>\r\n`, 'RCPT', is2]),
      ['DATA\r\n', 'DATA', (c) => c >= 300 && c < 400],
      [buildMessage(s, msg, (opts.now ?? (() => new Date()))()), 'BODY', is2],
    ];
    for (const [line, name, ok] of steps) {
      const bad = await step(line, name, ok);
      if (bad) return bad;
    }
    if (opts.detail) log.info({ event: 'smtp.sent', server: pair, subject: msg.subject }, 'SMTP alert successfully sent.');
    else log.debug({ event: 'smtp.sent', server: pair, subject: msg.subject }, 'SMTP alert successfully sent.');
    // A failed QUIT does not undo a delivered mail.
    if (!closed) {
      sock.write('QUIT\r\n');
      arm(() => replies.fail('timeout'));
      await replies.next();
    }
    return { ok: true };
  } finally {
    if (timer) clearTimeout(timer);
    if (connected) sock.end();
    sock.destroy();
  }
}

/** The local name keepalived uses for `router_id`, HELO and From (`getaddrinfo(nodename, AI_CANONNAME)`). */
export function localName(hostsFile = '/etc/hosts'): string {
  const node = hostname();
  // glibc's files backend gives the first name of the first /etc/hosts line listing the node name.
  try {
    for (const raw of readFileSync(hostsFile, 'utf8').split('\n')) {
      const names = raw.replace(/#.*/, '').trim().split(/\s+/).slice(1);
      if (names.includes(node)) return names[0]!;
    }
  } catch {
    // no hosts file: the node name
  }
  return node;
}

/** `global_defs` → settings with keepalived's defaults, or undefined when no mail is to be sent. */
export function smtpSettings(
  g: {
    readonly notificationEmail: readonly string[];
    readonly notificationEmailFrom: string | undefined;
    readonly smtpServer: { readonly host: string; readonly port: number } | undefined;
    readonly smtpHeloName: string | undefined;
    readonly smtpConnectTimeout: number;
  },
  local: () => string = localName,
): SmtpSettings | undefined {
  // keepalived smtp_alert(): "Only send mail if email specified" and a server is set.
  if (!g.smtpServer || g.notificationEmail.length === 0) return undefined;
  let name: string | undefined;
  const ln = (): string => (name ??= local());
  let user = 'root';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry: keepalived leaves email_from unset; root is our fallback
  }
  return {
    host: g.smtpServer.host,
    port: g.smtpServer.port,
    heloName: g.smtpHeloName ?? ln(),
    from: g.notificationEmailFrom ?? `${user}@${ln()}`,
    recipients: g.notificationEmail,
    timeoutMs: Math.max(1, Math.round(g.smtpConnectTimeout / 1000)),
  };
}

export interface MailQueueOptions extends SendOptions {
  /** Mails waiting beyond the one in flight; the oldest waiting is dropped beyond it. Default 64. */
  readonly maxQueued?: number;
  /** The sender (tests); default {@link sendMail}. */
  readonly send?: (s: SmtpSettings, m: MailMessage, o: SendOptions) => Promise<SmtpOutcome>;
}

/** Sends mails one at a time, in order, through a bounded queue. */
export class MailQueue {
  private readonly waiting: MailMessage[] = [];
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(
    private settings: SmtpSettings,
    private readonly opts: MailQueueOptions,
  ) {}

  /** New settings (reload) for the mails not yet started. */
  update(settings: SmtpSettings): void {
    this.settings = settings;
  }

  /** Queues a mail; returns false when it (or an older one) had to be dropped or the queue is closed. */
  enqueue(msg: MailMessage): boolean {
    if (this.closed) return false;
    this.waiting.push(msg);
    let dropped = false;
    const max = this.opts.maxQueued ?? 64;
    while (this.waiting.length > max) {
      const old = this.waiting.shift()!;
      dropped = true;
      this.opts.log.error({ event: 'smtp.dropped', subject: old.subject }, `SMTP alert queue full (${max}): dropped '${old.subject}'`);
    }
    this.running ??= this.drain();
    return !dropped;
  }

  private async drain(): Promise<void> {
    for (let m = this.waiting.shift(); m; m = this.waiting.shift()) {
      try {
        await (this.opts.send ?? sendMail)(this.settings, m, this.opts);
      } catch (err) {
        this.opts.log.error({ event: 'smtp.error' }, `SMTP alert failed: ${String(err)}`);
      }
    }
    this.running = undefined;
  }

  get pending(): number {
    return this.waiting.length + (this.running ? 1 : 0);
  }

  /** Resolves when every queued mail has been tried. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops taking mails; resolves when the queue drained or after `waitMs` (the rest is dropped). */
  async close(waitMs: number): Promise<void> {
    this.closed = true;
    let t: NodeJS.Timeout | undefined;
    await Promise.race([this.idle(), new Promise<void>((r) => (t = setTimeout(r, waitMs)))]);
    if (t) clearTimeout(t);
    this.waiting.length = 0;
  }
}
