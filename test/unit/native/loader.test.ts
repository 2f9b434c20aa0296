// The addon loader (src/native/index.ts, issue 12 §1): where it looks (a local build, then the prebuilt binary
// for this platform, CPU and libc, as node-gyp-build chooses it), the fallback from one that does not load to
// the next, and the one-line error when none loads.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HavipdError } from '../../../src/errors.js';
import { addonCandidates, loadFirst, packageRoot } from '../../../src/native/index.js';

const dirs: string[] = [];
function tree(files: readonly string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'havipd-loader-'));
  dirs.push(root);
  for (const f of files) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    writeFileSync(join(root, f), '');
  }
  return root;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const here = `${process.platform}-${process.arch}`;
const other = process.arch === 'arm64' ? `${process.platform}-x64` : `${process.platform}-arm64`;

describe('addonCandidates', () => {
  it('a local build first, then the prebuilt binary for this platform and CPU', () => {
    const root = tree(['binding.gyp', 'build/Release/havipd_native.node', `prebuilds/${here}/havipd.glibc.node`, `prebuilds/${other}/havipd.glibc.node`]);
    const c = addonCandidates(root);
    // node-gyp-build's libc detection: glibc unless /etc/alpine-release.
    expect(c[0]).toBe(join(root, 'build/Release/havipd_native.node'));
    expect(c).toHaveLength(2);
    expect(c[1]).toBe(join(root, `prebuilds/${here}/havipd.glibc.node`));
  });

  it('only the prebuilt binary in a packed copy; nothing for another CPU or C library', () => {
    const root = tree([`prebuilds/${here}/havipd.glibc.node`]);
    expect(addonCandidates(root)).toEqual([join(root, `prebuilds/${here}/havipd.glibc.node`)]);
    expect(addonCandidates(tree([`prebuilds/${other}/havipd.glibc.node`]))).toEqual([]);
    expect(addonCandidates(tree([`prebuilds/${here}/havipd.musl.node`]))).toEqual([]);
    expect(addonCandidates(tree([]))).toEqual([]);
  });
});

describe('loadFirst', () => {
  const root = '/opt/havipd';
  it('falls back from a binary that does not load to the next one', () => {
    const r = loadFirst([`${root}/prebuilds/x/a.node`, `${root}/build/Release/havipd_native.node`], root, (p) => {
      if (p.includes('prebuilds')) throw new Error(`${p}: wrong ELF class: ELFCLASS32`);
      return { ok: p };
    });
    expect(r.path).toBe(`${root}/build/Release/havipd_native.node`);
    expect(r.addon).toEqual({ ok: r.path });
  });

  it('none loads: one line naming each binary tried with its reason, and how to build one', () => {
    let err: unknown;
    try {
      loadFirst([`${root}/prebuilds/linux-x64/havipd.glibc.node`], root, (p) => {
        throw new Error(`${p}: /lib/x86_64-linux-gnu/libc.so.6: version \`GLIBC_2.99' not found\n(required by it)`);
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HavipdError);
    const e = err as HavipdError;
    expect(e.code).toBe('HAVIPD_NATIVE_MISSING');
    expect(e.message).not.toContain('\n');
    expect(e.message).toContain('tried prebuilds/linux-x64/havipd.glibc.node (');
    expect(e.message).toContain("GLIBC_2.99' not found");
    expect(e.message).toContain('npm run build:native');
    expect(e.message).toContain('C compiler');
  });

  it('nothing to try: says so, with the platform and how to build one', () => {
    expect(() => loadFirst([], root, () => ({}))).toThrow(/^no native addon for .* in \/opt\/havipd .*npm run build:native/);
  });
});

describe('packageRoot', () => {
  it('is the nearest directory above with binding.gyp, from src/native, dist/native or dist/bundle/chunks', () => {
    const root = tree(['binding.gyp', 'dist/bundle/chunks/native-X.js', 'src/native/index.ts']);
    expect(packageRoot(join(root, 'dist/bundle/chunks/native-X.js'))).toBe(root);
    expect(packageRoot(join(root, 'src/native/index.ts'))).toBe(root);
  });
});
