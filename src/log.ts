// The one pino root logger (ARCHITECTURE.md §4): JSON lines for journald by default, keepalived-style
// human lines on request. Children per instance carry { instance, vrid }; `event` is a stable field.

import { pino, type Logger } from 'pino';

export type LogFormat = 'json' | 'pretty';
export type { Logger };

export interface LogOptions {
  readonly format: LogFormat;
  /** `-D`: detail (debug level). */
  readonly detail: boolean;
  /** Where lines go; default stdout. */
  readonly destination?: NodeJS.WritableStream;
}

/** Fields that must never reach a log line (ARCHITECTURE.md §4: secrets). */
export const REDACT_PATHS = ['auth_pass', 'password', '*.password', 'auth.password', '*.auth.password'];

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** ctime(3) without the newline, as keepalived's console log prints it: `Fri Nov 20 23:35:28 2026`. */
export function ctime(d: Date): string {
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${d.getFullYear()}`;
}

export function createLogger(opts: LogOptions): Logger {
  const level = opts.detail ? 'debug' : 'info';
  const dest = opts.destination ?? process.stdout;
  if (opts.format === 'pretty') {
    // keepalived-style: "Fri Nov 20 23:01:31 2026: (VI_1) Entering MASTER STATE"
    const stream = {
      write(line: string): void {
        try {
          const rec = JSON.parse(line) as { time?: number; msg?: string };
          dest.write(`${ctime(new Date(rec.time ?? Date.now()))}: ${rec.msg ?? ''}\n`);
        } catch {
          dest.write(line);
        }
      },
    };
    return pino({ level, redact: { paths: REDACT_PATHS, censor: '********' }, base: undefined }, stream);
  }
  return pino(
    { level, redact: { paths: REDACT_PATHS, censor: '********' }, base: { pid: process.pid } },
    dest as unknown as pino.DestinationStream,
  );
}
