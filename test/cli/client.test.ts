// The client subcommands as a user runs them (`node bin/havipd …`, needs `npx tsc -p tsconfig.json` first):
// typos are errors with a suggestion and never start a daemon; a daemon that is not running or does not
// answer is one line and a non-zero exit, never a stack trace; a live socket is asked and answered.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { firstWord, suggest } from '../../src/cli/client.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin/havipd');
const dir = mkdtempSync(join(tmpdir(), 'havipd-client-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function havipd(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 15_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Async run (for a server living in this process). */
function havipdAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [BIN, ...args]);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => res({ code, stdout, stderr }));
  });
}

const STACK = /^\s+at .*(:\d+:\d+\)?|<anonymous>)$/m;

describe('subcommand dispatch', () => {
  it('the first bare word, skipping option values, names the subcommand', () => {
    expect(firstWord(['--control-socket', '/x', 'status', '--json'])).toEqual({ word: 'status', index: 2 });
    expect(firstWord(['-f', 'status', '-l'])).toBeUndefined();
    expect(firstWord(['--log-format', 'pretty', '-D'])).toBeUndefined();
    expect(firstWord(['-D', 'stauts'])).toEqual({ word: 'stauts', index: 1 });
    expect(suggest('stauts')).toBe('status');
    expect(suggest('swtichover')).toBe('switchover');
    expect(suggest('maint')).toBe('maintenance');
    expect(suggest('doctor')).toBeUndefined();
  });

  it('an unknown word is an error with the nearest command, exit 2, and no daemon is started', () => {
    const r = havipd(['stauts']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("havipd: unexpected argument 'stauts': not a command (did you mean 'havipd status'?); commands: status, reload, garp, events, switchover, maintenance; no daemon started\n");
    const d = havipd(['frobnicate', '-f', '/nonexistent.conf']);
    expect(d.code).toBe(2);
    expect(d.stderr).toContain("unexpected argument 'frobnicate': not a command; commands:");
    expect(d.stderr).not.toMatch(/Starting havipd|configuration file/);
  });

  it('`havipd doctor` (issue 11 §5) is a command: a missing config fails its config check, exit 1, no daemon started', () => {
    const d = havipd(['doctor', '-f', '/nonexistent.conf', '--listen', '0', '--dmi-root', '/nonexistent-dmi', '--control-socket', join(dir, 'absent.sock')]);
    expect(d.code).toBe(1);
    expect(d.stdout).toMatch(/^havipd doctor .*: \/nonexistent\.conf\n/);
    expect(d.stdout).toMatch(/\nfail +config +\/nonexistent\.conf: havipd -t: 1 error, exit 4; first: .*does not exist/);
    expect(d.stderr).not.toMatch(/Starting havipd/);
    expect(havipd(['doctor', '--listen', 'soon']).code).toBe(2);
  });

  it('a daemon that is not running: one line, exit 3, for every command', () => {
    const sock = join(dir, 'absent.sock');
    for (const args of [['status'], ['status', '--json'], ['reload'], ['garp'], ['events'], ['switchover', 'VI_1'], ['maintenance', 'on']]) {
      const r = havipd([...args, '--control-socket', sock]);
      expect(r.code, args.join(' ')).toBe(3);
      expect(r.stderr).toBe(`havipd: havipd is not running (no control socket at ${sock})\n`);
      expect(r.stdout).toBe('');
      expect(r.stderr).not.toMatch(STACK);
    }
  });

  it('a daemon that does not answer within a second: one line, exit 3', async () => {
    const sock = join(dir, 'mute.sock');
    const mute = createServer(() => undefined);
    await new Promise<void>((r) => mute.listen(sock, () => r()));
    try {
      const r = await havipdAsync(['status', '--control-socket', sock]);
      expect(r.code).toBe(3);
      expect(r.stderr).toBe(`havipd: havipd did not answer within 1 s on ${sock}\n`);
    } finally {
      mute.close();
    }
  });

  it('usage errors of a subcommand are exit 2 without a stack', () => {
    const r = havipd(['maintenance', 'maybe', '--control-socket', join(dir, 'x.sock')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("havipd: maintenance takes 'on' or 'off', not 'maybe'\n");
    const e = havipd(['status', 'a', 'b']);
    expect(e.code).toBe(2);
    expect(e.stderr).not.toMatch(STACK);
  });

  it('switchover --group NAME sends the group in the request', async () => {
    const sock = join(dir, 'group.sock');
    const seen: unknown[] = [];
    const srv = createServer((s) => {
      s.on('data', (d) => {
        seen.push(JSON.parse(String(d).split('\n')[0]!));
        s.end(`${JSON.stringify({ id: (seen[0] as { id: unknown }).id, ok: true, result: { instances: [{ instance: 'VI_1', action: 'takeover', note: 'taking over with priority 151 (sync group SG1)', outcome: 'MASTER with priority 151', elapsedMs: 3 }] } })}\n`);
      });
    });
    await new Promise<void>((r) => srv.listen(sock, () => r()));
    try {
      const r = await havipdAsync(['switchover', '--group', 'SG1', '--control-socket', sock]);
      expect(r.code, r.stderr).toBe(0);
      expect(seen[0]).toMatchObject({ cmd: 'switchover', group: 'SG1' });
      expect(r.stdout).toContain('VI_1');
    } finally {
      srv.close();
    }
  });

  it('a refusal from the daemon is exit 1 with its message', async () => {
    const sock = join(dir, 'refuse.sock');
    const srv = createServer((s) => {
      s.on('data', () => s.end(`${JSON.stringify({ ok: false, error: { code: 'not-permitted', message: "'switchover' changes the daemon: only root or the daemon's user may ask (you are uid 65534)" } })}\n`));
    });
    await new Promise<void>((r) => srv.listen(sock, () => r()));
    try {
      const r = await havipdAsync(['switchover', '--control-socket', sock]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe("havipd: 'switchover' changes the daemon: only root or the daemon's user may ask (you are uid 65534) [not-permitted]\n");
    } finally {
      srv.close();
    }
  });
});
