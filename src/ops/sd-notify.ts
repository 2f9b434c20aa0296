// systemd's notify protocol (sd_notify(3); issue 10 §4): READY=1 once start-up is complete, STATUS= a
// one-line summary, RELOADING=1 / READY=1 around a reload, STOPPING=1 at shutdown, WATCHDOG=1 every half
// WatchdogSec while the event loop really turns (a timer that cannot fire sends nothing, so a stuck loop is
// caught). Datagrams go to $NOTIFY_SOCKET through the addon (Node has no Unix datagram sockets). Without
// $NOTIFY_SOCKET every method is a no-op.

import { LOG_EVENT } from '../log-events.js';
import type { Logger } from '../log.js';

export type SendDatagram = (path: string, message: string) => void;

export interface SdNotifyOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly send: SendDatagram | undefined;
  readonly log: Logger;
  readonly pid?: number;
  /** CLOCK_MONOTONIC in µs (for RELOADING=1's MONOTONIC_USEC). */
  readonly monotonicUs?: () => bigint;
}

export class SdNotifier {
  private readonly path: string | undefined;
  private readonly send: SendDatagram | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private warned = false;
  private stopSent = false;
  /** Datagrams sent (for tests and metrics). */
  sent = 0;

  constructor(private readonly o: SdNotifyOptions) {
    const p = o.env.NOTIFY_SOCKET;
    this.path = p !== undefined && p !== '' ? p : undefined;
    this.send = o.send;
  }

  get enabled(): boolean {
    return this.path !== undefined && this.send !== undefined;
  }

  /** Send `fields` (KEY=VALUE lines); failures are logged once and never thrown. */
  notify(fields: string): void {
    if (!this.path || !this.send) return;
    try {
      this.send(this.path, fields);
      this.sent++;
    } catch (err) {
      if (!this.warned) {
        this.warned = true;
        this.o.log.warn({ event: LOG_EVENT.sdNotifyError, path: this.path, err }, `cannot notify systemd on ${this.path}: ${String(err)}`);
      }
    }
  }

  ready(status: string): void {
    this.notify(`READY=1\nSTATUS=${oneLine(status)}\nMAINPID=${this.o.pid ?? process.pid}`);
  }

  status(status: string): void {
    this.notify(`STATUS=${oneLine(status)}`);
  }

  reloading(): void {
    const mono = (this.o.monotonicUs ?? (() => process.hrtime.bigint() / 1000n))();
    this.notify(`RELOADING=1\nMONOTONIC_USEC=${mono}`);
  }

  reloaded(status: string): void {
    this.notify(`READY=1\nSTATUS=${oneLine(status)}`);
  }

  /** STOPPING=1, once (the signal handler and the plane's stop both call it). */
  stopping(): void {
    if (this.stopSent) return;
    this.stopSent = true;
    this.notify('STOPPING=1');
  }

  /**
   * WATCHDOG=1 every half WATCHDOG_USEC when it is set for this process (WATCHDOG_PID absent or ours).
   * The pings come from a plain timer: if the loop stalls they stop and systemd acts.
   */
  startWatchdog(): number | undefined {
    const usec = Number(this.o.env.WATCHDOG_USEC);
    const pid = this.o.env.WATCHDOG_PID;
    if (!this.enabled || !Number.isFinite(usec) || usec <= 0) return undefined;
    if (pid !== undefined && pid !== '' && Number(pid) !== (this.o.pid ?? process.pid)) return undefined;
    const everyMs = Math.max(1, Math.floor(usec / 2000));
    this.notify('WATCHDOG=1');
    this.watchdog = setInterval(() => this.notify('WATCHDOG=1'), everyMs);
    this.watchdog.unref();
    return everyMs;
  }

  close(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
  }
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').slice(0, 1000);
}
