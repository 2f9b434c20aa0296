// /proc sampling for the resource benchmark: the process tree under a pid (keepalived's parent and
// VRRP child; havipd's single Node process), CPU time as utime+stime from /proc/PID/stat (fields 14
// and 15, in clock ticks; whole thread group) and resident memory from /proc/PID/status VmRSS.

import { readFileSync, readdirSync } from 'node:fs';
import { runSync } from './netns.mjs';

/** Clock ticks per second (sysconf(_SC_CLK_TCK), 100 on Linux unless changed). */
export const CLK_TCK = Number(runSync(['getconf', 'CLK_TCK']).trim()) || 100;

/** `pid` and all its live descendants (from /proc/PID/task/TID/children). */
export function processTree(pid) {
  const out = [];
  const todo = [pid];
  while (todo.length > 0) {
    const p = todo.shift();
    let tasks;
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      continue; // gone
    }
    out.push(p);
    for (const t of tasks) {
      try {
        for (const c of readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').split(/\s+/).filter(Boolean)) todo.push(Number(c));
      } catch {
        /* thread gone */
      }
    }
  }
  return out;
}

/** utime+stime of one process in ticks, or undefined if it is gone. */
export function cpuTicks(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may contain spaces and parentheses: split after the last ')'.
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // f[0] is field 3 (state), so field n is f[n - 3].
    return Number(f[14 - 3]) + Number(f[15 - 3]);
  } catch {
    return undefined;
  }
}

/** A `kB` field of /proc/PID/status (VmRSS, RssAnon, …) in KiB, or undefined if the process is gone. */
function statusKiB(pid, field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** VmRSS of one process in KiB, or undefined if it is gone. */
export const rssKiB = (pid) => statusKiB(pid, 'VmRSS');

/**
 * RssAnon of one process in KiB (its private memory: heap, stacks, buffers; not the shared, clean pages of the
 * executable and libraries that VmRSS also counts), or undefined if it is gone.
 */
export const anonKiB = (pid) => statusKiB(pid, 'RssAnon');

/**
 * On-CPU time of every thread of one process in ns, from /proc/PID/task/TID/schedstat (field 1,
 * sum_exec_runtime): finer than the 10 ms ticks of /proc/PID/stat, but threads that exited are
 * not counted. 0 if the process is gone or schedstats are unavailable.
 */
export function schedNs(pid) {
  let ns = 0;
  let tasks = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  for (const t of tasks) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]) || 0;
    } catch {
      /* thread gone */
    }
  }
  return ns;
}

/**
 * One sample of a process tree: `{ pids, threads, ticks, schedNs, rssKiB, anonKiB }` with `ticks` the sum of
 * utime+stime, `schedNs` the sum of per-thread on-CPU ns, `rssKiB` the sum of VmRSS and `anonKiB` the sum of
 * RssAnon over the tree.
 * A process that exited between listing and reading counts 0.
 */
export function sampleTree(rootPid) {
  const pids = processTree(rootPid);
  let ticks = 0;
  let rss = 0;
  let anon = 0;
  let sched = 0;
  for (const p of pids) {
    ticks += cpuTicks(p) ?? 0;
    rss += rssKiB(p) ?? 0;
    anon += anonKiB(p) ?? 0;
    sched += schedNs(p);
  }
  return { pids, ticks, schedNs: sched, rssKiB: rss, anonKiB: anon };
}
