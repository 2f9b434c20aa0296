// `havipd --config FILE`: the command line's daemon options, handed to the daemon process
// (src/runtime/service.ts), which runs the Supervisor until SIGTERM/SIGINT.

import { runService, type ServiceOptions } from '../runtime/service.js';

export type RunOptions = ServiceOptions;

/** Runs the daemon; resolves with its exit code (src/exit-codes.ts). */
export function runDaemon(opts: RunOptions, io: { stderr: (s: string) => void }): Promise<number> {
  return runService(opts, io);
}
