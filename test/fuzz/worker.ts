// Worker-thread side of `npm run fuzz`: runs one slice of one target (engine.ts) and posts progress
// and the final stats. Writes the index of the input it is running into a shared array, with the time
// it started, so the driver can name an input that never returns.
import { parentPort, workerData } from 'node:worker_threads';
import { runSlice, type SliceOptions } from './engine.js';
import { targetByName } from './targets.js';

export interface WorkerJob {
  readonly target: string;
  readonly slice: Omit<SliceOptions, 'onInput' | 'onProgress'>;
  /** [index, Date.now() when it (or its shrinking) started, 1 while shrinking] */
  readonly heartbeat: SharedArrayBuffer;
}

const job = workerData as WorkerJob;
const hb = new Float64Array(job.heartbeat);
const stats = runSlice(targetByName(job.target), {
  ...job.slice,
  onInput(index) {
    hb[0] = index;
    hb[1] = Date.now();
    hb[2] = 0;
  },
  onShrink() {
    hb[1] = Date.now();
    hb[2] = 1;
  },
  onProgress(s) {
    parentPort!.postMessage({ type: 'progress', tried: s.tried, failures: s.failures.length + s.duplicateFailures });
  },
});
hb[1] = 0;
parentPort!.postMessage({ type: 'done', stats });
