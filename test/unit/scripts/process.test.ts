// Real child processes through spawnProcess (reference §3.13, §1.9.4 timeout): exit codes, signals, the
// timeout killing the whole process group (no leaked `sleep`), bounded output, spawn errors, and the
// `/bin/sh -c` fallback for files without `#!`. Every case runs through both ways of starting a program: the
// addon's vfork() (what the daemon uses) and child_process.spawn (the fallback without the addon).

import { chmodSync, closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isDirectlyExecutable, shellQuote, spawnBackend, spawnWith, type ProcessSpec } from '../../../src/scripts/process.js';

const dir = mkdtempSync(join(tmpdir(), 'hv-t1-proc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, body);
  chmodSync(p, 0o755);
  return p;
}

/** Live (non-zombie) members of a process group, from /proc (this container's init reaps nothing). */
const groupAlive = (pgid: number): boolean =>
  readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .some((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return f[0] !== 'Z' && Number(f[2]) === pgid;
      } catch {
        return false;
      }
    });

describe('spawnProcess', () => {
  it('starts programs through the addon when it loads, and through child_process with HAVIPD_SPAWN=node', () => {
    expect(spawnBackend()).toBe('addon');
  });
});

describe.each([['addon' as const], ['node' as const]])('spawn through %s', (how) => {
  const spawnProcess = (spec: ProcessSpec) => spawnWith(how, spec);

  it('gives the program a clean start: own session, stdin /dev/null, default signals, no inherited fds', async () => {
    // The mask is read by the shell itself (builtins only): a `grep` of /proc/$$/status would read it while dash
    // waits for that grep, and dash waits in sigsuspend() with every signal blocked (seen: 1 run in 6 under load).
    const p = script(
      `env-${how}.sh`,
      '#!/bin/sh\nps -o sid= -p $$\nreadlink /proc/$$/fd/0\nwhile IFS= read -r l; do case "$l" in SigBlk*|SigIgn*) echo "$l";; esac; done < /proc/$$/status\necho "X=$X L=${LD_PRELOAD-unset}"\n',
    );
    const h = spawnProcess({ argv: [p], env: { PATH: '/usr/bin:/bin', X: 'y z' } });
    const r = await h.done;
    expect(r.outcome).toEqual({ kind: 'exited', code: 0 });
    const [sid, stdin, blk, ign, env] = r.output.trim().split('\n').map((l) => l.trim());
    expect(Number(sid)).toBe(h.pid);
    expect(stdin).toBe('/dev/null');
    // Node blocks nothing but ignores SIGPIPE; a script must start with every signal at its default.
    expect(blk).toBe('SigBlk:\t0000000000000000');
    expect(ign).toBe('SigIgn:\t0000000000000000');
    expect(env).toBe('X=y z L=unset');
    // The daemon's own files and sockets (opened close-on-exec, as Node and the addon open them) stay behind.
    const mine = openSync(p, 'r');
    try {
      const fds = (await spawnProcess({ argv: ['/bin/ls', '/proc/self/fd'] }).done).output.trim().split('\n');
      expect(fds).toEqual(expect.arrayContaining(['0', '1', '2']));
      expect(fds).not.toContain(String(mine));
    } finally {
      closeSync(mine);
    }
  });

  it('reports exit statuses and runs in its own process group', async () => {
    const p = script('exit3.sh', '#!/bin/sh\nexit 3\n');
    const r = await spawnProcess({ argv: [p] }).done;
    expect(r.outcome).toEqual({ kind: 'exited', code: 3 });
    const ok = await spawnProcess({ argv: ['/bin/true'] }).done;
    expect(ok.outcome).toEqual({ kind: 'exited', code: 0 });
    const pg = script('pg.sh', '#!/bin/sh\nps -o pgid= -p $$\n');
    const h = spawnProcess({ argv: [pg] });
    const out = await h.done;
    expect(Number(out.output.trim())).toBe(h.pid);
  });

  it('a script killed by a signal it was not sent by us is a plain signal', async () => {
    const p = script('sig.sh', '#!/bin/sh\nkill -9 $$\n');
    const r = await spawnProcess({ argv: [p] }).done;
    expect(r.outcome).toMatchObject({ kind: 'signaled', signal: 'SIGKILL', signo: 9 });
  });

  it('timeout: SIGTERM to the whole group; a forked child does not survive', async () => {
    const p = script('fork.sh', '#!/bin/sh\nsleep 100 &\nsleep 100\n');
    const t0 = Date.now();
    const h = spawnProcess({ argv: [p], timeoutMs: 300, killGraceMs: 500 });
    const r = await h.done;
    expect(r.outcome).toMatchObject({ kind: 'timedOut', signal: 'SIGTERM' });
    expect(Date.now() - t0).toBeLessThan(2000);
    await new Promise((res) => setTimeout(res, 100));
    expect(groupAlive(h.pid!)).toBe(false);
  });

  it('timeout: a script ignoring SIGTERM is SIGKILLed after the grace period', async () => {
    const p = script('trap.sh', "#!/bin/sh\ntrap '' TERM\nsleep 100 &\nwait\nwait\n");
    const t0 = Date.now();
    const h = spawnProcess({ argv: [p], timeoutMs: 200, killGraceMs: 400 });
    const r = await h.done;
    expect(r.outcome).toMatchObject({ kind: 'timedOut', signal: 'SIGKILL' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(550);
    await new Promise((res) => setTimeout(res, 100));
    expect(groupAlive(h.pid!)).toBe(false);
  });

  it('megabytes of output: bounded capture, total counted', async () => {
    const p = script('loud.sh', '#!/bin/sh\nhead -c 8000000 /dev/zero | tr "\\0" x\nexit 1\n');
    const r = await spawnProcess({ argv: [p], captureBytes: 100 }).done;
    expect(r.outcome).toEqual({ kind: 'exited', code: 1 });
    expect(r.output).toBe('x'.repeat(100));
    expect(r.outputBytes).toBe(8_000_000);
  });

  it('a background child holding the pipes does not delay the result', async () => {
    const p = script('bg.sh', '#!/bin/sh\nsleep 3 &\nexit 0\n');
    const t0 = Date.now();
    const h = spawnProcess({ argv: [p] });
    const r = await h.done;
    expect(r.outcome).toEqual({ kind: 'exited', code: 0 });
    expect(Date.now() - t0).toBeLessThan(1500);
    h.kill();
  });

  it('missing or non-executable programs are spawn errors, never throws', async () => {
    const missing = await spawnProcess({ argv: [join(dir, 'nope')] }).done;
    expect(missing.outcome).toMatchObject({ kind: 'spawnError', code: 'ENOENT' });
    const p = join(dir, 'noexec');
    writeFileSync(p, '#!/bin/sh\nexit 0\n');
    chmodSync(p, 0o644);
    const noexec = await spawnProcess({ argv: [p] }).done;
    expect(noexec.outcome).toMatchObject({ kind: 'spawnError', code: 'EACCES' });
    const empty = await spawnProcess({ argv: [] }).done;
    expect(empty.outcome.kind).toBe('spawnError');
  });

  it('runs as the given uid/gid', async () => {
    const r = await spawnProcess({ argv: ['/usr/bin/id', '-u'], uid: 65534, gid: 65534 }).done;
    expect(r.output.trim()).toBe('65534');
  });

  it('files without #! run through /bin/sh -c (keepalived with libmagic)', async () => {
    const p = script('nosb.sh', 'echo "$0:$1"\nexit 4\n');
    expect(isDirectlyExecutable(p)).toBe(false);
    expect(isDirectlyExecutable('/bin/true')).toBe(true);
    const r = await spawnProcess({ argv: [p, "a b'c"] }).done;
    expect(r.outcome).toEqual({ kind: 'exited', code: 4 });
    expect(r.output.trim()).toBe(`${p}:a b'c`);
    expect(shellQuote("a b'c")).toBe(`'a b'\\''c'`);
  });
});
