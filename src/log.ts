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
  /** `-g/--log-file`: also write keepalived-style lines here. */
  readonly file?: NodeJS.WritableStream;
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

/** A pino JSON line as keepalived prints it: `Fri Nov 20 23:01:31 2026: (VI_1) Entering MASTER STATE`. */
export function prettyLine(json: string): string {
  try {
    const rec = JSON.parse(json) as { time?: number; msg?: string };
    return `${ctime(new Date(rec.time ?? Date.now()))}: ${rec.msg ?? ''}\n`;
  } catch {
    return json;
  }
}

/** keepalived's VRRP child logs to the `-g` file with `_vrrp` before the extension: keepalived_vrrp.log. */
export function vrrpLogFileName(file: string): string {
  const slash = file.lastIndexOf('/');
  const dot = file.lastIndexOf('.');
  return dot > slash + 1 ? `${file.slice(0, dot)}_vrrp${file.slice(dot)}` : `${file}_vrrp`;
}

export function createLogger(opts: LogOptions): Logger {
  const level = opts.detail ? 'debug' : 'info';
  const dest = opts.destination ?? process.stdout;
  const redact = { paths: REDACT_PATHS, censor: '********' };
  // One JSON line per record from pino, fanned out: stdout in the chosen format, and the `-g` log file
  // (keepalived-style human lines, as keepalived writes it) when one is given.
  const sinks: Array<(line: string) => void> = [opts.format === 'pretty' ? (l) => void dest.write(prettyLine(l)) : (l) => void dest.write(l)];
  if (opts.file) sinks.push((l) => void opts.file!.write(prettyLine(l)));
  const stream = { write: (line: string): void => sinks.forEach((sink) => sink(line)) };
  return pino({ level, redact, base: opts.format === 'pretty' ? undefined : { pid: process.pid } }, stream);
}
