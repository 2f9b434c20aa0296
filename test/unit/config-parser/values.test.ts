import { describe, expect, it } from 'vitest';
import { readBool, readDecimal, readInteger } from '../../../src/config-parser/values.js';
import { splitCommand } from '../../../src/config-parser/command.js';
import { suggestKeyword } from '../../../src/config-parser/diagnostics.js';
import { diagLines, parseText } from '../../support/parse-text.js';

describe('values', () => {
  it.each([
    ['100', 1, 255, 100], ['  7', 1, 255, 7], ['100abc', 1, 255, undefined], ['300', 1, 255, undefined], ['', 0, 1, undefined],
  ])('readInteger(%j)', (t, min, max, v) => expect(readInteger(t, min, max).value).toBe(v));
  it('booleans are lower case only', () => {
    expect(readBool('yes')).toBe(true);
    expect(readBool('off')).toBe(false);
    expect(readBool('TRUE')).toBeUndefined();
  });
  it('decimals: scaled, rounded past the allowed places (reported), negatives refused', () => {
    expect(readDecimal('0.5', 6, 0, 10_000_000)).toEqual({ value: 500_000, problem: undefined });
    const r = readDecimal('1.0005', 3, 0, 10_000);
    expect(r.value).toBe(1001);
    expect(r.problem?.code).toBe('too-many-decimal-places');
    expect(readDecimal('-1', 6, 0, 10).value).toBeUndefined();
    expect(readDecimal('0', 6, 1, 10).problem?.message).toBe('0 is outside the range [0.000001, 0.000010]');
  });
});

describe('command split', () => {
  it('quotes and escapes', () => {
    expect(splitCommand(`/bin/x 'a b' "c\\"d" e\\ f`)).toEqual(['/bin/x', 'a b', 'c"d', 'e f']);
    expect(splitCommand('   ')).toEqual([]);
  });
});

describe('suggestions and lints', () => {
  it('edit distance and glued names', () => {
    expect(suggestKeyword('virtual_routr_id', ['virtual_router_id', 'priority'])).toBe('virtual_router_id');
    expect(suggestKeyword('zzzz', ['virtual_router_id'])).toBeUndefined();
  });
  it('unicast_src_ip without peers: keepalived DEPRECATED notice plus our lint (kaClass undefined)', () => {
    const r = parseText('vrrp_instance A {\n interface eth0\n virtual_router_id 1\n unicast_src_ip 10.0.0.1\n virtual_ipaddress {\n 10.0.0.9\n }\n}\n');
    expect(r.diagnostics.map((d) => [d.code, d.kaClass])).toEqual([['unicast-without-peers', 'DEPRECATED'], ['lint-unicast-src-without-peers', undefined]]);
  });
  it('duplicate VRID on one interface and family is keepalived GENERAL_ERROR', () => {
    const inst = (n: string): string => `vrrp_instance ${n} {\n interface eth0\n virtual_router_id 5\n virtual_ipaddress {\n 10.0.0.9\n }\n}\n`;
    expect(diagLines(parseText(inst('A') + inst('B')))).toEqual(['8:15 error duplicate-vrid GENERAL_ERROR A and B both use VRID 5 with IPv4 on interface eth0']);
  });
  // keepalived 2.4.3 deliberately differs from 2.2.7 here: it knows the keyword, so it is no error (issue 13 §3).
  it('keywords newer than 2.2.7 are an info notice (no keepalived class, as 2.4.3 accepts them) and honoured', () => {
    const r = parseText('vrrp_instance A {\n interface eth0\n virtual_router_id 1\n version 3\n no_virtual_ipaddress\n}\n');
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.kaClass])).toEqual([['keyword-too-new', 'info', undefined]]);
    expect(r.config!.instances).toHaveLength(1);
  });
  it('interfaces are checked against the host unless dynamic_interfaces', () => {
    const t = 'vrrp_instance A {\n interface eth9\n virtual_router_id 1\n virtual_ipaddress {\n 10.0.0.9\n }\n}\n';
    expect(parseText(t, { hostInterfaces: ['eth0'] }).diagnostics.map((d) => d.code)).toEqual(['unknown-interface']);
    expect(parseText(`global_defs {\n dynamic_interfaces\n}\n${t}`, { hostInterfaces: ['eth0'] }).diagnostics).toEqual([]);
  });
});
