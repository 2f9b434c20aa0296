// `havipd --config FILE`: the daemon's start-up, signals and shutdown (reference §4.1–§4.3). Refusals at
// start-up are one clear line and a keepalived exit code: 2 configuration, 4 privileges, 6 config file
// missing, 1 anything else fatal.

import { createWriteStream, writeFileSync, rmSync, type WriteStream } from 'node:fs';
import type { DaemonConfig, Diagnostic } from '../config-parser/types.js';
import { parseConfig } from '../config-parser/parse.js';
import { formatDiagnostic } from '../config-parser/index.js';
import { createConfigHost } from '../runtime/config-host.js';
import { listHostInterfaces } from '../runtime/interfaces.js';
import { createLogger, vrrpLogFileName, type LogFormat, type Logger } from '../log.js';
import { HavipdError } from '../errors.js';
import { Daemon, type DaemonEdges } from '../runtime/daemon.js';
import { Notifier } from '../runtime/notify.js';
import { SmtpAlerter } from '../runtime/alerts.js';
import { systemClock } from '../runtime/clock.js';
import { netCapabilities } from '../runtime/capabilities.js';
import { dumpPath, formatData, formatJson, formatStats, writeDump, type DumpKind } from '../runtime/dumps.js';
import { prepareTrackers, withSecureNotifyScripts } from '../runtime/trackers.js';
import { planReload } from '../runtime/reload-plan.js';
import { OpsPlane, type OpsSource, type ReloadChanges, type ReloadOutcome } from '../runtime/ops/plane.js';
import { checkConfig, renderCheck } from './config-test.js';
import type { Input } from '../vrrp/effects.js';
import type { NativeAddon } from '../native/index.js';

export const EXIT_OK = 0;
export const EXIT_FATAL = 1;
export const EXIT_CONFIG = 2;
export const EXIT_NO_PERMISSION = 4;
export const EXIT_CONFIG_FILE = 6;

export interface RunOptions {
  readonly file: string;
  readonly configId: string;
  readonly allConfig: boolean;
  readonly transport: 'raw' | 'udp';
  readonly udpPort: number;
  readonly logFormat: LogFormat;
  readonly detail: boolean;
  readonly pidFile: string | undefined;
  readonly vrrpPidFile: string | undefined;
  /** `-g`: log file as given; lines go to its `_vrrp` name, as keepalived's VRRP child writes them. */
  readonly logFile?: string | undefined;
  /** The operations plane (issue 10); absent = none of it (tests that drive runDaemon directly). */
  readonly ops?: RunOpsOptions | undefined;
}

export interface RunOpsOptions {
  readonly version: string;
  /** `--control-socket PATH`; null = `--no-control-socket`. */
  readonly controlSocket: string | null;
  /** `--control-group`: the socket's group (gid). */
  readonly controlGroup: number | undefined;
  /** `--metrics-listen HOST:PORT`. */
  readonly metricsListen: { host: string; port: number } | undefined;
  /** `--state-dir`: where maintenance is kept. */
  readonly stateDir: string;
}

/** Diagnostics that stop keepalived's VRRP process at start-up (it exits with status 2). */
export function refusesToStart(d: Diagnostic): boolean {
  return d.kaClass === 'MISSING_PARAMETER' || d.kaClass === 'FATAL' || d.kaClass === 'BAD_IF';
}

interface Loaded {
  readonly config: DaemonConfig | undefined;
  readonly diagnostics: readonly Diagnostic[];
  readonly missingFile: boolean;
}

function load(opts: RunOptions): Loaded {
  const host = createConfigHost();
  const res = parseConfig(opts.file, host, {
    configId: opts.configId,
    allConfig: opts.allConfig,
    hostInterfaces: listHostInterfaces(),
  });
  const missingFile = res.diagnostics.some((d) => d.code === 'config-file-missing' || d.code === 'config-file-not-regular');
  return { config: res.config, diagnostics: res.diagnostics, missingFile };
}

function logDiagnostics(log: Logger, diags: readonly Diagnostic[]): void {
  for (const d of diags) {
    const level = d.severity === 'error' ? 'error' : d.severity === 'warning' ? 'warn' : 'info';
    log[level]({ event: 'config.diagnostic', code: d.code, file: d.pos?.file, line: d.pos?.line }, formatDiagnostic(d));
  }
}

async function buildEdges(opts: RunOptions, log: Logger): Promise<DaemonEdges> {
  const caps = netCapabilities();
  const { createRouteEdge } = await import('../runtime/routes.js');
  const { createLinkEdge } = await import('../runtime/links.js');
  let links;
  try {
    links = await createLinkEdge();
  } catch (err) {
    log.warn({ event: 'links.unavailable', err }, `link state cannot be watched (${String(err)}): interfaces count as up`);
  }
  if (opts.transport === 'raw') {
    const { openRawTransport } = await import('../runtime/transport/raw.js');
    const { createAddressEdge } = await import('../runtime/addresses.js');
    const { createFrameSender } = await import('../garp/sender.js');
    const { loadNative } = await import('../native/index.js');
    const native = loadNative();
    return {
      openTransport: openRawTransport,
      transportKind: 'raw',
      // if_nametoindex through the addon: one netlink round trip less per VIP change on a takeover.
      addresses: createAddressEdge({ ifIndex: (name) => native.ifIndex(name) }),
      routes: createRouteEdge(),
      links,
      frames: createFrameSender(),
      clock: systemClock,
      logger: log,
    };
  }
  const { udpTransportOpener } = await import('../runtime/transport/udp.js');
  let addresses;
  if (caps.netAdmin) {
    const { createAddressEdge } = await import('../runtime/addresses.js');
    addresses = createAddressEdge();
  }
  let frames;
  if (caps.netRaw) {
    try {
      const { createFrameSender } = await import('../garp/sender.js');
      frames = createFrameSender();
    } catch {
      frames = undefined;
    }
  }
  return {
    openTransport: udpTransportOpener({ port: opts.udpPort }),
    transportKind: 'udp',
    addresses,
    routes: addresses ? createRouteEdge() : undefined,
    links,
    frames,
    clock: systemClock,
    logger: log,
  };
}

/**
 * Runs the daemon until SIGTERM/SIGINT. Resolves with the exit code (the process is kept alive by the
 * daemon's sockets and timer meanwhile).
 */
export async function runDaemon(opts: RunOptions, io: { stderr: (s: string) => void }): Promise<number> {
  let file: WriteStream | undefined;
  if (opts.logFile) {
    const path = vrrpLogFileName(opts.logFile);
    file = createWriteStream(path, { flags: 'a', mode: 0o640 });
    // An unwritable log file is reported once and ignored: logging never takes the daemon down.
    file.on('error', (err) => io.stderr(`havipd: cannot write the log file '${path}': ${err.message}\n`));
  }
  const log = createLogger({ format: opts.logFormat, detail: opts.detail, ...(file ? { file } : {}) });
  const loaded = load(opts);
  if (loaded.missingFile) {
    io.stderr(`havipd: configuration file '${opts.file}' not found or not a regular file\n`);
    return EXIT_CONFIG_FILE;
  }
  logDiagnostics(log, loaded.diagnostics);
  const refusal = loaded.diagnostics.find(refusesToStart);
  if (!loaded.config || refusal) {
    io.stderr(`havipd: configuration error, not starting: ${refusal ? formatDiagnostic(refusal) : 'the configuration could not be read'}\n`);
    return EXIT_CONFIG;
  }
  if (opts.transport === 'raw') {
    const caps = netCapabilities();
    if (!caps.netRaw || !caps.netAdmin) {
      const missing = [!caps.netRaw && 'CAP_NET_RAW', !caps.netAdmin && 'CAP_NET_ADMIN'].filter(Boolean).join(' and ');
      io.stderr(`havipd: missing ${missing}: raw VRRP sockets and VIP changes need them (run as root, grant them, or use --transport udp for tests)\n`);
      return EXIT_NO_PERMISSION;
    }
  }

  let edges: DaemonEdges;
  try {
    edges = await buildEdges(opts, log);
  } catch (err) {
    const msg = err instanceof HavipdError ? `${err.message} [${err.code}]` : String(err);
    io.stderr(`havipd: cannot start: ${msg}\n`);
    return EXIT_FATAL;
  }

  log.info({ event: 'daemon.start', version: process.env.npm_package_version, transport: opts.transport }, `Starting havipd (keepalived-compatible VRRP), transport ${opts.transport}`);
  for (const f of [opts.pidFile, opts.vrrpPidFile]) if (f) writeFileSync(f, `${process.pid}\n`);

  // Track scripts and files are checked before the instances start (disabled ones leave the config), their
  // known values fed first, then run / watched once the daemon is up. Notify scripts keepalived would not
  // run (insecure, missing, not executable) leave the config too.
  let trackers = prepareTrackers(loaded.config, log);
  let config = withSecureNotifyScripts(trackers.config, log);
  // Notify FIFOs are opened and their scripts started before the instances start (keepalived start_vrrp()).
  const notifier = new Notifier(config, { log });
  notifier.start();
  // SMTP alerts (inert without smtp_server and notification_email), after the notify scripts and FIFO.
  const alerts = new SmtpAlerter(config, { log, detail: opts.detail });
  // The operations plane reads the daemon through a narrow source (snapshot, config, links, submit).
  // eslint-disable-next-line prefer-const -- assigned once below; the source's closures need it declared first
  let daemon: Daemon;
  let reloadChecked: () => Promise<ReloadOutcome> = () => Promise.resolve({ result: 'failed', message: 'not started' });
  const source: OpsSource = {
    snapshot: () => daemon.snapshot(),
    config: () => config,
    submit: (input) => daemon.feed(input),
    settled: () => daemon.idle(),
    link: (n) => edges.links?.get(n),
    linksAvailable: edges.links !== undefined,
    reload: () => reloadChecked(),
  };
  const plane = opts.ops ? await openPlane(source, opts, log) : undefined;
  const feedTracker = (input: Input): void => {
    plane?.onInput(input);
    daemon.feed(input);
  };
  daemon = new Daemon(config, edges, {
    detail: opts.detail,
    onEffect: (e) => {
      notifier.handle(e);
      alerts.handle(e);
      plane?.onEffect(e);
    },
    ...(plane ? { onPacket: plane.onPacket } : {}),
  });
  for (const input of trackers.initialInputs()) feedTracker(input);
  for (const input of plane?.initialInputs() ?? []) daemon.feed(input);
  await daemon.start();
  trackers.start(feedTracker);
  await plane?.start();
  log.info({ event: 'daemon.ready' }, 'Startup complete');

  return await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.info({ event: 'daemon.stop', signal }, 'Stopping');
      plane?.sd.stopping();
      // Priority-0 adverts and VIP removal must not hang the exit: give them a second.
      const force = setTimeout(() => finish(EXIT_OK), 1000);
      void Promise.all([daemon.stop(), trackers.stop()]).finally(() => {
        clearTimeout(force);
        finish(EXIT_OK);
      });
    };
    const finish = (code: number): void => {
      for (const s of signals) process.off(s.name, s.fn);
      edges.links?.close();
      edges.addresses?.close();
      void edges.frames?.close();
      for (const f of [opts.pidFile, opts.vrrpPidFile]) if (f) rmSync(f, { force: true });
      // STOP notifications get at most 1 s, then their process groups are killed; FIFO scripts get SIGTERM.
      void Promise.all([notifier.close(), alerts.close(), plane?.stop()]).finally(() => {
        log.info({ event: 'daemon.stopped' }, 'Stopped havipd');
        if (file) file.end(() => resolve(code));
        else resolve(code);
      });
    };
    const dump = (kind: DumpKind): void => {
      try {
        const input = daemon.dumpInput();
        const path = dumpPath(kind, process.env, config);
        writeDump(path, kind === 'data' ? formatData(input) : kind === 'stats' ? formatStats(input) : formatJson(input));
        log.info({ event: 'dump.written', kind, path }, `Printing VRRP ${kind === 'json' ? 'as json' : kind} on signal to ${path}`);
      } catch (err) {
        log.error({ event: 'dump.error', kind, err }, `cannot write the ${kind} dump: ${String(err)}`);
      }
    };
    // One reload at a time (SIGHUP and `havipd reload` may race); `check` = the `-t` checks first.
    let reloadChain: Promise<unknown> = Promise.resolve();
    const reload = (check: boolean): Promise<ReloadOutcome> => {
      const run = reloadChain.then(() => performReload(check));
      reloadChain = run;
      return run;
    };
    reloadChecked = () => reload(true);
    const performReload = async (check: boolean): Promise<ReloadOutcome> => {
      plane?.reloading();
      const outcome = await reloadOnce(check);
      plane?.reloaded(outcome);
      return outcome;
    };
    const reloadOnce = async (check: boolean): Promise<ReloadOutcome> => {
      log.info({ event: 'reload.start' }, 'Reloading ...');
      if (check) {
        const host = createConfigHost();
        const r = checkConfig({ file: opts.file, configId: opts.configId, allConfig: opts.allConfig, hostInterfaces: listHostInterfaces() }, (f, o) => parseConfig(f, host, o));
        if (r.exitCode !== 0) {
          log.error({ event: 'reload.refused' }, 'new configuration has errors (-t checks), keeping the running one');
          return { result: 'refused', message: `the configuration has errors (the -t checks, exit ${r.exitCode}); nothing was changed`, diagnostics: renderCheck(opts.file, r).trimEnd().split('\n') };
        }
      }
      const next = load(opts);
      const refusal2 = next.diagnostics.find(refusesToStart);
      if (next.missingFile || !next.config || refusal2) {
        logDiagnostics(log, next.diagnostics);
        log.error({ event: 'reload.refused' }, `new configuration has errors, keeping the running one${refusal2 ? `: ${formatDiagnostic(refusal2)}` : ''}`);
        return { result: 'refused', message: 'the configuration has errors; nothing was changed', diagnostics: next.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d)) };
      }
      logDiagnostics(log, next.diagnostics);
      // The daemon gets the config the new trackers run (disabled scripts removed): a disabled weight-0
      // script left in it would hold its instance in FAULT for ever.
      const nextTrackers = prepareTrackers(next.config, log, { reload: true, carry: trackers.carry() });
      const newConfig = withSecureNotifyScripts(nextTrackers.config, log);
      notifier.reload(newConfig);
      alerts.reload(newConfig);
      const changes = reloadChanges(config, newConfig);
      try {
        await daemon.reload(newConfig);
        notifier.afterReload(daemon.snapshot());
        config = newConfig;
        await trackers.stop();
        trackers = nextTrackers;
        for (const input of trackers.initialInputs()) feedTracker(input);
        trackers.start(feedTracker);
        log.info({ event: 'reload.done' }, 'Reload complete');
        return { result: 'ok', changes, warnings: next.diagnostics.filter((d) => d.severity === 'warning').map((d) => formatDiagnostic(d)) };
      } catch (err: unknown) {
        notifier.reload(config);
        alerts.reload(config);
        log.error({ event: 'reload.error', err }, `reload failed: ${String(err)}`);
        return { result: 'failed', message: `reload failed: ${String(err)}` };
      }
    };
    const signals: Array<{ name: NodeJS.Signals; fn: () => void }> = [
      { name: 'SIGTERM', fn: () => stop('SIGTERM') },
      { name: 'SIGINT', fn: () => stop('SIGINT') },
      { name: 'SIGHUP', fn: () => void reload(false) },
      { name: 'SIGUSR1', fn: () => dump('data') },
      { name: 'SIGUSR2', fn: () => dump('stats') },
    ];
    for (const s of signals) process.on(s.name, s.fn);
    // SIGRTMIN+2 (keepalived's JSON dump signal) is not a Node signal name: the native addon watches it.
    void watchJsonSignal(() => dump('json'), log);
  });
}

/** Watches SIGRTMIN+2 (keepalived's JSON dump signal) through the addon; false when it is not loaded. */
async function watchJsonSignal(onSignal: () => void, log: Logger): Promise<boolean> {
  try {
    const { loadNative } = await import('../native/index.js');
    const native = loadNative();
    native.watchSignal(native.sigrtmin() + 2, onSignal);
    return true;
  } catch (err) {
    log.debug({ event: 'signal.unavailable', err }, 'SIGRTMIN+2 JSON dumps unavailable (native addon not loaded)');
    return false;
  }
}

/** What a reload changes: instances kept / added / removed (by wire identity), VIPs per kept instance. */
export function reloadChanges(oldConfig: DaemonConfig, newConfig: DaemonConfig): ReloadChanges {
  const plan = planReload(oldConfig, newConfig);
  const vipsAdded: Record<string, string[]> = {};
  const vipsRemoved: Record<string, string[]> = {};
  for (const k of plan.kept) {
    const o = oldConfig.instances.find((i) => i.name === k.from);
    const n = newConfig.instances.find((i) => i.name === k.to);
    if (!o || !n) continue;
    const key = (v: { address: string; prefix: number }): string => `${v.address}/${v.prefix}`;
    const before = new Set([...o.vips, ...o.excludedVips].map(key));
    const after = new Set([...n.vips, ...n.excludedVips].map(key));
    const add = [...after].filter((x) => !before.has(x));
    const rem = [...before].filter((x) => !after.has(x));
    if (add.length) vipsAdded[k.to] = add;
    if (rem.length) vipsRemoved[k.to] = rem;
  }
  return { kept: plan.kept.map((k) => (k.from === k.to ? k.to : `${k.from} -> ${k.to}`)), added: [...plan.added], removed: [...plan.removed], vipsAdded, vipsRemoved };
}

/** The operations plane with the addon's SO_PEERCRED and datagram sender when it loads. */
async function openPlane(source: OpsSource, opts: RunOptions, log: Logger): Promise<OpsPlane> {
  const o = opts.ops!;
  let native: NativeAddon | undefined;
  try {
    const { loadNative } = await import('../native/index.js');
    native = loadNative();
  } catch (err) {
    log.warn({ event: 'ops.native-missing', err }, 'native addon not loaded: changing control requests are refused and systemd is not notified');
  }
  return new OpsPlane(source, {
    log,
    version: o.version,
    configFile: opts.file,
    transport: opts.transport,
    controlSocket: o.controlSocket,
    controlGroup: o.controlGroup,
    metricsListen: o.metricsListen,
    stateDir: o.stateDir,
    env: process.env,
    peerCred: native ? (fd) => native.peerCred(fd) : undefined,
    sendDatagram: native ? (path, msg) => void native.sdNotify(path, msg) : undefined,
  });
}
