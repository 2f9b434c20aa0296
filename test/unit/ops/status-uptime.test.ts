// `havipd status` uptime is a duration: it counts on the monotonic clock, so a wall-clock step (`date -s`,
// an NTP step) neither adds an hour nor clamps it to 0; `startedAt` stays the wall-clock time at start.
import { describe, expect, it } from 'vitest';
import { OpsRecorder } from '../../../src/ops/recorder.js';
import { buildStatus, type StatusInputs } from '../../../src/ops/status.js';
import { VrrpCore } from '../../../src/vrrp/core.js';
import { daemonConfig, instanceConfig, vip } from '../../support/config.js';

function inputs(clock: { mono: number; epoch: number }, startedMonoMs: number | undefined, startedAtMs: number): StatusInputs {
  const rec = new OpsRecorder({ epochMs: () => clock.epoch, monoMs: () => clock.mono });
  const config = daemonConfig({ instances: [instanceConfig({ priority: 150, vips: [vip('10.0.0.100', { prefix: 24 })] })] });
  return {
    snapshot: new VrrpCore(config).snapshot(),
    config,
    recorder: rec,
    link: () => undefined,
    linksAvailable: false,
    meta: { version: '9.9.9', pid: 42, configFile: 'k.conf', startedAtMs, ...(startedMonoMs !== undefined ? { startedMonoMs } : {}), transport: 'raw', lagMs: { mean: 0, p99: 0, max: 0 } },
  };
}

describe('status uptime across a wall-clock step', () => {
  const start = { mono: 5_000, epoch: Date.parse('2026-12-02T10:00:00Z') };
  it.each([
    ['forward', +3_600_000],
    ['backward', -3_600_000],
  ])('havipd: the clock stepped %s by an hour 90 s after start: uptime 90 s, startedAt unchanged', (_dir, stepMs) => {
    const clock = { mono: start.mono + 90_000, epoch: start.epoch + 90_000 + stepMs };
    const st = buildStatus(inputs(clock, start.mono, start.epoch))!;
    expect(st.daemon.uptimeSeconds).toBe(90);
    expect(st.daemon.startedAt).toBe('2026-12-02T10:00:00.000Z');
  });
  it('without a monotonic start (older callers) the wall clock is used', () => {
    const clock = { mono: start.mono + 90_000, epoch: start.epoch + 90_000 + 3_600_000 };
    expect(buildStatus(inputs(clock, undefined, start.epoch))!.daemon.uptimeSeconds).toBe(3_690);
  });
});
