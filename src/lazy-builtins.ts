// Node built-ins that the start path (`havipd -t`, the daemon before it runs a script or opens its control
// socket) does not need, loaded on first use (issue 12 §2). Requiring node:child_process loads node:net and
// the whole streams stack with it, about 19 ms of a `-t` that needs none of them; node:net alone about 15 ms.
// A module that imports one of these at its top level pays that at start-up whether or not it ever runs.

import type * as ChildProcessModule from 'node:child_process';
import { createRequire } from 'node:module';
import type * as NetModule from 'node:net';

const load = createRequire(import.meta.url);

/** node:child_process, loaded on the first call. */
export function childProcess(): typeof ChildProcessModule {
  return load('node:child_process') as typeof ChildProcessModule;
}

/** node:net, loaded on the first call. */
export function net(): typeof NetModule {
  return load('node:net') as typeof NetModule;
}
