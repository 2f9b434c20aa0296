import { describe, expect, it } from 'vitest';
import { diagLines, parseText } from '../../support/parse-text.js';

const base = (body: string, pre = ''): string => `${pre}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
${body}
  virtual_ipaddress {
    192.168.1.10/24
  }
}
`;

describe('vrrp_instance core keywords', () => {
  it('defaults: priority 100, BACKUP, advert 1 s, v2, GARP 5/5/0/1, down_timer_adverts 3', () => {
    const r = parseText(base(''));
    expect(diagLines(r)).toEqual([]);
    const i = r.config!.instances[0]!;
    expect(i).toMatchObject({
      name: 'VI_1', state: 'BACKUP', interface: 'eth0', vrid: 51, priority: 100, advertInt: 1_000_000, version: 2, family: 4,
      auth: { type: 'NONE' }, downTimerAdverts: 3, nopreempt: false, accept: true, mcastDstIp: '224.0.0.18',
    });
    expect(i.garp).toEqual({ masterDelay: 5_000_000, masterRepeat: 5, masterRefresh: 0, masterRefreshRepeat: 1, lowerPrioDelay: 5_000_000, lowerPrioRepeat: 5 });
    expect(i.vips[0]).toMatchObject({ address: '192.168.1.10', prefix: 24, family: 4 });
    expect(Object.isFrozen(r.config!.instances)).toBe(true);
  });

  it('state MASTER without priority gives priority 255', () => {
    const i = parseText(base('  state MASTER')).config!.instances[0]!;
    expect(i).toMatchObject({ state: 'MASTER', priority: 255 });
  });

  it('state master (lower case) → BACKUP with an error and a hint', () => {
    const r = parseText(base('  state master'));
    expect(r.config!.instances[0]!.state).toBe('BACKUP');
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ code: 'invalid-state', kaClass: 'GENERAL_ERROR', pos: { line: 5, col: 9 }, hint: "write 'MASTER' in upper case" });
  });

  it('priority out of range → 100 with an error', () => {
    const r = parseText(base('  priority 300'));
    expect(r.config!.instances[0]!.priority).toBe(100);
    expect(diagLines(r)).toEqual(['5:12 error number-out-of-range GENERAL_ERROR priority: 300 is outside the range [1, 255]; using the default 100']);
  });

  it('integer with trailing garbage is refused', () => {
    const r = parseText(base('  priority 100abc'));
    expect(r.config!.instances[0]!.priority).toBe(100);
    expect(r.diagnostics[0]!.code).toBe('invalid-number');
  });

  it('missing argument stops the parse (MISSING_PARAMETER, config undefined)', () => {
    const r = parseText(base('  priority'));
    expect(r.config).toBeUndefined();
    expect(r.diagnostics.at(-1)).toMatchObject({ code: 'missing-parameter', kaClass: 'MISSING_PARAMETER' });
  });

  it('decimal advert_int: v3 keeps 0.5 s, v2 rounds with an error', () => {
    const v3 = parseText(base('  advert_int 0.5\n  version 3'));
    expect(v3.config!.instances[0]!.advertInt).toBe(500_000);
    expect(v3.diagnostics).toEqual([]);
    const v2 = parseText(base('  advert_int 1.6'));
    expect(v2.config!.instances[0]!.advertInt).toBe(2_000_000);
    expect(v2.diagnostics[0]).toMatchObject({ code: 'advert-int-v2-fraction', kaClass: 'GENERAL_ERROR' });
  });

  it('IPv6 VIPs imply version 3 and ff02::12', () => {
    const r = parseText(`vrrp_instance V6 {\n interface eth0\n virtual_router_id 9\n virtual_ipaddress {\n  FE80::0001/64\n }\n}\n`);
    expect(r.config!.instances[0]).toMatchObject({ version: 3, family: 6, mcastDstIp: 'ff02::12' });
    expect(r.config!.instances[0]!.vips[0]!.address).toBe('fe80::1');
  });

  it('auth_pass longer than 8 is truncated with an error that does not contain the secret', () => {
    const r = parseText(base('  authentication {\n    auth_type PASS\n    auth_pass s3cretPassword\n  }'));
    expect(r.config!.instances[0]!.auth).toEqual({ type: 'PASS', password: 's3cretPa' });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['auth-pass-truncated']);
    expect(JSON.stringify(r.diagnostics)).not.toContain('s3cret');
  });

  it('unknown keyword with a did-you-mean hint', () => {
    const r = parseText(base('  priorty 150'));
    expect(r.diagnostics[0]).toMatchObject({ code: 'unknown-keyword', kaClass: 'UNKNOWN_KEYWORD', hint: "did you mean 'priority'?" });
  });

  it('vrrp_instanceVI_1 suggests vrrp_instance VI_1', () => {
    const r = parseText('vrrp_instanceVI_1 {\n}\n');
    expect(r.diagnostics[0]).toMatchObject({ code: 'unknown-keyword', hint: "did you mean 'vrrp_instance VI_1'?" });
  });

  it('unknown keyword block is not skipped: inner lines apply to the enclosing block', () => {
    const r = parseText(base('  foo_block {\n    priority 200\n  }\n  advert_int 3'));
    expect(r.config!.instances[0]!.priority).toBe(200);
    expect(r.config!.instances[0]!.advertInt).toBe(1_000_000);
    expect(r.diagnostics.map((d) => d.kaClass)).toContain('UNEXPECTED_BOB');
  });

  it('missing virtual_router_id drops the instance with an error', () => {
    const r = parseText('vrrp_instance X {\n interface eth0\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n');
    expect(r.config!.instances).toEqual([]);
    expect(r.diagnostics[0]).toMatchObject({ code: 'missing-vrid', kaClass: 'GENERAL_ERROR' });
  });
});

describe('virtual_routes / virtual_rules (installed by the runtime)', () => {
  it('items are kept as text; no "not acted on" notice and no inactiveKeywords entry', () => {
    const r = parseText(base('  virtual_routes {\n    src 192.168.1.10 to 10.9.0.0/16 dev eth0\n    10.8.0.0/16 dev eth0\n  }\n  virtual_rules {\n    from 10.1.1.1 table 100\n  }'));
    const i = r.config!.instances[0]!;
    expect(i.inactiveKeywords).toEqual([]);
    expect(i.virtualRoutes).toEqual(['src 192.168.1.10 to 10.9.0.0/16 dev eth0', '10.8.0.0/16 dev eth0']);
    expect(i.virtualRules).toEqual(['from 10.1.1.1 table 100']);
    expect(r.diagnostics.filter((d) => d.code === 'not-acted-on')).toEqual([]);
  });
});

describe('no_accept', () => {
  it('records Accept_Mode off and says that no firewall rule is installed', () => {
    const r = parseText(base('  no_accept'));
    expect(r.config!.instances[0]!.accept).toBe(false);
    expect(r.config!.instances[0]!.inactiveKeywords).toContain('no_accept');
    expect(r.diagnostics.find((x) => x.code === 'not-acted-on')?.message).toMatch(/'no_accept'.*no firewall rule/);
  });
});
