// src/runtime/service.ts loadConfig: the daemon reads its configuration with `${_RANDOM}` fed from the shell
// (the pure parser has no randomness of its own), and refuses what keepalived refuses.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, refusesToStart } from '../../../src/runtime/service.js';

const dir = mkdtempSync(join(tmpdir(), 'hv-service-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string): string => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe('loadConfig', () => {
  it('${_RANDOM} is random in the daemon (not the parser default 0)', () => {
    const file = write('random.conf', 'global_defs {\n  router_id r${_RANDOM}\n}\n');
    const ids = new Set<string | undefined>();
    for (let k = 0; k < 6; k++) ids.add(loadConfig({ file, configId: 'x', allConfig: false }).config?.global.routerId);
    // Six draws of 0..32767 all equal by chance: about 1 in 3.6e22.
    expect(ids.size).toBeGreaterThan(1);
    for (const id of ids) expect(id).toMatch(/^r\d{1,5}$/);
  });
  it('a missing file is reported as such', () => {
    expect(loadConfig({ file: join(dir, 'none.conf'), configId: 'x', allConfig: false }).missingFile).toBe(true);
  });
  it('a keyword without its argument refuses to start (keepalived exits 2)', () => {
    const file = write('broken.conf', 'vrrp_instance VI_1 {\n  interface\n}\n');
    const r = loadConfig({ file, configId: 'x', allConfig: false });
    expect(r.diagnostics.some(refusesToStart)).toBe(true);
  });
});
