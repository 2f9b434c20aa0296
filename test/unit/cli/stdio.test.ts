// src/cli/stdio.ts: the CLI's direct writes to fd 1/2, and the fall-back to the process stream from the first
// write that cannot complete (what was written and its order stay the same).

import { describe, expect, it } from 'vitest';
import type { writeSync } from 'node:fs';
import { fdWriter } from '../../../src/cli/stdio.js';

/** A stream that records what it is given, as text. */
function recordingStream(): { stream: NodeJS.WritableStream; got: string[] } {
  const got: string[] = [];
  const stream = { write: (chunk: string | Uint8Array) => { got.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')); return true; } } as unknown as NodeJS.WritableStream;
  return { stream, got };
}

/** A writeSync stand-in that takes at most `max` bytes per call and fails (with `code`) on call number `failAt`. */
function fakeWrite(max: number, failAt = -1, code = 'EAGAIN'): { write: typeof writeSync; out: number[]; calls: () => number } {
  const out: number[] = [];
  let calls = 0;
  const write = ((fd: number, buf: Uint8Array, off: number, len: number): number => {
    expect(fd).toBe(2);
    if (++calls === failAt) throw Object.assign(new Error(code), { code });
    const n = Math.min(max, len);
    out.push(...buf.subarray(off, off + n));
    return n;
  }) as unknown as typeof writeSync;
  return { write, out, calls: () => calls };
}

describe('fdWriter', () => {
  it('writes every byte directly, across partial writes, and never opens the stream', () => {
    const f = fakeWrite(3);
    let opened = 0;
    const w = fdWriter(2, () => { opened++; return recordingStream().stream; }, f.write);
    w('héllo, wörld\n');
    w('');
    w('second\n');
    expect(Buffer.from(f.out).toString('utf8')).toBe('héllo, wörld\nsecond\n');
    expect(opened).toBe(0);
  });

  it.each(['EAGAIN', 'EPIPE', 'EBADF'])('on %s hands the unwritten bytes, and every later write, to the stream in order', (code) => {
    const f = fakeWrite(4, 3, code);
    const r = recordingStream();
    const w = fdWriter(2, () => r.stream, f.write);
    w('abcdefghij');
    w('klm');
    expect(Buffer.from(f.out).toString('utf8')).toBe('abcdefgh');
    expect(r.got.join('')).toBe('ijklm');
    expect(f.calls()).toBe(3); // no direct write after the fall-back
  });
});
