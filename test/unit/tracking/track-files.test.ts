// track_file (reference §1.9.6, §3.9; keepalived track_file.c process_track_file()): strtol(…, 0) parsing,
// the int32 range check (INT32_MAX + 1 let through), init_file, and the watcher on a real directory.

import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrackFileConfig } from '../../../src/config-parser/types.js';
import { createLogger } from '../../../src/log.js';
import { initTrackFile, parseTrackFileValue, strtol0, TrackFileWatcher } from '../../../src/tracking/track-files.js';

const dir = mkdtempSync(join(tmpdir(), 'hv-t1-tf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const dest = new Writable({
    write(chunk: Buffer, _e, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push((JSON.parse(l) as { msg: string }).msg);
      cb();
    },
  });
  return { logger: createLogger({ format: 'json', detail: true, destination: dest }), lines };
}

describe('strtol(…, 0)', () => {
  it.each([
    ['42', 42n], ['  \t-7\n', -7n], ['+3', 3n], ['0x10', 16n], ['0X1f', 31n], ['010', 8n], ['08', 0n], ['0x', 0n], ['0xg', 0n],
    ['12abc', 12n], ['abc', 0n], ['', 0n], ['- 5', 0n],
  ] as const)('%j → %s', (s, v) => {
    expect(strtol0(s)).toEqual({ value: v, erange: false });
  });
  it('overflow is ERANGE, clamped', () => {
    expect(strtol0('99999999999999999999')).toEqual({ value: 2n ** 63n - 1n, erange: true });
    expect(strtol0('-99999999999999999999')).toEqual({ value: -(2n ** 63n), erange: true });
  });
});

describe('parseTrackFileValue', () => {
  it('empty or non-numeric = 0; int32 range with INT32_MAX+1 let through (keepalived-compat)', () => {
    expect(parseTrackFileValue('')).toEqual({ value: 0 });
    expect(parseTrackFileValue('hello')).toEqual({ value: 0 });
    expect(parseTrackFileValue('-2147483648')).toEqual({ value: -2147483648 });
    expect(parseTrackFileValue('2147483648')).toEqual({ value: 2147483648 });
    expect(parseTrackFileValue('2147483649')).toEqual({ invalid: '2147483649' });
    expect(parseTrackFileValue('-2147483649')).toEqual({ invalid: '-2147483649' });
    expect(parseTrackFileValue('99999999999999999999')).toEqual({ invalid: '9223372036854775807' });
  });
});

const tf = (name: string, over: Partial<TrackFileConfig> = {}): TrackFileConfig => ({ name, file: join(dir, name), weight: 1, reverse: false, initFile: undefined, ...over });

describe('init_file', () => {
  it('creates a missing file; overwrites only with overwrite and not on reload', () => {
    const { logger } = capture();
    initTrackFile(tf('i1', { initFile: { value: 5, overwrite: false } }), false, logger);
    expect(readFileSync(join(dir, 'i1'), 'utf8')).toBe('5\n');
    initTrackFile(tf('i1', { initFile: { value: 6, overwrite: false } }), false, logger);
    expect(readFileSync(join(dir, 'i1'), 'utf8')).toBe('5\n');
    initTrackFile(tf('i1', { initFile: { value: 7, overwrite: true } }), true, logger);
    expect(readFileSync(join(dir, 'i1'), 'utf8')).toBe('5\n');
    initTrackFile(tf('i1', { initFile: { value: 7, overwrite: true } }), false, logger);
    expect(readFileSync(join(dir, 'i1'), 'utf8')).toBe('7\n');
  });
});

describe('TrackFileWatcher', () => {
  const until = async (f: () => boolean): Promise<void> => {
    for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 10));
  };

  it('reads at start, follows writes, deletes (0), moves in, ignores out-of-range values', async () => {
    writeFileSync(join(dir, 'w1'), '0x10\n');
    const { logger, lines } = capture();
    const fed: number[] = [];
    const w = new TrackFileWatcher([tf('w1'), tf('absent'), { ...tf('nodir'), file: join(dir, 'no/such/f') }], { logger, feed: (i) => fed.push(i.value) });
    expect(w.initialInputs()).toEqual([{ kind: 'file', name: 'w1', value: 16 }, { kind: 'file', name: 'absent', value: 0 }]);
    expect(lines).toContain('Track file directory for nodir does not exist - removing');
    w.start();
    writeFileSync(join(dir, 'w1'), '  -3');
    await until(() => fed.length >= 1);
    expect(fed).toEqual([-3]);
    writeFileSync(join(dir, 'w1'), '99999999999');
    await until(() => lines.some((l) => l.startsWith('Invalid number')));
    expect(lines).toContain(`Invalid number 99999999999 read from ${join(dir, 'w1')} - ignoring`);
    rmSync(join(dir, 'w1'));
    await until(() => fed.length >= 2);
    writeFileSync(join(dir, 'tmp'), '9');
    renameSync(join(dir, 'tmp'), join(dir, 'absent'));
    await until(() => fed.length >= 3);
    expect(fed).toEqual([-3, 0, 9]);
    w.stop();
  });

  // The watcher runs on chokidar: each of these must still reach the daemon as keepalived's inotify
  // on the directory would deliver it.
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  const fresh = (name: string): string => {
    const d = join(dir, name);
    mkdirSync(d);
    return d;
  };
  const watcher = (cfgs: TrackFileConfig[]): { w: TrackFileWatcher; fed: number[]; lines: string[] } => {
    const { logger, lines } = capture();
    const fed: number[] = [];
    const w = new TrackFileWatcher(cfgs, { logger, feed: (i) => fed.push(i.value) });
    w.start();
    return { w, fed, lines };
  };

  it('atomic replace (write a temp file, rename it over) is seen, repeatedly (each rename is a new inode)', async () => {
    const d = fresh('atomic');
    writeFileSync(join(d, 'f'), '1\n');
    const { w, fed } = watcher([{ ...tf('atomic'), file: join(d, 'f') }]);
    await sleep(100);
    for (const v of [2, 3, 4]) {
      writeFileSync(join(d, `.f.tmp${v}`), `${v}\n`);
      renameSync(join(d, `.f.tmp${v}`), join(d, 'f'));
      await until(() => fed.at(-1) === v);
    }
    expect(fed).toEqual([2, 3, 4]);
    // and an in-place rewrite of the renamed-in inode
    writeFileSync(join(d, 'f'), '5\n');
    await until(() => fed.at(-1) === 5);
    expect(fed).toEqual([2, 3, 4, 5]);
    await w.stop();
  });

  it('rapid successive writes deliver the last value (chokidar\'s 50 ms change throttle drops events)', async () => {
    const d = fresh('rapid');
    writeFileSync(join(d, 'f'), '0');
    const { w, fed } = watcher([{ ...tf('rapid'), file: join(d, 'f') }]);
    await sleep(100);
    // 1 at t0; 2 at ~t0+35 ms: after the 20 ms settle read, inside chokidar's 50 ms window.
    writeFileSync(join(d, 'f'), '1');
    await sleep(35);
    writeFileSync(join(d, 'f'), '2');
    await until(() => fed.at(-1) === 2);
    expect(fed.at(-1)).toBe(2);
    // a burst: every 5 ms
    for (let v = 10; v <= 20; v++) {
      writeFileSync(join(d, 'f'), String(v));
      await sleep(5);
    }
    await until(() => fed.at(-1) === 20);
    await sleep(200);
    expect(fed.at(-1)).toBe(20);
    await w.stop();
  });

  it('delete → 0, re-create → value; fast delete / re-create / delete / re-create, then an in-place write', async () => {
    const d = fresh('recreate');
    writeFileSync(join(d, 'f'), '7');
    const { w, fed } = watcher([{ ...tf('recreate'), file: join(d, 'f') }]);
    await sleep(100);
    rmSync(join(d, 'f'));
    await until(() => fed.at(-1) === 0);
    writeFileSync(join(d, 'f'), '8');
    await until(() => fed.at(-1) === 8);
    expect(fed).toEqual([0, 8]);
    // inside chokidar's 100 ms 'remove' throttle
    rmSync(join(d, 'f'));
    await sleep(30);
    writeFileSync(join(d, 'f'), '9');
    await sleep(30);
    rmSync(join(d, 'f'));
    await sleep(150);
    expect(fed.at(-1)).toBe(0);
    writeFileSync(join(d, 'f'), '11');
    await until(() => fed.at(-1) === 11);
    writeFileSync(join(d, 'f'), '12');
    await until(() => fed.at(-1) === 12);
    expect(fed.at(-1)).toBe(12);
    await w.stop();
  });

  it('a change between construction and the watch being in place is delivered; nothing after stop()', async () => {
    const d = fresh('early');
    writeFileSync(join(d, 'f'), '1');
    const { logger } = capture();
    const fed: number[] = [];
    const w = new TrackFileWatcher([{ ...tf('early'), file: join(d, 'f') }], { logger, feed: (i) => fed.push(i.value) });
    writeFileSync(join(d, 'f'), '2');
    w.start();
    await until(() => fed.length > 0);
    expect(fed).toEqual([2]);
    await w.stop();
    writeFileSync(join(d, 'f'), '3');
    await sleep(150);
    expect(fed).toEqual([2]);
  });

  it('does not keep the process alive (no ref\'d fs watch handles) and a vanished directory is logged', async () => {
    const d = fresh('alive');
    writeFileSync(join(d, 'f'), '1');
    const gone = fresh('gone');
    const before = process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap').length;
    const { w, lines } = watcher([{ ...tf('alive'), file: join(d, 'f') }]);
    const { logger, lines: lines2 } = capture();
    const w2 = new TrackFileWatcher([{ ...tf('gone'), file: join(gone, 'f') }], { logger, feed: () => {} });
    rmSync(gone, { recursive: true });
    w2.start();
    expect(lines2).toEqual([expect.stringMatching(new RegExp(`^Unable to monitor track files in ${gone}: Error: ENOENT`))]);
    await sleep(100);
    expect(process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap').length).toBe(before);
    await w.stop();
    await w2.stop();
    expect(lines).toEqual([]);
  });
});
