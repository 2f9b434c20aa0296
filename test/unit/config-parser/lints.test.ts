// lints.ts: our own advice, never a keepalived class (does not change -t).
import { describe, expect, it } from 'vitest';
import { parseText } from '../../support/parse-text.js';
import { inst } from './ka-table.js';

describe('lints', () => {
  it('unicast_src_ip without peers: lint with no kaClass, next to keepalived\'s own DEPRECATED notice', () => {
    const r = parseText(inst('  unicast_src_ip 10.0.0.5'), { hostInterfaces: ['eth0'] });
    const lint = r.diagnostics.find((d) => d.code === 'lint-unicast-src-without-peers');
    expect(lint).toMatchObject({ severity: 'warning', kaClass: undefined, subject: 'VI_1' });
    expect(lint!.message).toContain('224.0.0.18');
    expect(r.diagnostics.find((d) => d.code === 'unicast-without-peers')?.kaClass).toBe('DEPRECATED');
  });

  it('no lint with unicast_fault_no_peer or with peers', () => {
    for (const body of ['  unicast_src_ip 10.0.0.5\n  unicast_fault_no_peer', '  unicast_src_ip 10.0.0.5\n  unicast_peer {\n    10.0.0.6\n  }']) {
      const r = parseText(inst(body), { hostInterfaces: ['eth0'] });
      expect(r.diagnostics.map((d) => d.code)).not.toContain('lint-unicast-src-without-peers');
    }
  });
});
