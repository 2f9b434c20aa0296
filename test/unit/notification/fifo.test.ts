// FifoWriter on real FIFOs (mkfifo in a temp dir): created 0644, opened without a reader, never blocks,
// queues what the pipe cannot take and delivers every line in order once a reader drains it.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FifoWriter } from '../../../src/notification/fifo.js';
import { FakeTimers } from '../../support/fake-timers.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'havipd-fifo-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Reads whatever the FIFO holds now (own non-blocking read end). */
function drain(fd: number): string {
  const buf = Buffer.alloc(1 << 16);
  let out = '';
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return out;
      throw e;
    }
    if (n === 0) return out;
    out += buf.subarray(0, n).toString();
  }
}

const line = (i: number): string => `INSTANCE "VI_${i}" MASTER ${i % 256}\n`;

describe('FifoWriter', () => {
  it('creates the FIFO with mode 0644 when absent, and unlinks it at close', () => {
    const p = join(dir, 'notify.fifo');
    const w = FifoWriter.open({ path: p });
    const st = statSync(p);
    expect(st.isFIFO()).toBe(true);
    expect(st.mode & 0o777).toBe(0o644);
    w.close();
    expect(existsSync(p)).toBe(false);
  });

  it('an existing FIFO is used and left in place at close; beforeOpen runs between create and open', () => {
    const p = join(dir, 'pre.fifo');
    execFileSync('mkfifo', [p]);
    let called = false;
    const w = FifoWriter.open({ path: p }, {}, () => (called = true));
    expect(called).toBe(true);
    w.write(line(1));
    w.close();
    expect(statSync(p).isFIFO()).toBe(true);
  });

  it('a symlink is refused (O_NOFOLLOW)', () => {
    const target = join(dir, 'target');
    writeFileSync(target, '');
    const link = join(dir, 'link');
    execFileSync('ln', ['-s', target, link]);
    expect(() => FifoWriter.open({ path: link })).toThrow(/Unable to open notify fifo/);
  });

  it('nobody reading: 10 000 lines never block, the excess waits in memory, then all arrive in order', async () => {
    const p = join(dir, 'slow.fifo');
    const timers = new FakeTimers();
    const w = FifoWriter.open({ path: p }, { retryMs: 5, timers });
    const t0 = Date.now();
    const expected: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      expected.push(line(i));
      w.write(line(i));
    }
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(w.backlogBytes).toBeGreaterThan(0); // the 64 KiB pipe is full, the rest is queued
    // A slow reader appears and drains it.
    const rfd = openSync(p, constants.O_RDONLY | constants.O_NONBLOCK);
    let got = '';
    // Each fake retry period the writer refills the pipe the reader just emptied (bounded: 10 000 rounds).
    for (let k = 0; k < 10_000 && got.length < expected.join('').length; k++) {
      got += drain(rfd);
      await timers.advance(5);
    }
    closeSync(rfd);
    expect(got).toBe(expected.join(''));
    expect(w.backlogBytes).toBe(0);
    w.close();
  });

  it('past the bound the oldest queued lines are dropped; the newest survive', async () => {
    const p = join(dir, 'bounded.fifo');
    const warnings: string[] = [];
    const timers = new FakeTimers();
    const w = FifoWriter.open({ path: p }, { maxQueuedBytes: 1000, retryMs: 5, timers, log: { warn: (_o, m) => warnings.push(m), info: () => undefined } });
    const all: string[] = [];
    for (let i = 0; i < 5000; i++) {
      all.push(line(i));
      w.write(line(i));
    }
    expect(w.backlogBytes).toBeLessThanOrEqual(1000);
    const rfd = openSync(p, constants.O_RDONLY | constants.O_NONBLOCK);
    let got = '';
    for (let k = 0; k < 50 && w.backlogBytes > 0; k++) {
      got += drain(rfd);
      await timers.advance(5);
    }
    got += drain(rfd);
    closeSync(rfd);
    const lines = got.split(/(?<=\n)/);
    expect(lines.at(-1)).toBe(all.at(-1)); // the newest line arrived
    expect(lines[0]).toBe(all[0]); // what the pipe took first is intact
    // Whatever arrived is in order and made of whole lines.
    const idx = lines.map((l) => all.indexOf(l));
    expect(idx.every((v, i) => v >= 0 && (i === 0 || v > idx[i - 1]!))).toBe(true);
    expect(lines.length).toBeLessThan(all.length);
    expect(warnings.some((m) => /oldest line\(s\) were dropped/.test(m))).toBe(true);
    w.close();
  });

  it('a reader process sees lines written before and after it started, in order', async () => {
    const p = join(dir, 'cat.fifo');
    const w = FifoWriter.open({ path: p });
    w.write(line(1));
    const out = join(dir, 'out.txt');
    // The reader says when it holds the FIFO open (no sleep): from then on closing our end cannot lose it.
    const cat = spawn('/bin/sh', ['-c', `exec 3<"${p}"; echo open; exec cat <&3 > "${out}"`], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise((r) => cat.stdout!.once('data', r));
    w.write(line(2));
    w.write(line(3));
    w.close(); // our write end closes; cat reads what is buffered, then sees EOF
    await new Promise((r) => cat.once('exit', r));
    expect(execFileSync('cat', [out]).toString()).toBe(line(1) + line(2) + line(3));
  });
});
