// src/runtime/service.ts loadConfig: the daemon reads its configuration with `${_RANDOM}` fed from the shell
// (the pure parser has no randomness of its own), and refuses what keepalived refuses.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, refusesReload, refusesToStart } from '../../../src/runtime/service.js';
import { ISSUE14_NESTED_SEQ, ISSUE8_SELF_MULTILINE } from '../../support/config-reproducers.js';

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
  it('havipd: a tripped expansion limit refuses to start (issue 8 §3): the part read before it is not the file', () => {
    for (const [name, text] of [['self.conf', ISSUE8_SELF_MULTILINE], ['seq.conf', ISSUE14_NESTED_SEQ]] as const) {
      const r = loadConfig({ file: write(name, text), configId: 'x', allConfig: false });
      const refusal = r.diagnostics.find(refusesToStart);
      expect(refusal?.code, name).toMatch(/^(substitution-loop|expansion-too-large|expansion-too-deep)$/);
    }
  });
  it('an ordinary general error does not refuse to start (keepalived runs with it)', () => {
    const r = loadConfig({ file: write('unknown.conf', 'global_defs {\n  no_such_keyword 1\n}\n'), configId: 'x', allConfig: false });
    expect(r.diagnostics.length).toBeGreaterThan(0);
    expect(r.diagnostics.some(refusesToStart)).toBe(false);
  });
  it('havipd: a reload naming an interface the host lacks is refused (keepalived\'s VRRP process exits on it); a start still runs it in FAULT', () => {
    const text = 'vrrp_instance VI_1 {\n  interface hv-no-such0\n  virtual_router_id 7\n  priority 100\n  virtual_ipaddress {\n    10.9.9.9/24\n  }\n}\n';
    const r = loadConfig({ file: write('missing-if.conf', text), configId: 'x', allConfig: false });
    const d = r.diagnostics.find((x) => x.code === 'unknown-interface');
    expect(d?.severity).toBe('error');
    expect(refusesReload(d!)).toBe(true);
    expect(refusesToStart(d!)).toBe(false);
    expect(r.diagnostics.some(refusesReload)).toBe(true);
  });
  it('an ordinary general error does not refuse a reload either', () => {
    const r = loadConfig({ file: write('unknown2.conf', 'global_defs {\n  no_such_keyword 1\n}\n'), configId: 'x', allConfig: false });
    expect(r.diagnostics.some(refusesReload)).toBe(false);
  });
});
