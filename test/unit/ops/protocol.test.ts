// Control socket protocol parsing and the bounded line splitter (issue 10 §1, "Bad input").
import { describe, expect, it } from 'vitest';
import { COMMANDS, isChange, LineSplitter, MAX_LINE, parseRequest } from '../../../src/ops/protocol.js';

describe('parseRequest', () => {
  it('accepts each command with its arguments', () => {
    expect(parseRequest('{"cmd":"ping"}')).toEqual({ ok: true, request: { id: null, cmd: 'ping' } });
    expect(parseRequest('{"id":7,"cmd":"status","instance":"VI_1"}')).toEqual({ ok: true, request: { id: 7, cmd: 'status', instance: 'VI_1' } });
    expect(parseRequest('{"cmd":"events","follow":true}')).toEqual({ ok: true, request: { id: null, cmd: 'events', limit: 100, follow: true } });
    expect(parseRequest('{"cmd":"maintenance","on":false}')).toEqual({ ok: true, request: { id: null, cmd: 'maintenance', instance: undefined, on: false } });
    expect(parseRequest('{"cmd":"switchover","instance":null}')).toEqual({ ok: true, request: { id: null, cmd: 'switchover', instance: undefined } });
  });

  it('switchover takes a sync group name ("group"); anything else there is a bad request', () => {
    expect(parseRequest('{"cmd":"switchover","group":"SG1"}')).toEqual({ ok: true, request: { id: null, cmd: 'switchover', instance: undefined, group: 'SG1' } });
    for (const g of ['1', '""', '"a b"', '["SG1"]']) expect(parseRequest(`{"id":1,"cmd":"switchover","group":${g}}`)).toMatchObject({ ok: false, code: 'bad-request' });
  });

  it('answers garbage with a stable code and a clear message, never throws', () => {
    const cases: Array<[string, string]> = [
      ['not json', 'bad-json'],
      ['[1,2]', 'bad-request'],
      ['null', 'bad-request'],
      ['"status"', 'bad-request'],
      ['{}', 'bad-request'],
      ['{"cmd":42}', 'bad-request'],
      ['{"cmd":"stauts"}', 'unknown-command'],
      ['{"cmd":"status","instance":""}', 'bad-request'],
      ['{"cmd":"status","instance":"a b"}', 'bad-request'],
      ['{"cmd":"status","instance":{"x":1}}', 'bad-request'],
      ['{"cmd":"events","limit":-1}', 'bad-request'],
      ['{"cmd":"events","limit":1.5}', 'bad-request'],
      ['{"cmd":"events","limit":10001}', 'bad-request'],
      ['{"cmd":"events","follow":"yes"}', 'bad-request'],
      ['{"cmd":"maintenance"}', 'bad-request'],
      ['{"cmd":"maintenance","on":"on"}', 'bad-request'],
      ['{"cmd":"__proto__"}', 'unknown-command'],
    ];
    for (const [line, code] of cases) {
      const r = parseRequest(line);
      expect(r.ok, line).toBe(false);
      if (!r.ok) {
        expect(r.code, line).toBe(code);
        expect(r.message.length).toBeGreaterThan(10);
      }
    }
    const unknown = parseRequest('{"id":"x","cmd":"stauts"}');
    expect(unknown).toMatchObject({ ok: false, id: 'x', message: expect.stringContaining('status') });
    expect(parseRequest('x'.repeat(MAX_LINE + 1))).toMatchObject({ ok: false, code: 'line-too-long' });
  });

  it('knows which commands change the daemon', () => {
    expect(COMMANDS.filter(isChange)).toEqual(['reload', 'garp', 'switchover', 'maintenance']);
  });
});

describe('LineSplitter', () => {
  it('splits across chunks and ignores blank lines and CR', () => {
    const s = new LineSplitter(100);
    expect(s.push('{"a":')).toEqual({ lines: [], overflow: false });
    expect(s.push('1}\r\n\n{"b":2}\n{"c"')).toEqual({ lines: ['{"a":1}', '{"b":2}'], overflow: false });
    expect(s.push(':3}\n')).toEqual({ lines: ['{"c":3}'], overflow: false });
  });

  it('reports overflow when a line grows past the bound without a newline, and keeps nothing', () => {
    const s = new LineSplitter(10);
    expect(s.push('12345')).toEqual({ lines: [], overflow: false });
    expect(s.push('678901')).toEqual({ lines: [], overflow: true });
    expect(s.push('ok\n')).toEqual({ lines: ['ok'], overflow: false });
    expect(new LineSplitter(4).push('abcdefgh\nx\n')).toEqual({ lines: [], overflow: true });
  });

  it('a line of exactly the bound ending in CR LF is accepted however the CR and LF are cut (fuzz target control)', () => {
    const line = 'a'.repeat(MAX_LINE);
    const s = new LineSplitter(MAX_LINE);
    expect(s.push(`${line}\r`)).toEqual({ lines: [], overflow: false });
    expect(s.push('\n')).toEqual({ lines: [line], overflow: false });
    expect(new LineSplitter(MAX_LINE).push(`${line}\r\n`)).toEqual({ lines: [line], overflow: false });
    expect(new LineSplitter(MAX_LINE).push(`${line}b`)).toEqual({ lines: [], overflow: true });
  });

  it('a line written one character at a time comes out whole (each chunk scanned once)', () => {
    const line = `{"cmd":"status","instance":"${'x'.repeat(MAX_LINE - 40)}"}`;
    const s = new LineSplitter(MAX_LINE);
    const out: string[] = [];
    for (const ch of `${line}\n{"cmd":"ping"}\n`) {
      const r = s.push(ch);
      expect(r.overflow).toBe(false);
      out.push(...r.lines);
    }
    expect(out).toEqual([line, '{"cmd":"ping"}']);
  });
});
