// track_file (reference §1.9.6, §3.9; keepalived track_file.c process_track_file()): strtol(…, 0) parsing,
// the int32 range check (INT32_MAX + 1 let through), init_file, and the watcher on a real directory.

import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrackFileConfig } from '../../../src/config-parser/types.js';
import { createLogger } from '../../../src/log.js';
import { initTrackFile, parseTrackFileValue, strtol0, TrackFileWatcher } from '../../../src/runtime/track-files.js';

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
});
