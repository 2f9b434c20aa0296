// The `auth_hmac { … }` block (keepalived 2.4, keywords/auth-hmac.ts): key forms (hex:, ASCII, file:),
// 32–64 bytes, rotation keys, active_key, anti_replay, time_window and its default, mode, strict mode,
// legacy auth dropped; key-file problems refuse the config with file:line; no key in any diagnostic or
// in the redacted dump.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createConfigHost } from '../../../src/edges/config-host.js';
import { parseConfig } from '../../../src/config-parser/parse.js';
import { redactConfig } from '../../../src/config-parser/redact.js';
import type { ParseResult } from '../../../src/config-parser/types.js';
import { refusesToStart } from '../../../src/runtime/service.js';
import { FakeConfigHost, type FakeFile } from '../../support/fake-config-host.js';
import { diagLines as allDiagLines } from '../../support/parse-text.js';

/** Diagnostic lines without the 2.2.7 "keyword added later" notice (not this block's concern). */
const diagLines = (r: ParseResult): string[] => allDiagLines(r).filter((l) => !l.includes('keyword-too-new'));

const HEX32 = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const ASCII40 = 'an-ascii-passphrase-of-forty-characters.';

function conf(block: string[], more: string[] = []): string {
  return ['vrrp_instance VI_1 {', '  interface eth0', '  virtual_router_id 51', '  priority 100', '  advert_int 2', ...more,
    '  auth_hmac {', ...block.map((l) => `    ${l}`), '  }', '  virtual_ipaddress {', '    10.0.0.1', '  }', '}', ''].join('\n');
}

function parse(text: string, files: Record<string, string | FakeFile> = {}): ParseResult {
  const host = new FakeConfigHost({ '/etc/keepalived/keepalived.conf': text, ...files });
  return parseConfig('/etc/keepalived/keepalived.conf', host, { configId: 'test', allConfig: false });
}

const bytes = (s: string): number[] => [...new TextEncoder().encode(s)];

describe('auth_hmac block', () => {
  it('reads hex:, ASCII and file: keys, active_key, mode, anti_replay, time_window', () => {
    const r = parse(conf([`key 1 hex:${HEX32}`, `key 2 ${ASCII40}`, 'key 3 file:/etc/keepalived/k3', 'active_key 2', 'mode permissive', 'anti_replay monotonic', 'time_window 30']),
      { '/etc/keepalived/k3': `hex:${HEX32.toUpperCase()}ff\r\n` });
    expect(diagLines(r)).toEqual([]);
    const h = r.config!.instances[0]!.authHmac!;
    expect(h.keys.map((k) => [k.id, [...k.secret]])).toEqual([
      [1, Array.from({ length: 32 }, (_, i) => i)],
      [2, bytes(ASCII40)],
      [3, [...Array.from({ length: 32 }, (_, i) => i), 0xff]],
    ]);
    expect(h).toMatchObject({ activeKey: 2, mode: 'permissive', antiReplay: 'monotonic', timeWindow: 30 });
  });

  it('defaults: enforce, time, window max(3 × advert_int, 5) (advert_int 2 → 6; 1 → 5; 200 → 300)', () => {
    const base = [`key 1 hex:${HEX32}`, 'active_key 1'];
    expect(parse(conf(base)).config!.instances[0]!.authHmac).toMatchObject({ mode: 'enforce', antiReplay: 'time', timeWindow: 6 });
    expect(parse(conf(base).replace('advert_int 2', 'advert_int 1')).config!.instances[0]!.authHmac!.timeWindow).toBe(5);
    expect(parse(conf(base).replace('advert_int 2', 'advert_int 200')).config!.instances[0]!.authHmac!.timeWindow).toBe(300);
  });

  it('an ASCII key file keeps its bytes, minus a trailing newline', () => {
    const r = parse(conf(['key 9 file:/k', 'active_key 9']), { '/k': `${ASCII40}\n` });
    expect([...r.config!.instances[0]!.authHmac!.keys[0]!.secret]).toEqual(bytes(ASCII40));
  });

  it.each([
    ['a short inline key', [`key 1 ${'x'.repeat(31)}`, 'active_key 1'], {}, /7:\d+ error auth-hmac-key-length FATAL \(VI_1\) auth_hmac key 1 length 31 not in range \[32, 64\]/],
    ['a long hex key', [`key 1 hex:${HEX32}${HEX32}00`, 'active_key 1'], {}, /auth_hmac key 1 length 65 not in range/],
    ['bad hex', ['key 1 hex:zz', 'active_key 1'], {}, /auth_hmac key 1 length 0 not in range .*invalid hex/],
    ['a missing key file', ['key 1 file:/nope', 'active_key 1'], {}, /7:\d+ error auth-hmac-key-file FATAL \(VI_1\) auth_hmac key file '\/nope' cannot be opened \(ENOENT\)/],
    ['an empty key file', ['key 1 file:/k', 'active_key 1'], { '/k': '' }, /auth_hmac key 1 length 0 not in range/],
    ['a short key file', ['key 1 file:/k', 'active_key 1'], { '/k': 'hex:0011\n' }, /auth_hmac key 1 length 2 not in range/],
    ['an unreadable key file', ['key 1 file:/k', 'active_key 1'], { '/k': { data: HEX32, errno: 'EACCES' } }, /auth_hmac key file '\/k' cannot be opened \(EACCES\)/],
    ['an undefined active_key', [`key 1 hex:${HEX32}`, 'active_key 2'], {}, /error auth-hmac-no-active-key FATAL \(VI_1\) auth_hmac active_key 2 is not defined/],
    ['no active_key', [`key 1 hex:${HEX32}`], {}, /auth_hmac has no active_key/],
    ['a key file of 139 bytes (keepalived: too large)', ['key 1 file:/k', 'active_key 1'], { '/k': 'x'.repeat(139) }, /auth_hmac key file '\/k' is too large/],
    ['a duplicate key id', [`key 1 hex:${HEX32}`, `key 1 ${ASCII40}`, 'active_key 1'], {}, /duplicate auth_hmac key id 1/],
    ['a key id out of range', [`key 0 hex:${HEX32}`, 'active_key 1'], {}, /auth_hmac key id '0' must be between 1 and 255/],
  ] as const)('%s refuses the config (FATAL) with file:line', (_what, block, files, re) => {
    const r = parse(conf([...block]), files as Record<string, string | FakeFile>);
    const lines = diagLines(r);
    expect(lines.join('\n')).toMatch(re);
    expect(r.diagnostics.some(refusesToStart)).toBe(true);
    expect(r.diagnostics.every((d) => d.pos?.file === '/etc/keepalived/keepalived.conf')).toBe(true);
  });

  it('a key file readable by group or others is a SECURITY_ERROR warning (keepalived-compat), the key is still used', () => {
    const r = parse(conf(['key 1 file:/k', 'active_key 1']), { '/k': { data: `hex:${HEX32}`, groupOtherAccess: true } });
    expect(diagLines(r)).toEqual(["7:11 warning auth-hmac-key-file-mode SECURITY_ERROR (VI_1) auth_hmac key file '/k' is readable by group or others"]);
    expect(r.config!.instances[0]!.authHmac!.keys).toHaveLength(1);
  });

  it('bad mode / anti_replay / time_window are reported and defaulted', () => {
    const r = parse(conf([`key 1 hex:${HEX32}`, 'active_key 1', 'mode strict', 'anti_replay never', 'time_window 301']));
    expect(diagLines(r).map((l) => l.split(' ').slice(1, 4).join(' '))).toEqual([
      'error auth-hmac-mode GENERAL_ERROR', 'error auth-hmac-anti-replay GENERAL_ERROR', 'error auth-hmac-time-window GENERAL_ERROR',
    ]);
    expect(r.config!.instances[0]!.authHmac).toMatchObject({ mode: 'enforce', antiReplay: 'time', timeWindow: 6 });
  });

  it('keepalived-compat: legacy authentication is dropped; strict mode forces enforce', () => {
    const r = parse(conf([`key 1 hex:${HEX32}`, 'active_key 1', 'mode receive-only'], ['  strict_mode', '  authentication {', '    auth_type PASS', '    auth_pass abc', '  }']));
    const codes = r.diagnostics.map((d) => d.code);
    expect(codes).toContain('auth-hmac-strict-mode');
    const i = r.config!.instances[0]!;
    expect(i.auth).toEqual({ type: 'NONE' });
    expect(i.authHmac!.mode).toBe('enforce');
    const r2 = parse(conf([`key 1 hex:${HEX32}`, 'active_key 1'], ['  authentication {', '    auth_type PASS', '    auth_pass abc', '  }']));
    expect(r2.diagnostics.map((d) => d.code)).toContain('auth-hmac-legacy-auth');
    expect(r2.config!.instances[0]!.auth).toEqual({ type: 'NONE' });
  });

  it('no key appears in diagnostics or in the redacted config dump', () => {
    const r = parse(conf([`key 1 hex:${HEX32}`, `key 2 ${ASCII40}`, `key 3 ${'s3cr3t'.repeat(2)}`, 'active_key 1']));
    // key 3 is too short: its diagnostic names the id and length, never the value.
    expect(JSON.stringify(r.diagnostics)).not.toContain('s3cr3t');
    const dump = JSON.stringify(redactConfig(r.config ?? parse(conf([`key 1 hex:${HEX32}`, `key 2 ${ASCII40}`, 'active_key 1'])).config!));
    expect(dump).not.toContain(ASCII40);
    expect(dump).not.toMatch(/"secret":\{/);
    expect(dump).toContain('"secret":"<redacted>"');
  });
});

describe('auth_hmac key file through the real config host', () => {
  it('mode 0600 is quiet, 0640 warns (SECURITY_ERROR); the key is read either way', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hv-h24-key-'));
    try {
      const key = join(dir, 'vrrp51');
      writeFileSync(key, `hex:${HEX32}\n`, { mode: 0o600 });
      chmodSync(key, 0o600);
      const main = join(dir, 'keepalived.conf');
      writeFileSync(main, conf([`key 1 file:${key}`, 'active_key 1']));
      const run = () => parseConfig(main, createConfigHost(), { configId: 'test', allConfig: false });
      const quiet = run();
      expect(diagLines(quiet)).toEqual([]);
      expect([...quiet.config!.instances[0]!.authHmac!.keys[0]!.secret]).toEqual(Array.from({ length: 32 }, (_, i) => i));
      chmodSync(key, 0o640);
      expect(diagLines(run())).toEqual([`7:11 warning auth-hmac-key-file-mode SECURITY_ERROR (VI_1) auth_hmac key file '${key}' is readable by group or others`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// keepalived 2.4.3 `vrrp_complete_instance()`: the trailer follows the VIPs, so it counts against the MTU
// when the instance signs. Checked against the 2.4.3 binary (`keepalived -t` in a namespace with a 1500-byte
// interface): 89 IPv6 VIPs fit without auth_hmac and in receive-only mode; with `mode enforce`
// "Number of VIPs (89) exceeds maximum/space available in packet (max 88 addresses)", exit 5.
describe('auth_hmac trailer bytes in the VIP-count budget', () => {
  const v6 = (n: number, mode?: string): string =>
    [
      'vrrp_instance VI_1 {', '  interface eth0', '  virtual_router_id 51', '  priority 100',
      ...(mode ? ['  auth_hmac {', `    key 1 hex:${HEX32}`, '    active_key 1', `    mode ${mode}`, '  }'] : []),
      '  virtual_ipaddress {', ...Array.from({ length: n }, (_, i) => `    2001:db8::${(i + 1).toString(16)}`), '  }', '}', '',
    ].join('\n');
  const split = (r: ParseResult): [number, number] => [r.config!.instances[0]!.vips.length, r.config!.instances[0]!.excludedVips.length];
  it('89 IPv6 VIPs fit one 1500-byte advert without auth_hmac and in receive-only mode (no trailer sent)', () => {
    for (const r of [parse(v6(89)), parse(v6(89, 'receive-only'))]) {
      expect(split(r)).toEqual([89, 0]);
      expect(diagLines(r).filter((l) => l.includes('too-many-vips'))).toEqual([]);
    }
  });
  it('with a signing mode the 28 trailer bytes leave room for 88: the 89th becomes excluded (too-many-vips)', () => {
    for (const mode of ['enforce', 'permissive']) {
      const r = parse(v6(89, mode));
      expect(split(r)).toEqual([88, 1]);
      expect(diagLines(r).filter((l) => l.includes('too-many-vips'))).toEqual([expect.stringContaining('89 VIPs exceed what one advert carries (max 88)')]);
    }
    expect(split(parse(v6(88, 'enforce')))).toEqual([88, 0]);
  });
});
