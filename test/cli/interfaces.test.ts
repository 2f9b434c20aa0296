// listHostInterfaces: the host's interface names for keepalived's interface check (used by `havipd -t`).

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listHostInterfaces } from '../../src/edges/interfaces.js';

describe('listHostInterfaces', () => {
  const dir = mkdtempSync(join(tmpdir(), 'havipd-net-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the entries of the sysfs directory, sorted', () => {
    for (const n of ['eth1', 'eth0.1', 'lo', 'eth0']) mkdirSync(join(dir, n));
    expect(listHostInterfaces(dir)).toEqual(['eth0', 'eth0.1', 'eth1', 'lo']);
  });

  it('returns [] when the directory cannot be read', () => {
    expect(listHostInterfaces(join(dir, 'absent'))).toEqual([]);
  });

  it('reads /sys/class/net by default and finds lo', () => {
    expect(listHostInterfaces()).toContain('lo');
  });
});
