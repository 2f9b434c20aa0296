// The real notify spawner and Notifier with real processes: execve for `#!` files, /bin/sh -c with
// keepalived's quoting otherwise, HAVIPD_* environment, in-order runs, timeout kill of the process group.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Notifier, createSpawner } from '../../../src/notification/notify.js';
import { isDirectlyExecutable } from '../../../src/scripts/process.js';
import type { Effect } from '../../../src/vrrp/effects.js';
import { daemonConfig, instanceConfig } from '../../support/config.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'havipd-notify-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function script(name: string, body: string, shebang = true): string {
  const p = join(dir, name);
  writeFileSync(p, `${shebang ? '#!/bin/sh\n' : ''}${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

describe('real spawner', () => {
  it('#! files are exec-ed with argv as given; HAVIPD_* variables are set', async () => {
    const out = join(dir, 'out');
    const p = script('rec.sh', `echo "$0|$*|$HAVIPD_INSTANCE|$HAVIPD_STATE" >> ${out}`);
    expect(isDirectlyExecutable(p)).toBe(true);
    const h = createSpawner(undefined)({ argv: [p, 'A', 'x y'], env: { HAVIPD_INSTANCE: 'VI_1', HAVIPD_STATE: 'MASTER' } });
    expect(await h.exited).toEqual({ code: 0, signal: null });
    expect(readFileSync(out, 'utf8')).toBe(`${p}|A x y|VI_1|MASTER\n`);
  });

  it('files without #! run through /bin/sh -c with their words quoted (keepalived system())', async () => {
    const out = join(dir, 'out2');
    const p = script('noshebang.sh', `echo "$1|$2" >> ${out}`, false);
    expect(isDirectlyExecutable(p)).toBe(false);
    const h = createSpawner(undefined)({ argv: [p, 'a b', 'c'], env: {} });
    expect((await h.exited).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('a b|c\n');
  });

  it('a missing program resolves with an error instead of throwing', async () => {
    const h = createSpawner(undefined)({ argv: ['no-such-havipd-program'], env: {} });
    expect((await h.exited).error).toMatch(/ENOENT/);
  });
});

describe('Notifier with real scripts', () => {
  it('runs one instance\'s scripts strictly in order even when the first is slower, and kills a hung one with its children', async () => {
    const out = join(dir, 'seq');
    const slow = script('slow.sh', `sleep 0.3; echo "slow $*" >> ${out}`);
    const fast = script('fast.sh', `echo "fast $*" >> ${out}`);
    const pidFile = join(dir, 'child.pid');
    const hang = script('hang.sh', `sleep 30 & echo $! > ${pidFile}; wait`);
    const config = daemonConfig({
      instances: [
        instanceConfig({ name: 'VI_1', notify: { master: { raw: slow, argv: [slow] }, generic: { raw: fast, argv: [fast] } } }),
        instanceConfig({ name: 'VI_2', vrid: 52, notify: { master: { raw: hang, argv: [hang] } } }),
      ],
    });
    const n = new Notifier(config, { log: silent, scriptTimeoutMs: 500, killGraceMs: 200 });
    const tr = (instance: string): Effect => ({ kind: 'transition', instance, vrid: 1, from: 'BACKUP', to: 'MASTER', reason: 'preempted', priority: 100, group: undefined, notify: true });
    n.handle(tr('VI_1'));
    n.handle(tr('VI_2'));
    await n.idle();
    expect(readFileSync(out, 'utf8')).toBe('slow \nfast INSTANCE VI_1 MASTER 100\n');
    // The hung script's background child was in its process group: killed too.
    const childPid = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 100));
    let state = 'gone';
    try {
      state = readFileSync(`/proc/${childPid}/stat`, 'utf8').split(') ')[1]!.split(' ')[0]!;
    } catch {
      /* reaped */
    }
    expect(['gone', 'Z']).toContain(state); // dead (a zombie until its new parent reaps it)
    await n.close();
    expect(existsSync(out)).toBe(true);
  });
});
