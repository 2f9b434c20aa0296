import { describe, expect, it } from 'vitest';
import { preprocess } from '../../../src/config-parser/preprocess.js';
import { FakeConfigHost } from '../../support/fake-config-host.js';

describe('preprocess smoke', () => {
  it('splits braces and comments', () => {
    const host = new FakeConfigHost({ '/etc/keepalived/k.conf': 'vrrp_instance VI_1 { # c\n  state MASTER ! x\n  virtual_ipaddress { 10.0.0.1/24 }\n}\n' });
    const r = preprocess('/etc/keepalived/k.conf', host, { configId: 'h', allConfig: false });
    expect(r.lines.map((l) => l.tokens.map((t) => t.text).join(' '))).toEqual(['vrrp_instance VI_1', '{', 'state MASTER', 'virtual_ipaddress', '{', '10.0.0.1/24', '}', '}']);
    expect(r.diagnostics).toEqual([]);
    expect(r.lines[2]!.pos).toEqual({ file: '/etc/keepalived/k.conf', line: 2, col: 3 });
  });
});
