// Notify scripts keepalived would not run are dropped before the notifier sees them
// (keepalived 2.2.7 lib/notify.c check_notify_script_secure(): inhibited, not found or not executable).
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withSecureNotifyScripts } from '../../../src/tracking/trackers.js';
import type { UserDb } from '../../../src/scripts/script-security.js';
import type { CommandSpec } from '../../../src/config-parser/types.js';
import { daemonConfig, globalDefs, instanceConfig } from '../../support/config.js';

const dir = mkdtempSync(join(tmpdir(), 'hv-notify-sec-'));
chmodSync(dir, 0o755);
const open = join(dir, 'open');
mkdirSync(open, { mode: 0o777 });
chmodSync(open, 0o777); // world-writable without the sticky bit: insecure when run as root
const good = join(dir, 'good.sh');
const bad = join(open, 'bad.sh');
const noexec = join(dir, 'noexec.sh');
for (const f of [good, bad, noexec]) writeFileSync(f, '#!/bin/sh\nexit 0\n');
chmodSync(good, 0o755);
chmodSync(bad, 0o755);
chmodSync(noexec, 0o644);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const db: UserDb = { user: (n) => (n === 'root' ? { uid: 0, gid: 0 } : undefined), group: (n) => (n === 'root' ? 0 : undefined) };
const cmd = (path: string): CommandSpec => ({ raw: path, argv: [path] });
const silent = { info: () => undefined, error: () => undefined, warn: () => undefined, debug: () => undefined } as never;

function configWith(security: boolean) {
  return daemonConfig({
    global: globalDefs({ enableScriptSecurity: security, scriptUser: { user: 'root' } }),
    instances: [
      instanceConfig({
        name: 'VI_1',
        notify: { master: cmd(good), backup: cmd(bad), fault: cmd(join(dir, 'missing.sh')), generic: cmd(noexec), deleted: { command: cmd(join(dir, 'gone.sh')) } },
      }),
    ],
  });
}

describe('notify script security at start-up and reload', () => {
  it('with enable_script_security: keeps the secure script, drops insecure, missing and non-executable ones', () => {
    const out = withSecureNotifyScripts(configWith(true), silent, { userDb: db, pathEnv: '/usr/bin:/bin' });
    const n = out.instances[0]!.notify;
    expect(n.master?.argv).toEqual([good]);
    expect(n.backup).toBeUndefined();
    expect(n.fault).toBeUndefined();
    expect(n.generic).toBeUndefined();
    // notify_deleted stays (it changes FAULT into DELETED) but loses its missing command.
    expect(n.deleted).toEqual({});
  });
  it('without it: an insecure script still runs (keepalived only reports SECURITY VIOLATION), missing ones do not', () => {
    const out = withSecureNotifyScripts(configWith(false), silent, { userDb: db, pathEnv: '/usr/bin:/bin' });
    const n = out.instances[0]!.notify;
    expect(n.master?.argv).toEqual([good]);
    expect(n.backup?.argv).toEqual([bad]);
    expect(n.fault).toBeUndefined();
    expect(n.generic).toBeUndefined();
  });
  it('returns the same object when nothing is dropped', () => {
    const c = daemonConfig({ instances: [instanceConfig({ notify: { master: cmd(good) } })] });
    expect(withSecureNotifyScripts(c, silent, { userDb: db, pathEnv: '/usr/bin:/bin' })).toBe(c);
  });
});

describe('net_namespace', () => {
  it('keepalived-compat: nothing is checked (as -t): insecure and missing scripts are kept', () => {
    const c = configWith(true);
    const ns = { ...c, global: { ...c.global, netNamespace: 'blue' } };
    expect(withSecureNotifyScripts(ns, silent, { userDb: db, pathEnv: '/usr/bin:/bin' })).toBe(ns);
  });
});
