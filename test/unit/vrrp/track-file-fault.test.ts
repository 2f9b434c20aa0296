// A weighted track_file whose status (value × weight) reaches −254 (keepalived 2.2.7 `track_file.c`
// `process_update_vrrp_track_file_status()`, reference §3.9). Figures from keepalived 2.2.7 run with -D in
// a namespace: base 150, `tf weight 10`, value −4 → 110; value −30 → "(VI_1): tracked file tf now FAULT
// state", FIFO `INSTANCE "VI_1" FAULT 110`; value 1 → "leaving FAULT state", "Setting effective priority
// to 160", `BACKUP 160` and no BACKUP_PRIORITY line; value −2 → "Changing effective priority from 160 to 130".
import { describe, expect, it } from 'vitest';
import { instanceConfig, track } from '../../support/config.js';
import { Harness, summarize } from '../../support/sim.js';

const MDI150 = 3_000_000 + Math.trunc(((256 - 150) * 1_000_000) / 256);

function started(detail = true): Harness {
  const h = new Harness([instanceConfig({ priority: 150, notifyPriorityChanges: true, trackFiles: [track('tf', 10)] })], { detail });
  h.step(0, { kind: 'file', name: 'tf', value: -4 });
  h.start(0);
  expect(h.snap().effectivePriority).toBe(110);
  return h;
}

describe('track_file at status −254 (weighted)', () => {
  it('keepalived-compat: a weighted track_file at −254 keeps the effective priority and notifies FAULT with it', () => {
    const h = started();
    h.runUntil(MDI150 + 1_000_000);
    expect(h.state()).toBe('MASTER');
    const out = h.step(MDI150 + 1_000_001, { kind: 'file', name: 'tf', value: -30 });
    const lines = summarize(out);
    expect(lines).toContain('log:(VI_1): tracked file tf now FAULT state');
    expect(lines.filter((l) => l.includes('Changing effective priority'))).toEqual([]);
    expect(out.filter((e) => e.kind === 'priorityChange')).toEqual([]);
    expect(out.find((e) => e.kind === 'transition')).toMatchObject({ from: 'MASTER', to: 'FAULT', priority: 110 });
    expect(h.snap().effectivePriority).toBe(110);
    // The file's adjustment is out of the total: 150.
    expect(h.snap().totalPriority).toBe(150);
  });

  it('keepalived-compat: leaving a weighted track_file FAULT sets the priority without a notification', () => {
    const h = started();
    h.step(1_000, { kind: 'file', name: 'tf', value: -30 });
    expect(h.state()).toBe('FAULT');
    const out = h.step(2_000, { kind: 'file', name: 'tf', value: 1 });
    const lines = summarize(out);
    const i = lines.indexOf('log:(VI_1): tracked file tf leaving FAULT state');
    expect(i).toBeGreaterThanOrEqual(0);
    expect(lines[i + 1]).toBe('log:(VI_1) Setting effective priority to 160');
    expect(lines.filter((l) => l.includes('Changing effective priority'))).toEqual([]);
    expect(out.filter((e) => e.kind === 'priorityChange')).toEqual([]);
    expect(out.find((e) => e.kind === 'transition')).toMatchObject({ from: 'FAULT', to: 'BACKUP', priority: 160 });
    // A later change is an ordinary one again, from the priority set on leaving FAULT.
    const next = h.step(3_000, { kind: 'file', name: 'tf', value: -2 });
    expect(summarize(next)).toContain('log:(VI_1) Changing effective priority from 160 to 130');
    expect(next.find((e) => e.kind === 'priorityChange')).toMatchObject({ from: 160, to: 130, notify: true });
  });

  it('leaving with value 0 restores the priority from the total silently (no "Setting" line: status 0)', () => {
    const h = started();
    h.step(1_000, { kind: 'file', name: 'tf', value: -30 });
    const out = h.step(2_000, { kind: 'file', name: 'tf', value: 0 });
    const lines = summarize(out);
    expect(lines).toContain('log:(VI_1): tracked file tf leaving FAULT state');
    expect(lines.filter((l) => l.includes('effective priority'))).toEqual([]);
    expect(h.snap().effectivePriority).toBe(150);
    expect(out.find((e) => e.kind === 'transition')).toMatchObject({ to: 'BACKUP', priority: 150 });
  });

  it('without -D the "now FAULT" / "leaving FAULT" / "Setting" lines are not logged; the priorities are the same', () => {
    const h = started(false);
    const a = summarize(h.step(1_000, { kind: 'file', name: 'tf', value: -30 }));
    const b = summarize(h.step(2_000, { kind: 'file', name: 'tf', value: 1 }));
    expect([...a, ...b].filter((l) => l.includes('tracked file') || l.includes('Setting effective'))).toEqual([]);
    expect(h.snap().effectivePriority).toBe(160);
  });
});
