// Timer functions for the runtime's time-driven parts (notifier, notify FIFO writer, track-script runner,
// process runner), injected so tests drive them with a fake clock instead of sleeping on the wall clock.

/** What a timer call returns; `unref` as Node's `Timeout` has it (a fake may omit it). */
export interface TimerHandle {
  unref?(): unknown;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Node's own timers. */
export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
