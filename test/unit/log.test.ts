// Log formats: keepalived-style human lines, the -g file name, secrets redacted.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, ctime, prettyLine, vrrpLogFileName } from '../../src/log.js';

const sink = (into: string[]) => new Writable({ write(c: Buffer, _e, cb) { into.push(c.toString()); cb(); } });

describe('log', () => {
  it('ctime has keepalived console layout (day padded with a space)', () => {
    expect(ctime(new Date(2026, 10, 5, 3, 4, 5))).toBe('Thu Nov  5 03:04:05 2026');
  });
  it('pretty lines are "<ctime>: <msg>"', () => {
    const t = new Date(2026, 10, 20, 23, 35, 28).getTime();
    expect(prettyLine(JSON.stringify({ time: t, msg: '(VI_1) Entering MASTER STATE' }))).toBe('Fri Nov 20 23:35:28 2026: (VI_1) Entering MASTER STATE\n');
  });
  it('-g file names get _vrrp before the extension, as keepalived VRRP child logs', () => {
    expect(vrrpLogFileName('/tmp/keepalived.log')).toBe('/tmp/keepalived_vrrp.log');
    expect(vrrpLogFileName('/var/log/ha')).toBe('/var/log/ha_vrrp');
    expect(vrrpLogFileName('/var/log.d/ha')).toBe('/var/log.d/ha_vrrp');
  });
  it('JSON to stdout and human lines to the -g file, the password redacted in both', () => {
    const out: string[] = [];
    const file: string[] = [];
    const log = createLogger({ format: 'json', detail: false, destination: sink(out), file: sink(file) });
    log.info({ event: 'x', auth: { password: 'secret1' } }, '(VI_1) Entering MASTER STATE');
    expect(JSON.parse(out[0]!)).toMatchObject({ event: 'x', msg: '(VI_1) Entering MASTER STATE', auth: { password: '********' } });
    expect(file[0]).toMatch(/^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: \(VI_1\) Entering MASTER STATE\n$/);
    expect(out.join('') + file.join('')).not.toContain('secret1');
  });
});
