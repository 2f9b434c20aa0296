// Announce and verify through the Supervisor (issue 11 §3) with fake edges and a fake command spawner: the
// verify command runs after becoming MASTER with the HAVIPD_* environment, each failure re-sends the GARP
// burst through the core, confirmed shows in the snapshot, `havipd status`, `havipd_vip_confirmed` and the
// event ring; leaving MASTER kills the running command; the deadline runs the move command.
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DaemonConfig } from '../../../src/config-parser/types.js';
import { parseSettings } from '../../../src/config-parser/settings.js';
import type { FrameSender } from '../../../src/edges/frames.js';
import { createLogger } from '../../../src/log.js';
import { Supervisor } from '../../../src/runtime/supervisor.js';
import type { OpenTransport, Transport } from '../../../src/edges/transport/types.js';
import type { ProcessHandle, ProcessResult, ProcessSpec, Spawner } from '../../../src/scripts/process.js';
import { OpsRecorder } from '../../../src/ops/recorder.js';
import { buildStatus, renderStatus, type StatusInputs } from '../../../src/ops/status.js';
import { MetricsServer } from '../../../src/ops/metrics.js';
import { micros } from '../../../src/net/units.js';
import { daemonConfig, instanceConfig } from '../../support/config.js';
import { FakeAddressEdge } from '../../support/fake-addresses.js';
import { FakeClock } from '../../support/fake-clock.js';
import { FakeLinkEdge } from '../../support/fake-links.js';
import { Writable } from 'node:stream';

/** A spawner whose commands end as scripted: each call takes the next outcome (after `afterMs` of fake time). */
class FakeSpawner {
  readonly specs: ProcessSpec[] = [];
  readonly killed: number[] = [];
  outcomes: Array<{ code: number; afterMs: number } | 'hang'> = [];
  readonly spawn: Spawner = (spec) => {
    const n = this.specs.push(spec) - 1;
    const o = this.outcomes.shift() ?? { code: 0, afterMs: 0 };
    let resolve!: (r: ProcessResult) => void;
    const done = new Promise<ProcessResult>((r) => (resolve = r));
    if (o !== 'hang') setTimeout(() => resolve({ outcome: { kind: 'exited', code: o.code }, output: '', outputBytes: 0, pid: 1000 + n }), o.afterMs);
    else if (spec.timeoutMs !== undefined) setTimeout(() => resolve({ outcome: { kind: 'timedOut', signal: 'SIGTERM', signo: 15 }, output: '', outputBytes: 0, pid: 1000 + n }), spec.timeoutMs);
    const h: ProcessHandle = { pid: 1000 + n, done, terminate: () => undefined, kill: () => void this.killed.push(n) };
    return h;
  };
}

function world(config: DaemonConfig, settingsText: string) {
  const clock = new FakeClock(micros(1_000_000));
  const ops: string[] = [];
  const links = new FakeLinkEdge(['eth0']);
  links.addAddress('eth0', '10.0.0.1', 24);
  const addresses = new FakeAddressEdge(['eth0']);
  const openTransport: OpenTransport = async (opts) => {
    const t: Transport = { kind: 'raw', ifname: opts.ifname, family: opts.family, send: async () => void ops.push('advert'), join: async () => undefined, leave: async () => undefined, drainPending: async () => undefined, close: async () => undefined };
    return t;
  };
  const frames: FrameSender = { sendGarp: async (_i, ip) => void ops.push(`garp:${ip}`), sendNa: async () => undefined, sendArpProbe: async () => undefined, forget: () => undefined, close: async () => undefined };
  const rec = new OpsRecorder({ epochMs: () => Date.parse('2026-12-02T10:00:00Z') + clock.now() / 1000, monoMs: () => clock.now() / 1000 });
  const spawner = new FakeSpawner();
  const settings = parseSettings(settingsText, '/etc/havipd/havipd.toml');
  expect(settings.diagnostics).toEqual([]);
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const daemon = new Supervisor(
    config,
    { openTransport, transportKind: 'raw', addresses, links, frames, clock: { now: () => clock.now(), epochMicros: () => 0 }, logger: createLogger({ format: 'json', detail: false, destination: sink }) },
    { detail: false, observer: rec, settings: settings.settings!, verifySpawn: spawner.spawn },
  );
  const status = () => {
    const inputs: StatusInputs = {
      snapshot: daemon.snapshot(),
      config: daemon.currentConfig,
      recorder: rec,
      link: (n) => links.get(n),
      linksAvailable: true,
      meta: { version: '0', pid: 1, configFile: 'k.conf', startedAtMs: 0, transport: 'raw', lagMs: { mean: 0, p99: 0, max: 0 } },
    };
    return buildStatus(inputs)!;
  };
  return { clock, ops, links, daemon, spawner, rec, status };
}
type W = ReturnType<typeof world>;

async function run(w: W, ms: number): Promise<void> {
  for (let k = 0; k < ms; k += 10) {
    w.clock.advanceBy(micros(10_000));
    await vi.advanceTimersByTimeAsync(10);
  }
  await w.daemon.idle();
}
/** Runs in 10 ms steps until VI_1 is MASTER (at most 5 s). */
async function untilMaster(w: W): Promise<void> {
  for (let k = 0; k < 500 && w.daemon.snapshot().instances[0]!.state !== 'MASTER'; k++) await run(w, 10);
  expect(w.daemon.snapshot().instances[0]!.state).toBe('MASTER');
}
const garps = (w: W): number => w.ops.filter((o) => o.startsWith('garp:')).length;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const TOML = `
[instance.VI_1]
verify = ["/usr/local/bin/verify", "--quick"]
move = "/usr/local/bin/move"
interval = 1
deadline = 10
timeout = 2
`;

describe('announce and verify through the Supervisor', () => {
  it('fails twice then succeeds: env, one GARP burst per failure, confirmed in status, metrics and events', async () => {
    // garp_master_delay 0: no delayed second burst muddles the count.
    const w = world(daemonConfig({ instances: [instanceConfig({ priority: 150, garp: { masterDelay: micros(0) } })] }), TOML);
    w.spawner.outcomes = [{ code: 1, afterMs: 300 }, { code: 1, afterMs: 300 }, { code: 0, afterMs: 300 }];
    await w.daemon.start();
    await untilMaster(w);
    const first = garps(w);
    expect(first).toBe(5); // garp_master_repeat 5 on becoming MASTER
    expect(w.spawner.specs).toHaveLength(1);
    const spec = w.spawner.specs[0]!;
    expect(spec.argv).toEqual(['/usr/local/bin/verify', '--quick']);
    expect(spec.timeoutMs).toBe(2000);
    expect(spec.env).toMatchObject({ HAVIPD_INSTANCE: 'VI_1', HAVIPD_VIP: '10.0.0.100', HAVIPD_INTERFACE: 'eth0', HAVIPD_MAC: w.links.get('eth0')!.mac, HAVIPD_ATTEMPT: '1' });
    expect(w.status().instances[0]!.verify).toMatchObject({ status: 'verifying', confirmed: false, attempts: 1 });
    await run(w, 400); // attempt 1 fails at 0.3 s: one burst
    expect(garps(w)).toBe(first + 5);
    expect(w.spawner.specs).toHaveLength(1);
    await run(w, 1_200); // attempt 2 started 1 s later (1.3 s), fails at 1.6 s: another burst
    expect(w.spawner.specs).toHaveLength(2);
    expect(w.spawner.specs[1]!.env).toMatchObject({ HAVIPD_ATTEMPT: '2' });
    expect(garps(w)).toBe(first + 10);
    await run(w, 1_500); // attempt 3 at 2.6 s succeeds at 2.9 s: no burst
    expect(w.spawner.specs).toHaveLength(3);
    expect(garps(w)).toBe(first + 10);
    const st = w.status().instances[0]!;
    expect(st.verify).toMatchObject({ status: 'confirmed', confirmed: true, attempts: 3, move: 'none', lastResult: 'exit 0' });
    expect(st.verify!.decidedAt).toMatch(/^2026-12-02T/);
    expect(renderStatus(w.status(), Date.parse('2026-12-02T10:00:10Z')).split('\n')).toContain('  verify: confirmed after 3 attempt(s) (last exit 0)');
    const m = new MetricsServer({ status: () => w.status(), transitions: () => [], reloads: () => w.rec.reloads, garpDelay: () => 0, control: () => ({ requests: {}, errors: {}, rejected: 0, slowDropped: 0, idleClosed: 0 }) }, pino({ level: 'silent' }));
    expect(await m.registry.metrics()).toMatch(/^havipd_vip_confirmed\{instance="VI_1",vip="10.0.0.100"\} 1$/m);
    const ev = w.rec.events.list().filter((e) => e.kind === 'verify').map((e) => e.fields?.event);
    expect(ev).toEqual(['failed', 'regarp', 'failed', 'regarp', 'confirmed']);
    expect(w.spawner.killed).toEqual([]);
    await w.daemon.stop();
  });

  it('a hanging command is ended at its timeout; adverts keep their period meanwhile; the deadline runs the move', async () => {
    const w = world(daemonConfig({ instances: [instanceConfig({ priority: 150, garp: { masterDelay: micros(0) } })] }), TOML);
    w.spawner.outcomes = ['hang', 'hang', 'hang', 'hang', { code: 0, afterMs: 50 }, { code: 0, afterMs: 50 }];
    await w.daemon.start();
    await untilMaster(w);
    w.ops.length = 0;
    await run(w, 10_000);
    // 10 s of MASTER: 10 adverts whatever the commands do.
    expect(w.ops.filter((o) => o === 'advert').length).toBe(10);
    // Attempts every 3 s (2 s timeout + 1 s interval): at 0, 3, 6, 9 s; the 4th ends at 11 s, past the deadline.
    await run(w, 1_200);
    const st = w.status().instances[0]!.verify!;
    expect(st.status).toBe('unconfirmed');
    expect(st.attempts).toBe(4);
    expect(w.spawner.specs.map((s) => s.argv[0])).toEqual(['/usr/local/bin/verify', '/usr/local/bin/verify', '/usr/local/bin/verify', '/usr/local/bin/verify', '/usr/local/bin/move']);
    expect(w.spawner.specs[4]!.env).toMatchObject({ HAVIPD_INSTANCE: 'VI_1', HAVIPD_VIP: '10.0.0.100', HAVIPD_ATTEMPT: '4' });
    await run(w, 1_200); // move ok, one more verify attempt 1 s later: confirmed
    expect(w.status().instances[0]!.verify).toMatchObject({ status: 'confirmed', move: 'ok', attempts: 5 });
    expect(w.rec.events.list().filter((e) => e.kind === 'verify').map((e) => e.fields?.event)).toContain('unconfirmed');
    await w.daemon.stop();
  });

  it('leaving MASTER kills the running verify command; the gauge goes to 0', async () => {
    const w = world(daemonConfig({ instances: [instanceConfig({ priority: 150, garp: { masterDelay: micros(0) } })] }), TOML);
    w.spawner.outcomes = ['hang'];
    await w.daemon.start();
    await untilMaster(w);
    expect(w.spawner.specs).toHaveLength(1);
    w.daemon.submit({ kind: 'command', command: { type: 'maintenance', instance: 'VI_1', on: true } });
    await run(w, 100);
    expect(w.daemon.snapshot().instances[0]!.state).not.toBe('MASTER');
    expect(w.spawner.killed).toEqual([0]);
    expect(w.status().instances[0]!.verify).toMatchObject({ status: 'off', confirmed: false });
    await w.daemon.stop();
  });

  it('an instance without a verify command has verify null in status and no gauge', async () => {
    const w = world(daemonConfig({ instances: [instanceConfig({ priority: 150 })] }), '');
    await w.daemon.start();
    await run(w, 3_600);
    expect(w.status().instances[0]!.verify).toBeNull();
    expect(w.spawner.specs).toEqual([]);
    await w.daemon.stop();
  });

  it('a reload with new settings applies them; without (failed reload) the old ones stay', async () => {
    const w = world(daemonConfig({ instances: [instanceConfig({ priority: 150 })] }), TOML);
    w.spawner.outcomes = ['hang'];
    await w.daemon.start();
    const cfg = w.daemon.currentConfig;
    const next = parseSettings('[instance.VI_1]\nverify = "/bin/other"\n', 'x.toml').settings!;
    expect((await w.daemon.reload(cfg, next)).ok).toBe(true);
    expect(w.daemon.currentSettings.instances.VI_1!.verify.verify).toEqual(['/bin/other']);
    await w.daemon.stop();
  });
});
