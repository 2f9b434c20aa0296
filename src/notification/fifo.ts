// The notify FIFO writer (keepalived `notify_fifo` / `vrrp_notify_fifo`, reference §1.9.2 and §3.13): creates
// the FIFO (mode 0644) when it is absent, opens it O_RDWR|O_NONBLOCK like keepalived (so opening never waits
// for a reader and a reader going away never raises EPIPE), and writes whole lines without ever blocking the
// event loop. Unlike keepalived, which drops a line silently on EAGAIN, lines the pipe cannot take yet are
// queued in memory and written, in order, once the reader drains the pipe.

import { closeSync, constants, chownSync, lstatSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import type { FifoSpec } from '../config-parser/types.js';
import { HavipdError, errnoOf } from '../errors.js';
import { systemTimers, type TimerHandle, type Timers } from '../edges/timers.js';

/** Where notification lines go; the real one is {@link FifoWriter}, tests use a fake. */
export interface FifoSink {
  /** The FIFO's path. */
  readonly path: string;
  /** Queue one line (it must end with `\n`); never blocks, never throws. */
  write(line: string): void;
  /** Last attempt to flush, then close the descriptor (and unlink the FIFO if this writer created it). */
  close(): void;
}

export interface FifoLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface FifoWriterOptions {
  /**
   * Bytes queued in memory (beyond what the pipe itself buffers, 64 KiB on Linux) before the oldest queued
   * lines are dropped. Default 4 MiB (about 130 000 lines of `INSTANCE "VI_1" MASTER 150`).
   */
  readonly maxQueuedBytes?: number;
  /** How often a backlog is retried while the pipe is full (ms). Default 20. */
  readonly retryMs?: number;
  readonly log?: FifoLogger;
  /** Timers for the retry (tests inject a fake clock). Default Node's. */
  readonly timers?: Timers;
}

const DEFAULT_MAX_QUEUED = 4 * 1024 * 1024;

/**
 * One open notify FIFO. Writes go straight to the pipe while it has room; on EAGAIN the line (and every
 * later one, to keep the order) is queued and retried every `retryMs` until the reader catches up.
 * Past `maxQueuedBytes` the **oldest** queued lines are dropped (the newest states are the ones a reader
 * needs) and a warning gives the count; the retry timer is unref'd, so a FIFO nobody reads never keeps
 * the process alive nor stalls the daemon.
 */
export class FifoWriter implements FifoSink {
  private fd: number | undefined;
  private readonly queue: Buffer[] = [];
  /** Bytes of `queue[0]` already written (a partial write of a line longer than PIPE_BUF). */
  private headOffset = 0;
  private queuedBytes = 0;
  private timer: TimerHandle | undefined;
  private dropped = 0;
  private readonly maxQueued: number;
  private readonly retryMs: number;

  private constructor(
    readonly path: string,
    fd: number,
    private readonly created: boolean,
    private readonly opts: FifoWriterOptions,
  ) {
    this.fd = fd;
    this.maxQueued = opts.maxQueuedBytes ?? DEFAULT_MAX_QUEUED;
    this.retryMs = opts.retryMs ?? 20;
  }

  /**
   * keepalived `fifo_open()`: mkfifo PATH with mode 0644 (owned by the spec's user/group if given) unless
   * something exists there already, then open it O_RDWR|O_NONBLOCK|O_NOFOLLOW|O_CLOEXEC. `owner` is the
   * spec's user/group already resolved to ids (a FIFO created here is chowned to them). Throws a
   * `HAVIPD_NOTIFY` error when it cannot be created or opened (keepalived logs and runs without it).
   * `beforeOpen` runs between creation and opening (keepalived starts the FIFO script there).
   */
  static open(spec: FifoSpec, opts: FifoWriterOptions = {}, beforeOpen?: () => void, owner?: { readonly uid?: number; readonly gid?: number }): FifoWriter {
    let created = false;
    let exists = true;
    try {
      lstatSync(spec.path);
    } catch {
      exists = false;
    }
    if (!exists) {
      try {
        execFileSync('mkfifo', ['-m', '0644', spec.path], { stdio: 'ignore' });
        created = true;
      } catch (err) {
        throw new HavipdError('HAVIPD_NOTIFY', `Unable to create notify fifo ${spec.path}`, { cause: err });
      }
      if (owner && (owner.uid !== undefined || owner.gid !== undefined)) {
        try {
          chownSync(spec.path, owner.uid ?? -1, owner.gid ?? -1);
        } catch {
          opts.log?.warn({ event: 'notify.fifo-chown', path: spec.path }, `Failed to set uid:gid for fifo ${spec.path}`);
        }
      }
    }
    beforeOpen?.();
    let fd: number;
    try {
      fd = openSync(spec.path, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOFOLLOW); // libuv adds O_CLOEXEC
    } catch (err) {
      if (created) unlinkSync(spec.path);
      throw new HavipdError('HAVIPD_NOTIFY', `Unable to open notify fifo ${spec.path} - errno ${errnoOf(err) ?? String(err)}`, { cause: err });
    }
    return new FifoWriter(spec.path, fd, created, opts);
  }

  /** Lines (in bytes) waiting in memory for the reader. */
  get backlogBytes(): number {
    return this.queuedBytes - this.headOffset;
  }

  /** Lines dropped because the backlog passed its bound, since the last warning. */
  get droppedLines(): number {
    return this.dropped;
  }

  write(line: string): void {
    if (this.fd === undefined) return;
    const buf = Buffer.from(line, 'utf8');
    this.queue.push(buf);
    this.queuedBytes += buf.length;
    this.trim();
    this.flush();
  }

  /** Writes as much of the queue as the pipe takes now; arms the retry timer if something is left. */
  private flush(): void {
    if (this.fd === undefined) return;
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      let n: number;
      try {
        n = writeSync(this.fd, head, this.headOffset, head.length - this.headOffset);
      } catch (err) {
        const code = errnoOf(err);
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR') break;
        this.opts.log?.warn({ event: 'notify.fifo-error', path: this.path, errno: code }, `cannot write to notify fifo ${this.path}: ${String(err)}; line dropped`);
        this.shift();
        continue;
      }
      this.headOffset += n;
      if (this.headOffset >= head.length) this.shift();
    }
    if (this.queue.length === 0) {
      if (this.timer) (this.opts.timers ?? systemTimers).clearTimeout(this.timer);
      this.timer = undefined;
      if (this.dropped > 0) {
        this.opts.log?.warn({ event: 'notify.fifo-overflow', path: this.path, dropped: this.dropped }, `notify fifo ${this.path}: reader too slow, ${this.dropped} oldest line(s) were dropped`);
        this.dropped = 0;
      }
    } else if (!this.timer) {
      this.timer = (this.opts.timers ?? systemTimers).setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, this.retryMs);
      this.timer.unref?.();
    }
  }

  private shift(): void {
    const head = this.queue.shift();
    if (head) this.queuedBytes -= head.length;
    this.headOffset = 0;
  }

  /** Drops the oldest whole lines (never a partly written one) while the backlog is past its bound. */
  private trim(): void {
    while (this.queuedBytes - this.headOffset > this.maxQueued && this.queue.length > 1) {
      const idx = this.headOffset > 0 ? 1 : 0;
      const [gone] = this.queue.splice(idx, 1);
      this.queuedBytes -= gone!.length;
      this.dropped++;
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    this.flush();
    if (this.queue.length > 0) {
      this.opts.log?.warn({ event: 'notify.fifo-unread', path: this.path, lines: this.queue.length }, `notify fifo ${this.path}: ${this.queue.length} line(s) never read`);
    }
    if (this.timer) (this.opts.timers ?? systemTimers).clearTimeout(this.timer);
    this.timer = undefined;
    // keepalived `fifo_close()`: unlink first, so a reader looping on open cannot reopen it.
    if (this.created) {
      try {
        unlinkSync(this.path);
      } catch {
        /* already gone */
      }
    }
    closeSync(this.fd);
    this.fd = undefined;
  }
}
