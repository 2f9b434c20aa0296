// SMTP client (src/notification/smtp.ts, keepalived 2.2.7 core/smtp.c): the dialogue against a fake server on
// 127.0.0.1 (random port), multi-line replies, dot-stuffing, 4xx/5xx replies, timeouts, a server closing
// mid-dialogue, and the queue keeping mails ordered and bounded.

import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MailQueue, buildMessage, formatDate, hostPair, localName, sendMail, smtpSettings, type SmtpSettings } from '../../../src/notification/smtp.js';
import { globalDefs, s } from '../../support/config.js';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir, hostname } from 'node:os';

interface Session {
  lines: string[];
  data: string | undefined;
}

/** Replies per verb; `greeting` first. A function reply can misbehave (close, stay silent). */
interface Script {
  greeting?: string | null;
  reply?: (verb: string, line: string, sock: Socket) => string | null | undefined;
}

class FakeSmtp {
  readonly sessions: Session[] = [];
  private server: Server | undefined;
  private socks = new Set<Socket>();
  port = 0;

  async listen(script: Script = {}): Promise<void> {
    this.server = createServer((sock) => {
      this.socks.add(sock);
      sock.on('close', () => this.socks.delete(sock));
      sock.on('error', () => undefined);
      const sess: Session = { lines: [], data: undefined };
      this.sessions.push(sess);
      let buf = '';
      let inData = false;
      let data: string[] = [];
      sock.setEncoding('latin1');
      const greeting = script.greeting === undefined ? '220 fake ESMTP\r\n' : script.greeting;
      if (greeting !== null) sock.write(greeting);
      sock.on('data', (c: string) => {
        buf += c;
        let i;
        while ((i = buf.indexOf('\r\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (inData) {
            if (line === '.') {
              inData = false;
              sess.data = data.join('\r\n');
              sess.lines.push('.');
              const r = script.reply?.('.', line, sock);
              if (r !== null) sock.write(r ?? '250 queued\r\n');
            } else data.push(line);
            continue;
          }
          sess.lines.push(line);
          const verb = line.split(/[ :]/)[0]!.toUpperCase();
          const r = script.reply?.(verb, line, sock);
          if (r === null) continue;
          if (r !== undefined) {
            sock.write(r);
            continue;
          }
          if (verb === 'DATA') {
            inData = true;
            data = [];
            sock.write('354 go ahead\r\n');
          } else if (verb === 'QUIT') sock.end('221 bye\r\n');
          else sock.write('250 ok\r\n');
        }
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    const a = this.server.address();
    this.port = typeof a === 'object' && a ? a.port : 0;
  }

  async close(): Promise<void> {
    for (const s of this.socks) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

class Log {
  readonly lines: Array<{ level: string; msg: string }> = [];
  debug = (_o: object, msg: string): void => void this.lines.push({ level: 'debug', msg });
  info = (_o: object, msg: string): void => void this.lines.push({ level: 'info', msg });
  error = (_o: object, msg: string): void => void this.lines.push({ level: 'error', msg });
  errors = (): string[] => this.lines.filter((l) => l.level === 'error').map((l) => l.msg);
}

const settings = (port: number, o: Partial<SmtpSettings> = {}): SmtpSettings => ({
  host: '127.0.0.1',
  port,
  heloName: 'node1',
  from: 'havipd@example.net',
  recipients: ['ops@example.com', 'Second <second@example.org>'],
  timeoutMs: 2_000,
  ...o,
});
const msg = { subject: '[r1] VRRP Instance VI_1 - Entering MASTER state', body: '=> VRRP Instance is now owning VRRP VIPs <=' };
const fixedDate = new Date(2026, 10, 21, 0, 46, 6);

let server: FakeSmtp;
afterEach(async () => {
  await server?.close();
});

describe('message format (keepalived 2.2.7, recorded)', () => {
  it('Date is strftime "%a, %d %b %Y %H:%M:%S %z" in local time', () => {
    const d = formatDate(fixedDate);
    expect(d).toMatch(/^Sat, 21 Nov 2026 00:46:06 [+-]\d{4}$/);
    const off = -fixedDate.getTimezoneOffset();
    expect(d.slice(-5)).toBe(`${off < 0 ? '-' : '+'}${String(Math.floor(Math.abs(off) / 60)).padStart(2, '0')}${String(Math.abs(off) % 60).padStart(2, '0')}`);
  });

  it('headers Date, From, Subject, X-Mailer, To (joined by ", "), blank line, body, blank line, "."', () => {
    const m = buildMessage(settings(25), msg, fixedDate);
    expect(m).toBe(
      `Date: ${formatDate(fixedDate)}\r\nFrom: havipd@example.net\r\nSubject: [r1] VRRP Instance VI_1 - Entering MASTER state\r\nX-Mailer: Keepalived\r\n` +
        'To: ops@example.com, Second <second@example.org>\r\n\r\n=> VRRP Instance is now owning VRRP VIPs <=\r\n\r\n.\r\n',
    );
  });

  it('dot-stuffs body lines starting with "." and keeps CR/LF out of the subject', () => {
    const m = buildMessage(settings(25), { subject: 'a\r\nBcc: x@y', body: '.\n..two\nok' }, fixedDate);
    expect(m).toContain('\r\nSubject: a Bcc: x@y\r\n');
    expect(m.endsWith('\r\n\r\n..\r\n...two\r\nok\r\n\r\n.\r\n')).toBe(true);
  });

  it('hostPair is keepalived\'s [addr]:port for both families', () => {
    expect(hostPair('10.0.0.1', 25)).toBe('[10.0.0.1]:25');
    expect(hostPair('::1', 2525)).toBe('[::1]:2525');
  });
});

describe('settings defaults (keepalived init_global_data)', () => {
  it('none without smtp_server or without notification_email', () => {
    expect(smtpSettings(globalDefs({ notificationEmail: ['a@b'] }))).toBeUndefined();
    expect(smtpSettings(globalDefs({ smtpServer: { host: '127.0.0.1', port: 25 } }))).toBeUndefined();
  });

  it('HELO and From default to the local name (From: <user>@<local name>), timeout in ms', () => {
    const st = smtpSettings(globalDefs({ smtpServer: { host: 'mx', port: 25 }, notificationEmail: ['a@b'], smtpConnectTimeout: s(7) }), () => 'node.example')!;
    expect(st.heloName).toBe('node.example');
    expect(st.from).toMatch(/^[^@]+@node\.example$/);
    expect(st.timeoutMs).toBe(7_000);
    const st2 = smtpSettings(globalDefs({ smtpServer: { host: 'mx', port: 25 }, notificationEmail: ['a@b'], smtpHeloName: 'helo1', notificationEmailFrom: 'f@x' }), () => 'unused')!;
    expect([st2.heloName, st2.from]).toEqual(['helo1', 'f@x']);
  });

  it('localName takes the first name of the /etc/hosts line listing the node name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hv-smtp-hosts-'));
    try {
      const f = join(dir, 'hosts');
      writeFileSync(f, `# c\n127.0.0.1 localhost\n10.0.0.5 ${hostname()}.example.org ${hostname()}\n`);
      expect(localName(f)).toBe(`${hostname()}.example.org`);
      expect(localName(join(dir, 'missing'))).toBe(hostname());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sendMail against a fake server', () => {
  it('runs keepalived\'s dialogue: HELO, MAIL FROM, RCPT TO per recipient, DATA, message, QUIT', async () => {
    server = new FakeSmtp();
    await server.listen();
    const log = new Log();
    const r = await sendMail(settings(server.port), msg, { log, detail: true, now: () => fixedDate });
    expect(r).toEqual({ ok: true });
    expect(server.sessions).toHaveLength(1);
    expect(server.sessions[0]!.lines).toEqual(['HELO node1', 'MAIL FROM:<havipd@example.net>', 'RCPT TO:<ops@example.com>', 'RCPT TO:<Second <second@example.org>>', 'DATA', '.', 'QUIT']);
    expect(server.sessions[0]!.data).toBe(buildMessage(settings(server.port), msg, fixedDate).replace(/\r\n\.\r\n$/, ''));
    expect(log.lines.map((l) => l.msg)).toEqual([`Remote SMTP server [127.0.0.1]:${server.port} connected.`, 'SMTP alert successfully sent.']);
  });

  it('reads multi-line replies (greeting and HELO) to their last line', async () => {
    server = new FakeSmtp();
    await server.listen({
      greeting: '220-fake.example ESMTP\r\n220-second line\r\n220 ready\r\n',
      reply: (verb) => (verb === 'HELO' ? '250-fake.example\r\n250-SIZE 1000\r\n250 8BITMIME\r\n' : undefined),
    });
    const r = await sendMail(settings(server.port), msg, { log: new Log() });
    expect(r.ok).toBe(true);
    expect(server.sessions[0]!.lines.at(-1)).toBe('QUIT');
  });

  it('a reply split across TCP segments is reassembled', async () => {
    const raw = createServer((sock) => {
      sock.write('22');
      setTimeout(() => sock.write('0-a\r'), 10);
      setTimeout(() => sock.write('\n220 b\r\n'), 20);
      sock.on('data', (d) => {
        const t = d.toString();
        if (t.startsWith('HELO')) sock.end('421 go away\r\n');
      });
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    const port = (raw.address() as { port: number }).port;
    const log = new Log();
    const out = await sendMail(settings(port), msg, { log });
    raw.close();
    expect(out).toEqual({ ok: false, reason: `Error processing HELO cmd on SMTP server [127.0.0.1]:${port}. SMTP status code = 421` });
  });

  it('a 5xx to RCPT ends the attempt with keepalived\'s error and a QUIT', async () => {
    server = new FakeSmtp();
    await server.listen({ reply: (verb, line) => (verb === 'RCPT' && line.includes('second') ? '550 5.1.1 no such user\r\n' : undefined) });
    const log = new Log();
    const r = await sendMail(settings(server.port), msg, { log });
    expect(r.ok).toBe(false);
    expect(log.errors()).toEqual([`Error processing RCPT cmd on SMTP server [127.0.0.1]:${server.port}. SMTP status code = 550`]);
    expect(server.sessions[0]!.lines).toEqual(['HELO node1', 'MAIL FROM:<havipd@example.net>', 'RCPT TO:<ops@example.com>', 'RCPT TO:<Second <second@example.org>>', 'QUIT']);
    expect(server.sessions[0]!.data).toBeUndefined();
  });

  it('a 4xx greeting and a 4xx after the message are errors too', async () => {
    server = new FakeSmtp();
    await server.listen({ greeting: '421 busy\r\n' });
    const log = new Log();
    expect((await sendMail(settings(server.port), msg, { log })).ok).toBe(false);
    expect(log.errors()[0]).toBe(`Error processing (E)SMTP cmd on SMTP server [127.0.0.1]:${server.port}. SMTP status code = 421`);
    await server.close();
    server = new FakeSmtp();
    await server.listen({ reply: (verb) => (verb === '.' ? '452 full\r\n' : undefined) });
    const log2 = new Log();
    expect((await sendMail(settings(server.port), msg, { log: log2 })).ok).toBe(false);
    expect(log2.errors()[0]).toContain('Error processing BODY cmd');
    expect(log2.errors()[0]).toContain('SMTP status code = 452');
  });

  it('a silent server times out (read timeout) and gets a QUIT', async () => {
    server = new FakeSmtp();
    await server.listen({ reply: (verb) => (verb === 'MAIL' ? null : undefined) });
    const log = new Log();
    const t0 = Date.now();
    const r = await sendMail(settings(server.port, { timeoutMs: 200 }), msg, { log });
    expect(r.ok).toBe(false);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(log.errors()).toEqual([`Timeout reading data to remote SMTP server [127.0.0.1]:${server.port}.`]);
    expect(server.sessions[0]!.lines.at(-1)).toBe('QUIT');
  });

  it('a connection that cannot be made fails quickly (refused) or at the connect timeout', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const log = new Log();
    const r = await sendMail(settings(port), msg, { log });
    expect(r.ok).toBe(false);
    expect(log.errors()[0]).toMatch(new RegExp(`^SMTP connection ERROR to \\[127\\.0\\.0\\.1\\]:${port}\\.`));
    // A black-holed address (TEST-NET-1 is unroutable here or dropped): the connect timeout ends it.
    const log2 = new Log();
    const t0 = Date.now();
    const r2 = await sendMail(settings(9, { host: '192.0.2.1', timeoutMs: 300 }), msg, { log: log2 });
    expect(r2.ok).toBe(false);
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(log2.errors()[0]).toMatch(/^(Timeout opening connection to remote SMTP server \[192\.0\.2\.1\]:9\.|SMTP connection ERROR to \[192\.0\.2\.1\]:9\.)/);
  });

  it('a server closing mid-dialogue ends the attempt with keepalived\'s message', async () => {
    server = new FakeSmtp();
    await server.listen({ reply: (verb, _l, sock) => (verb === 'MAIL' ? (sock.destroy(), null) : undefined) });
    const log = new Log();
    const r = await sendMail(settings(server.port), msg, { log });
    expect(r.ok).toBe(false);
    expect(log.errors()[0]).toBe(`Remote SMTP server [127.0.0.1]:${server.port} has closed the connection.`);
  });

  it('host names are resolved (lookup), IPv6 addresses connect as such', async () => {
    server = new FakeSmtp();
    await server.listen();
    const seen: string[] = [];
    const r = await sendMail(settings(server.port, { host: 'smtp.test' }), msg, {
      log: new Log(),
      lookup: async (h) => (seen.push(h), { address: '127.0.0.1', family: 4 }),
    });
    expect(r.ok).toBe(true);
    expect(seen).toEqual(['smtp.test']);
    const log = new Log();
    const bad = await sendMail(settings(server.port, { host: 'nx.invalid' }), msg, { log, lookup: () => Promise.reject(new Error('ENOTFOUND')) });
    expect(bad.ok).toBe(false);
    expect(log.errors()[0]).toBe('cannot resolve SMTP server nx.invalid: ENOTFOUND');
  });

  it('IPv6 loopback server ([::1])', async () => {
    const v6 = createServer((sock) => {
      sock.write('220 v6\r\n');
      sock.on('data', (d) => {
        for (const line of d.toString().split('\r\n').filter(Boolean)) {
          if (line.startsWith('DATA')) sock.write('354 go\r\n');
          else if (line === '.') sock.write('250 ok\r\n');
          else if (line.startsWith('QUIT')) sock.end('221 bye\r\n');
          else if (/^(HELO|MAIL|RCPT)/.test(line)) sock.write('250 ok\r\n');
        }
      });
    });
    const ok = await new Promise<boolean>((r) => {
      v6.once('error', () => r(false));
      v6.listen(0, '::1', () => r(true));
    });
    if (!ok) return; // no IPv6 loopback in this sandbox
    const port = (v6.address() as { port: number }).port;
    const log = new Log();
    const r = await sendMail(settings(port, { host: '::1' }), msg, { log, detail: true });
    v6.close();
    expect(r).toEqual({ ok: true });
    expect(log.lines[0]!.msg).toBe(`Remote SMTP server [::1]:${port} connected.`);
  });
});

describe('MailQueue', () => {
  it('sends many alerts one at a time in order, on one connection each', async () => {
    server = new FakeSmtp();
    let open = 0;
    let maxOpen = 0;
    await server.listen({
      reply: (verb) => {
        if (verb === 'HELO') maxOpen = Math.max(maxOpen, ++open);
        if (verb === 'QUIT') open--;
        return undefined;
      },
    });
    const q = new MailQueue(settings(server.port), { log: new Log(), maxQueued: 100 });
    for (let i = 0; i < 20; i++) expect(q.enqueue({ subject: `s${i}`, body: `b${i}` })).toBe(true);
    await q.idle();
    expect(server.sessions.map((x) => /Subject: (\S+)/.exec(x.data ?? '')?.[1])).toEqual(Array.from({ length: 20 }, (_, i) => `s${i}`));
    expect(maxOpen).toBe(1);
  });

  it('is bounded: beyond maxQueued the oldest waiting mail is dropped and logged', async () => {
    const sent: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const log = new Log();
    const q = new MailQueue(settings(1), {
      log,
      maxQueued: 3,
      send: async (_s, m) => {
        await gate;
        sent.push(m.subject);
        return { ok: true };
      },
    });
    const results = ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => q.enqueue({ subject: x, body: '' }));
    // 'a' is in flight; b..f waited with room for 3: b and c dropped.
    expect(results).toEqual([true, true, true, true, false, false]);
    expect(q.pending).toBe(4);
    release();
    await q.idle();
    expect(sent).toEqual(['a', 'd', 'e', 'f']);
    expect(log.errors()).toEqual(["SMTP alert queue full (3): dropped 'b'", "SMTP alert queue full (3): dropped 'c'"]);
  });

  it('a failing mail does not stop the ones after it; close() stops taking mails', async () => {
    server = new FakeSmtp();
    await server.listen({ reply: (verb, line) => (verb === 'MAIL' && server.sessions.length === 1 ? '451 later\r\n' : (void line, undefined)) });
    const log = new Log();
    const q = new MailQueue(settings(server.port), { log });
    q.enqueue({ subject: 'one', body: '' });
    q.enqueue({ subject: 'two', body: '' });
    await q.idle();
    expect(server.sessions.map((x) => x.data?.includes('Subject: two') ?? false)).toEqual([false, true]);
    await q.close(100);
    expect(q.enqueue({ subject: 'three', body: '' })).toBe(false);
  });
});
