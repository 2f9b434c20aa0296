// The kernel's process events (netlink proc connector, `linux/cn_proc.h`) through the native addon, for
// vrrp_track_process (keepalived core/track_process.c uses the same socket). The tracker reads /proc for the
// pid of each event; here the socket is only opened, watched and drained.

import { loadNative, type NativeAddon, type ProcEvent } from '../native/index.js';

/** Where process events come from (the tracker's seam; tests inject their own). */
export interface ProcEventSource {
  /**
   * Starts delivering events: `onEvents` for each drained batch, `onOverflow` when the kernel dropped
   * some (the caller resyncs from /proc). Throws when the kernel will not deliver events here.
   */
  start(onEvents: (events: readonly ProcEvent[]) => void, onOverflow: () => void): void;
  stop(): void;
}

/** Process events from the netlink proc connector. */
export class NetlinkProcEvents implements ProcEventSource {
  private fd: number | undefined;
  private watchId: number | undefined;
  private native: NativeAddon | undefined;

  /** `native`: the addon (default: loaded at `start`, so a missing addon is a start failure). */
  constructor(native?: NativeAddon) {
    this.native = native;
  }

  start(onEvents: (events: readonly ProcEvent[]) => void, onOverflow: () => void): void {
    if (this.fd !== undefined) return;
    const native = (this.native ??= loadNative());
    const fd = native.openProcEvents();
    this.fd = fd;
    this.watchId = native.watch(fd, (err) => {
      if (err) return;
      // Bounded: each call reads at most 256 datagrams; a few rounds drain any burst the poll saw.
      for (let round = 0; round < 16; round++) {
        let batch;
        try {
          batch = native.recvProcEvents(fd);
        } catch {
          onOverflow(); // a read error: whatever was lost, the caller's /proc resync recovers it
          break;
        }
        if (batch === null) break;
        if (batch.events.length > 0) onEvents(batch.events);
        if (batch.overflow) onOverflow();
      }
    });
  }

  stop(): void {
    if (this.fd === undefined || this.native === undefined) return;
    if (this.watchId !== undefined) this.native.unwatch(this.watchId);
    this.native.close(this.fd);
    this.fd = undefined;
    this.watchId = undefined;
  }
}
