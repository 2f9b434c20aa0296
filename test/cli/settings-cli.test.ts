// `--settings FILE` and `havipd -t` with a settings file (issue 11 §4): errors with file:line refuse to
// start (exit 2, as a keepalived.conf error) and fail -t (4); an unknown instance is a -t warning (5).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'havipd-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const CONF = file('keepalived.conf', 'global_defs {\n    dynamic_interfaces\n}\nvrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    priority 100\n    virtual_ipaddress {\n        192.168.200.10/24\n    }\n}\n');

async function havipd(...args: string[]): Promise<{ code: number | undefined; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  const code = await main(['node', 'havipd', ...args], { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) });
  return { code, stderr, stdout };
}

describe('--settings', () => {
  it('-t: a good settings file adds a line and keeps exit 0', async () => {
    const s = file('good.toml', '[instance.VI_1]\nverify = "/bin/true"\n');
    const r = await havipd('-t', '-f', CONF, '--settings', s);
    expect(r.stderr).toContain(`${s}: 0 errors, 0 warnings; settings OK`);
    expect(r.code).toBe(0);
  });

  it('-t: unknown keys and wrong types are errors with file:line; exit 4', async () => {
    const s = file('bad.toml', '[ops]\nstate_dir = "/var/lib/x"\n\n[instance.VI_1]\nverify = 5\ntimout = 3\n');
    const r = await havipd('-t', '-f', CONF, '--settings', s);
    expect(r.stderr).toContain(`${s}:5:1: error: 'instance.VI_1.verify' must be a command: a string or an array of strings, not an integer [settings-wrong-type]`);
    expect(r.stderr).toContain(`${s}:6:1: error: unknown key 'timout' in [instance.VI_1]`);
    expect(r.stderr).toContain(`${s}: 2 errors, 0 warnings; settings refused`);
    expect(r.code).toBe(4);
  });

  it('-t: a syntax error names its line and column', async () => {
    const s = file('syntax.toml', '[healing]\nreannounce = tru\n');
    const r = await havipd('-t', '-f', CONF, '--settings', s);
    expect(r.stderr).toMatch(new RegExp(`${s.replace(/[.]/g, '\\.')}:2:\\d+: error: not valid TOML`));
    expect(r.code).toBe(4);
  });

  it('-t: keepalived-compat: an instance keepalived.conf does not have is a warning (exit 5, like a keepalived warning)', async () => {
    const s = file('unknown.toml', '[instance.VI_9]\nverify = "/bin/true"\n');
    const r = await havipd('-t', '-f', CONF, '--settings', s);
    expect(r.stderr).toContain(`${s}:1:1: warning: [instance.VI_9]: keepalived.conf has no vrrp_instance VI_9; ignored [settings-unknown-instance]`);
    expect(r.code).toBe(5);
  });

  it('-t: a missing --settings file is an error', async () => {
    const r = await havipd('-t', '-f', CONF, '--settings', join(dir, 'nope.toml'));
    expect(r.stderr).toContain(`cannot read settings file '${join(dir, 'nope.toml')}': ENOENT`);
    expect(r.code).toBe(4);
  });

  it('the daemon refuses to start (exit 2) on a bad or missing settings file, before anything else', async () => {
    const bad = file('bad2.toml', '[ops]\ncontrol_sokcet = "/x"\n');
    const r = await havipd('-f', CONF, '--settings', bad, '--transport', 'udp');
    expect(r.stderr).toContain(`${bad}:2:1: error: unknown key 'control_sokcet' in [ops]`);
    expect(r.stderr).toContain('has errors, not starting');
    expect(r.code).toBe(2);
    const missing = await havipd('-f', CONF, '--settings', join(dir, 'none.toml'), '--transport', 'udp');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('ENOENT');
  });

  it('the daemon refuses a bad ops.metrics_listen from the file (the flag would have been refused too)', async () => {
    const s = file('ml.toml', '[ops]\nmetrics_listen = "nohost:"\n');
    const r = await havipd('-f', CONF, '--settings', s, '--transport', 'udp');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("ops.metrics_listen must be HOST:PORT");
  });
});
