// Worker side of tick-bound.test.ts: runs the issue 8 §1 scenario on the parsed configuration it gets as
// workerData, with the real receive checks or with ones that let the zero interval through, and posts the
// result. A worker, so that a timer loop that never returns (the bug) fails the test (the parent
// terminates the worker) instead of hanging the test runner.
import { parentPort, workerData } from 'node:worker_threads';
import type { DaemonConfig } from '../../../src/config-parser/types.js';
import { ACCEPT_ZERO_INTERVAL, runZeroIntervalScenario } from '../../support/zero-interval.js';

const { config, acceptZero } = workerData as { config: DaemonConfig; acceptZero: boolean };
parentPort?.postMessage({ ready: true });
parentPort?.postMessage(runZeroIntervalScenario(config, acceptZero ? { codec: ACCEPT_ZERO_INTERVAL, maxSteps: 2_000 } : {}));
