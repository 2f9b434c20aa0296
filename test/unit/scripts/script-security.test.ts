// keepalived's check_script_secure() on real temp directories (reference §3.13 "Script security"): PATH
// search, realpath, executable by the script user, root-owned and non-writable path components (sticky
// directories allowed), and the -t verdicts (hostScriptDiagnostics) checked against keepalived 2.2.7.

import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DaemonConfig } from '../../../src/config-parser/types.js';
import { checkScriptSecure, findInPath, isExecutableBy, scriptIdentity, systemUserDb, type UserDb } from '../../../src/scripts/script-security.js';
import { hostScriptDiagnostics, withoutTrackers } from '../../../src/tracking/trackers.js';

// Under /var/tmp-like root-owned 0755 parent so only our own components matter.
const base = mkdtempSync('/tmp/hv-t1-sec-');
chmodSync(base, 0o755);
afterAll(() => rmSync(base, { recursive: true, force: true }));

function file(rel: string, mode = 0o755): string {
  const p = join(base, rel);
  writeFileSync(p, '#!/bin/sh\nexit 0\n');
  chmodSync(p, mode);
  return p;
}
function dir(rel: string, mode: number): string {
  const p = join(base, rel);
  mkdirSync(p);
  chmodSync(p, mode);
  return p;
}
const ROOT = { uid: 0, gid: 0 };
const NOBODY = { uid: 65534, gid: 65534 };

describe('checkScriptSecure', () => {
  it('a root-owned script in root-owned 0755 directories is fine', () => {
    const p = file('ok.sh');
    const r = checkScriptSecure([p, 'arg'], ROOT, true);
    expect(r.flags).toEqual({ isScript: true, executable: true, insecure: false, inhibit: false, notFound: false });
    expect(r.argv).toEqual([p, 'arg']);
    expect(r.logs).toEqual([]);
  });

  it('a world-writable directory makes a root script insecure; disabled only with script security', () => {
    const d = dir('ww', 0o777);
    const p = join(d, 's.sh');
    writeFileSync(p, '#!/bin/sh\n');
    chmodSync(p, 0o755);
    const on = checkScriptSecure([p], ROOT, true);
    expect(on.flags).toMatchObject({ insecure: true, inhibit: true });
    expect(on.logs).toEqual([`Unsafe permissions found for script '${p}' - disabling.`]);
    const off = checkScriptSecure([p], ROOT, false);
    expect(off.flags).toMatchObject({ insecure: true, inhibit: false, isScript: true });
    expect(off.logs).toEqual([`Unsafe permissions found for script '${p}'.`]);
    // Run as nobody, no protection is needed: not checked.
    expect(checkScriptSecure([p], NOBODY, true).flags).toMatchObject({ insecure: false, inhibit: false, executable: true });
  });

  it('a sticky world-writable directory (like /tmp) is accepted; a non-root owner is not', () => {
    const d = dir('sticky', 0o1777);
    const p = join(d, 's.sh');
    writeFileSync(p, '#!/bin/sh\n');
    chmodSync(p, 0o755);
    expect(checkScriptSecure([p], ROOT, true).flags.insecure).toBe(false);
    chownSync(p, 65534, 65534);
    expect(checkScriptSecure([p], ROOT, true).flags).toMatchObject({ insecure: true, inhibit: true });
  });

  it('group-writable: insecure with a non-root group, fine with group root', () => {
    const p = file('gw.sh', 0o775);
    expect(checkScriptSecure([p], ROOT, true).flags.insecure).toBe(false);
    chownSync(p, 0, 65534);
    expect(checkScriptSecure([p], ROOT, true).flags.insecure).toBe(true);
  });

  it('missing scripts are not found (keepalived: "cannot be accessed")', () => {
    const p = join(base, 'missing.sh');
    const r = checkScriptSecure([p], ROOT, true);
    expect(r.flags).toMatchObject({ notFound: true, isScript: false });
    expect(r.logs).toEqual([`Script ${p} cannot be accessed - No such file or directory`]);
  });

  it('not executable for the script user', () => {
    const p = file('owneronly.sh', 0o700);
    expect(checkScriptSecure([p], ROOT, true).flags.executable).toBe(true);
    const r = checkScriptSecure([p], NOBODY, true);
    expect(r.flags).toMatchObject({ executable: false, isScript: true });
    expect(r.logs).toEqual([`WARNING - script '${p}' is not executable for uid:gid 65534:65534 - disabling.`]);
  });

  it('bare names are searched in PATH (warning), EACCES when only non-executable ones exist', () => {
    const d = dir('bin', 0o755);
    writeFileSync(join(d, 'tool'), '#!/bin/sh\n');
    chmodSync(join(d, 'tool'), 0o755);
    writeFileSync(join(d, 'plain'), '');
    chmodSync(join(d, 'plain'), 0o644);
    const r = checkScriptSecure(['tool', 'x'], ROOT, true, `/nonexistent:${d}`);
    expect(r.argv).toEqual([join(d, 'tool'), 'x']);
    expect(r.logs[0]).toBe(`WARNING - script \`tool\` resolved by path search to \`${join(d, 'tool')}\`. Please specify full path.`);
    expect(findInPath('plain', ROOT, d)).toEqual({ errno: 'EACCES' });
    expect(checkScriptSecure(['plain'], ROOT, true, d).logs).toEqual(['Permissions failure for script plain in path - disabling']);
    expect(checkScriptSecure(['nothere'], ROOT, true, d).logs).toEqual(['Cannot find script nothere in path - disabling']);
  });

  it('symlinks are resolved; the target path is checked too', () => {
    const d = dir('ww2', 0o777);
    const target = join(d, 'real.sh');
    writeFileSync(target, '#!/bin/sh\n');
    chmodSync(target, 0o755);
    const link = join(base, 'link.sh');
    symlinkSync(target, link);
    const r = checkScriptSecure([link], ROOT, true);
    expect(r.argv[0]).toBe(target);
    expect(r.flags.inhibit).toBe(true);
  });

  it("is_executable: root needs any x bit; others owner/group/other", () => {
    expect(isExecutableBy({ mode: 0o100001, uid: 5, gid: 5 }, 0, 0)).toBe(true);
    expect(isExecutableBy({ mode: 0o100100, uid: 5, gid: 5 }, 5, 9)).toBe(true);
    expect(isExecutableBy({ mode: 0o100010, uid: 5, gid: 5 }, 6, 5)).toBe(true);
    expect(isExecutableBy({ mode: 0o100001, uid: 5, gid: 5 }, 6, 5)).toBe(false);
    expect(isExecutableBy({ mode: 0o100011, uid: 5, gid: 5 }, 5, 5)).toBe(false);
  });
});

const db: UserDb = {
  user: (n) => ({ root: { uid: 0, gid: 0 }, nobody: { uid: 65534, gid: 65534 } })[n],
  group: (n) => ({ root: 0, nogroup: 65534 })[n],
};

describe('scriptIdentity', () => {
  it('own user, then script_user, then keepalived_script, then the daemon', () => {
    expect(scriptIdentity({ user: 'nobody' }, undefined, db)).toEqual({ uid: 65534, gid: 65534 });
    expect(scriptIdentity({ user: 'nobody', group: 'root' }, undefined, db)).toEqual({ uid: 65534, gid: 0 });
    expect(scriptIdentity({}, { user: 'nobody' }, db)).toEqual({ uid: 65534, gid: 65534 });
    expect(scriptIdentity({}, undefined, db, { uid: 7, gid: 8 })).toEqual({ uid: 7, gid: 8 });
    expect(scriptIdentity({}, undefined, { ...db, user: (n) => (n === 'keepalived_script' ? { uid: 99, gid: 98 } : undefined) })).toEqual({ uid: 99, gid: 98 });
    expect(scriptIdentity({ user: 'ghost' }, undefined, db)).toEqual({ error: "Script user 'ghost' does not exist" });
  });
});

function config(over: { security?: boolean; scriptUser?: string; scripts?: string[]; notify?: string } = {}): DaemonConfig {
  const scripts = (over.scripts ?? []).map((p, i) => ({ name: `s${i}`, command: { raw: p, argv: [p] }, interval: 1e6, timeout: 1e6, weight: 0, reverse: false, rise: 1, fall: 1, initFail: false }));
  return {
    global: { enableScriptSecurity: over.security ?? false, scriptUser: over.scriptUser ? { user: over.scriptUser } : undefined },
    scripts,
    trackFiles: [],
    syncGroups: [],
    instances: [{ name: 'VI_1', trackScripts: scripts.map((s) => ({ name: s.name, weight: 0, reverse: false })), trackFiles: [], notify: over.notify ? { master: { raw: over.notify, argv: [over.notify] } } : {} }],
  } as unknown as DaemonConfig;
}

describe('hostScriptDiagnostics (keepalived -t, verified on 2.2.7)', () => {
  const codes = (c: DaemonConfig): string[] => hostScriptDiagnostics(c, [], { userDb: db }).map((d) => `${d.kaClass}:${d.message}`);
  it('scripts without script security: SECURITY VIOLATION (exit 6), with the insecure suffix', () => {
    expect(codes(config({ scripts: ['/bin/true'] }))).toEqual(['SECURITY_ERROR:SECURITY VIOLATION - scripts are being executed but script_security not enabled.']);
    expect(codes(config({ notify: '/bin/echo' }))).toEqual(['SECURITY_ERROR:SECURITY VIOLATION - scripts are being executed but script_security not enabled.']);
    const d = join(base, 'ww');
    expect(codes(config({ scripts: [join(d, 's.sh')] }))[0]).toMatch(/There are insecure scripts\.$/);
  });
  it('with script security: missing and insecure track scripts are GENERAL_ERROR (exit 5), good ones nothing', () => {
    expect(codes(config({ security: true, scriptUser: 'root', scripts: ['/bin/true'] }))).toEqual([]);
    expect(codes(config({ security: true, scriptUser: 'root', scripts: [join(base, 'nope.sh')] }))).toEqual(['GENERAL_ERROR:Disabling track script s0 since not found/accessible']);
    expect(codes(config({ security: true, scriptUser: 'root', scripts: [join(base, 'ww', 's.sh')] }))).toEqual(['GENERAL_ERROR:Disabling track script s0 due to insecure']);
    expect(codes(config({ security: true, scripts: ['/bin/true'] }))).toEqual(['GENERAL_ERROR:Unable to set default user keepalived_script for script']);
  });
  it('a missing script alone (no security) is not a "script being executed"', () => {
    expect(codes(config({ scripts: [join(base, 'nope.sh')] }))).toEqual(['GENERAL_ERROR:Disabling track script s0 since not found/accessible']);
  });
  it('nothing without instances or with net_namespace; an existing SECURITY_ERROR is not repeated', () => {
    const c = config({ scripts: ['/bin/true'] });
    expect(hostScriptDiagnostics({ ...c, instances: [] }, [], { userDb: db })).toEqual([]);
    expect(hostScriptDiagnostics({ ...c, global: { ...c.global, netNamespace: 'high' } }, [], { userDb: db })).toEqual([]);
    expect(hostScriptDiagnostics(c, [{ severity: 'error', code: 'x', kaClass: 'SECURITY_ERROR', pos: undefined, message: 'm' }], { userDb: db })).toEqual([]);
  });
  it('withoutTrackers drops disabled scripts from instances', () => {
    const c = withoutTrackers(config({ scripts: ['/a', '/b'] }), new Set(['s0']), new Set());
    expect(c.instances[0]!.trackScripts.map((r) => r.name)).toEqual(['s1']);
    expect(c.scripts.map((s) => s.name)).toEqual(['s1']);
  });
});

describe('systemUserDb (the one user/group lookup of scripts, notify scripts and FIFOs)', () => {
  it('a numeric name is a name, as getpwnam takes it (keepalived-compat)', () => {
    expect(systemUserDb.user('root')).toEqual({ uid: 0, gid: 0 });
    expect(systemUserDb.group('root')).toBe(0);
    // `getent passwd 0` answers root by uid; getpwnam("0") finds no user called "0".
    expect(systemUserDb.user('0')).toBeUndefined();
    expect(systemUserDb.group('0')).toBeUndefined();
    expect(systemUserDb.user('no-such-havipd-user')).toBeUndefined();
  });
});
