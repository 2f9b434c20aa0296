// Shared pieces of the notify differential tests (test/interop/notify-*.test.ts): one daemon run with a
// recording notify script (argv appended to a calls file, `--- phase` markers between phases) and a
// reader appending the vrrp_notify_fifo lines to another file, then keepalived's and havipd's recordings
// side by side.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep, type Spawned } from './netns.js';
import { liveProcessesWith } from './procs.js';
import { explainFailure, type NodeKind, type VrrpNode } from './scenario.js';

export interface Recording {
  readonly kind: NodeKind;
  /** notify calls, with `--- phase` markers between phases. */
  readonly calls: string[];
  readonly fifo: string[];
  readonly log: string;
}

/** Splits the call list at the phase markers. */
export function byPhase(calls: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur = 'pre';
  for (const c of calls) {
    const m = /^--- (.+)$/.exec(c);
    if (m) {
      cur = m[1]!;
      continue;
    }
    out.set(cur, [...(out.get(cur) ?? []), c]);
  }
  return out;
}

/** The per-script subsequence (first word = the script's tag). */
export function perScript(calls: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const c of calls) (out[c.split(' ')[0]!] ??= []).push(c);
  return out;
}

export function sideBySide(a: readonly string[], b: readonly string[], ha = 'keepalived 2.2.7', hb = 'havipd'): string {
  const w = Math.max(ha.length, ...a.map((x) => x.length)) + 2;
  const rows = [`${ha.padEnd(w)}${hb}`];
  for (let i = 0; i < Math.max(a.length, b.length); i++) rows.push(`${(a[i] ?? '').padEnd(w)}${b[i] ?? ''}${a[i] === b[i] ? '' : '   <<<'}`);
  return rows.join('\n');
}

/** keepalived's and havipd's FIFO lines and notify calls side by side. */
export function recordingsReport(ka: Recording, hd: Recording): string {
  return ['FIFO lines:', sideBySide(ka.fifo, hd.fifo), '', 'notify calls:', sideBySide(ka.calls, hd.calls)].join('\n');
}

/** The non-empty lines of `path` (none when it does not exist). */
export function linesOf(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
}

/** What a recorded run started: both are killed when it ends, however it ends. */
export interface RecordedRun {
  node?: VrrpNode;
  reader?: Spawned;
}

/**
 * Run `body` (which starts the daemon and the FIFO reader into `run`) with the node's log on failure;
 * then kill both, and return (and write to `dir` as <kind>.calls / <kind>.fifo) what was recorded.
 */
export async function recordRun(kind: NodeKind, files: { dir: string; calls: string; fifo: string }, body: (run: RecordedRun) => Promise<void>): Promise<Recording> {
  const run: RecordedRun = {};
  try {
    await explainFailure(() => [run.node], () => body(run));
  } finally {
    await run.node?.stop('SIGKILL').catch(() => undefined);
    await run.reader?.stop('SIGKILL', 0).catch(() => undefined);
  }
  // The daemon is gone, but the notify scripts it started last (STOP) may still be appending to the calls
  // file on a busy machine: read it once none of them is alive (bounded; they all exist by now, as the
  // daemon forked them before it exited).
  const until = Date.now() + 10_000;
  while (liveProcessesWith(`${files.dir}/`) > 0 && Date.now() < until) await sleep(20);
  const rec: Recording = { kind, calls: readFileSync(files.calls, 'utf8').split('\n').filter(Boolean), fifo: linesOf(files.fifo), log: run.node?.log() ?? '' };
  writeFileSync(join(files.dir, `${kind}.calls`), rec.calls.join('\n') + '\n');
  writeFileSync(join(files.dir, `${kind}.fifo`), rec.fifo.join('\n') + '\n');
  return rec;
}

