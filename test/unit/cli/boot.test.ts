// src/cli/boot.ts: the bundle loaded through vm.Script with a V8 code cache that is used when it fits, written
// when missing, and never able to break a run (stale, corrupt, rejected, unwritable, turned off).

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleId, cacheFile, fnv1a, loadBundle, runKind, writeAtomically } from '../../../src/cli/boot.js';

/** A small CommonJS "bundle" with main(), a few functions to compile, and the id line tools/bundle.mjs writes. */
function bundleSource(id: string, answer = 7): string {
  const fns = Array.from({ length: 50 }, (_, i) => `function f${i}(x) { return x + ${i}; }`).join('\n');
  return [
    '"use strict";',
    fns,
    `async function main(argv) { return f0(${answer}) + argv.length * 0 + (__havipdImportMetaUrl.startsWith('file:') ? 0 : 1000) + (typeof require === 'function' ? 0 : 2000); }`,
    'module.exports = { main, dir: __dirname, file: __filename };',
    `// havipd-bundle ${id}`,
    '',
  ].join('\n');
}

let dir: string;
let bundle: string;
const env = {} as NodeJS.ProcessEnv;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'havipd-boot-'));
  bundle = join(dir, 'havipd.js');
  writeFileSync(bundle, bundleSource('0123456789abcdef'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const cacheFiles = (): string[] => (existsSync(join(dir, 'cache')) ? readdirSync(join(dir, 'cache')).sort() : []);

describe('runKind', () => {
  it.each([
    [['-t'], 'check'],
    [['-f', 'x.conf', '-t'], 'check'],
    [['-tlog.txt'], 'check'],
    [['--config-test=log.txt'], 'check'],
    [['--dump-config', '-f', 'x'], 'check'],
    [['-f', 'x.conf', '-l', '-D'], 'daemon'],
    [[], 'daemon'],
    [['status'], 'other'],
    [['doctor'], 'other'],
    [['-h'], 'other'],
    [['--signum', 'JSON'], 'other'],
    [['-f', 'x', '--', '-t'], 'daemon'],
  ] as const)('%j → %s', (args, kind) => {
    expect(runKind(args)).toBe(kind);
  });
});

describe('names', () => {
  it('bundleId reads the last line, and nothing else', () => {
    expect(bundleId(bundleSource('00ff00ff00ff00ff'))).toBe('00ff00ff00ff00ff');
    expect(bundleId('module.exports = {};\n')).toBeUndefined();
    expect(bundleId('// havipd-bundle 00ff00ff00ff00ff\nmodule.exports = {};\n')).toBeUndefined();
  });
  it('the cache file depends on the bundle, the kind and the V8 flags', () => {
    const a = cacheFile(bundle, 'aaaa0000', 'check', {});
    expect(a.startsWith(join(dir, 'cache', 'check-aaaa0000-'))).toBe(true);
    expect(cacheFile(bundle, 'aaaa0000', 'daemon', {})).not.toBe(a);
    expect(cacheFile(bundle, 'bbbb0000', 'check', {})).not.toBe(a);
    expect(cacheFile(bundle, 'aaaa0000', 'check', { NODE_OPTIONS: '--max-semi-space-size=1' })).not.toBe(a);
    expect(fnv1a('')).toBe('811c9dc5');
    expect(fnv1a('a')).toBe('e40c292c');
  });
});

describe('loadBundle', () => {
  it('runs the bundle as CommonJS with require, __dirname, __filename and the import.meta.url stand-in', async () => {
    const b = loadBundle(bundle, 'check', env);
    expect(await b.main(['node', 'havipd'])).toBe(7);
  });

  it('writes a cache when there is none, then uses it and writes nothing', async () => {
    const first = loadBundle(bundle, 'check', env);
    expect(first.cacheUsed).toBe(false);
    expect(first.saveCache).toBeDefined();
    await first.main([]);
    expect(first.saveCache!()).toBe(true);
    expect(cacheFiles()).toHaveLength(1);
    const second = loadBundle(bundle, 'check', env);
    expect(second.cacheUsed).toBe(true);
    expect(second.saveCache).toBeUndefined();
    expect(await second.main([])).toBe(7);
  });

  it('a daemon run takes the config-check cache and writes its own', async () => {
    const check = loadBundle(bundle, 'check', env);
    await check.main([]);
    check.saveCache!();
    const daemon = loadBundle(bundle, 'daemon', env);
    expect(daemon.cacheUsed).toBe(true);
    expect(daemon.saveCache!()).toBe(true);
    expect(cacheFiles().map((f) => f.split('-')[0])).toEqual(['check', 'daemon']);
    expect(loadBundle(bundle, 'daemon', env).saveCache).toBeUndefined();
  });

  it('a corrupt cache is a normal compile, and is replaced', async () => {
    const path = cacheFile(bundle, '0123456789abcdef', 'check', env);
    mkdirSync(join(dir, 'cache'));
    writeFileSync(path, Buffer.from('not a V8 code cache at all, just bytes'.repeat(20)));
    const b = loadBundle(bundle, 'check', env);
    expect(b.cacheUsed).toBe(false);
    expect(await b.main([])).toBe(7);
    expect(b.saveCache!()).toBe(true);
    expect(loadBundle(bundle, 'check', env).cacheUsed).toBe(true);
  });

  it("another bundle's cache under the same name is rejected by V8: the new code runs", async () => {
    const b = loadBundle(bundle, 'check', env);
    await b.main([]);
    b.saveCache!();
    // Same id line (a hand-edited bundle), other code: V8 refuses the cache, the new source runs.
    writeFileSync(bundle, bundleSource('0123456789abcdef', 123456));
    const c = loadBundle(bundle, 'check', env);
    expect(c.cacheUsed).toBe(false);
    expect(await c.main([])).toBe(123456);
  });

  it('HAVIPD_CODE_CACHE=0 reads and writes no cache; no id line means no cache either', async () => {
    const off = loadBundle(bundle, 'check', { HAVIPD_CODE_CACHE: '0' });
    expect(off.saveCache).toBeUndefined();
    expect(await off.main([])).toBe(7);
    writeFileSync(bundle, bundleSource('0123456789abcdef').replace(/\/\/ havipd-bundle .*\n$/, ''));
    const anon = loadBundle(bundle, 'check', env);
    expect(anon.saveCache).toBeUndefined();
    expect(await anon.main([])).toBe(7);
    expect(cacheFiles()).toEqual([]);
  });

  it('a cache that cannot be written (no directory possible): no error, the run is the same', async () => {
    writeFileSync(join(dir, 'cache'), 'a file where the directory should be');
    const b = loadBundle(bundle, 'check', env);
    expect(await b.main([])).toBe(7);
    expect(b.saveCache!()).toBe(false);
  });

  it('writeAtomically leaves no temporary file behind when it cannot write', () => {
    writeFileSync(join(dir, 'cache'), 'a file where the directory should be');
    expect(writeAtomically(join(dir, 'cache', 'x.bin'), new Uint8Array([1, 2, 3]))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['cache', 'havipd.js']);
    expect(writeAtomically(join(dir, 'sub', 'x.bin'), new Uint8Array([1, 2, 3]))).toBe(true);
    expect([...readFileSync(join(dir, 'sub', 'x.bin'))]).toEqual([1, 2, 3]);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['x.bin']);
  });
});
