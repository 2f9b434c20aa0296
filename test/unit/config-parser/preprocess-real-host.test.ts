// The real ConfigHost (node:fs) on temporary directories: globbing order, braces, dot files, executable
// files, unreadable paths, relative includes.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preprocess } from '../../../src/config-parser/preprocess.js';
import { createConfigHost } from '../../../src/edges/config-host.js';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'havipd-pp-'));
  mkdirSync(join(dir, 'conf.d'));
  for (const n of ['b.conf', 'a.conf', 'B.conf', '.hidden.conf', '10.conf', '9.conf']) writeFileSync(join(dir, 'conf.d', n), `kw_${n}\n`);
  writeFileSync(join(dir, 'exec.conf'), 'x\n');
  chmodSync(join(dir, 'exec.conf'), 0o755);
  mkdirSync(join(dir, 'many'));
  for (let i = 0; i < 2000; i++) writeFileSync(join(dir, 'many', `f${i}.conf`), `m${i}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('real config host', () => {
  it('globs in byte order, skips dot files, expands braces in written order', () => {
    const host = createConfigHost({}, () => dir);
    expect(host.glob(`${dir}/conf.d/*.conf`).map((p) => p.slice(dir.length + 8))).toEqual(['10.conf', '9.conf', 'B.conf', 'a.conf', 'b.conf']);
    expect(host.glob(`${dir}/conf.d/{b,a}.conf`).map((p) => p.slice(dir.length + 8))).toEqual(['b.conf', 'a.conf']);
    expect(host.glob(`${dir}/conf.d/[ab].conf`).length).toBe(2);
    expect(host.glob(`${dir}/conf.d/?.conf`).map((p) => p.slice(dir.length + 8))).toEqual(['9.conf', 'B.conf', 'a.conf', 'b.conf']);
    expect(host.glob(`${dir}/nodir/*.conf`)).toEqual([]);
    expect(host.glob(`${dir}/many/*.conf`).length).toBe(2000);
  });
  it('stat reports kind and executable bits, readFile reports errno', () => {
    const host = createConfigHost({}, () => dir);
    expect(host.stat(join(dir, 'exec.conf'))).toEqual({ ok: true, kind: 'file', executable: true });
    expect(host.stat(join(dir, 'conf.d'))).toEqual({ ok: true, kind: 'dir', executable: true });
    expect(host.stat(join(dir, 'none'))).toEqual({ ok: false, errno: 'ENOENT' });
    expect(host.readFile(join(dir, 'conf.d'))).toEqual({ ok: false, errno: 'EISDIR' });
    expect(host.env('X_TEST')).toBeUndefined();
    expect(createConfigHost({ X_TEST: 'v' }).env('X_TEST')).toBe('v');
  });
  it('preprocesses a relative main file with relative includes', () => {
    writeFileSync(join(dir, 'main.conf'), 'include conf.d/[ab].conf\ninclude exec.conf\ninclude many/*.conf\nend\n');
    const r = preprocess('main.conf', createConfigHost({}, () => dir), { configId: 'n', allConfig: false });
    expect(r.lines.slice(0, 2).map((l) => l.tokens[0]!.text)).toEqual(['kw_a.conf', 'kw_b.conf']);
    expect(r.lines.length).toBe(2 + 2000 + 1);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['include-not-regular-file']);
    expect(r.files[0]).toBe('main.conf');
  });
});
