// The daemon process (reference §4.1–§4.3): reads the configuration, refuses to start with one clear line
// and a keepalived exit code (src/exit-codes.ts), builds the real edges, hands everything to the Supervisor,
// and turns signals into its lifecycle calls: SIGHUP reload, SIGTERM/SIGINT stop, SIGUSR1/SIGUSR2/SIGRTMIN+2
// dumps. What happens to VRRP lives in the Supervisor; this file only wires the process to it.

import { createWriteStream, writeFileSync, rmSync, type WriteStream } from 'node:fs';
import type { DaemonConfig, Diagnostic } from '../config-parser/types.js';
import { parseConfig } from '../config-parser/parse.js';
import { formatDiagnostic } from '../config-parser/diagnostics.js';
import { createConfigHost } from '../edges/config-host.js';
import { listHostInterfaces } from '../edges/interfaces.js';
import { createLogger, vrrpLogFileName, type LogFormat, type Logger } from '../log.js';
import { LOG_EVENT } from '../log-events.js';
import { HavipdError } from '../errors.js';
import { EXIT_CONFIG, EXIT_CONFIG_FILE, EXIT_FATAL, EXIT_NO_PERMISSION, EXIT_OK } from '../exit-codes.js';
import { Supervisor, type SupervisorEdges } from './supervisor.js';
import { Notifier } from '../notification/notify.js';
import { SmtpAlerter } from '../notification/alerts.js';
import { systemClock } from '../edges/clock.js';
import { createTimerfdDeadlineTimer, type DeadlineTimer } from '../edges/deadline-timer.js';
import { netCapabilities } from '../edges/capabilities.js';
import { dumpPath, formatData, formatJson, formatStats, writeDump, type DumpKind } from './dumps.js';
import { prepareTrackers, withSecureNotifyScripts } from '../tracking/trackers.js';
import { planReload } from '../vrrp/reload-plan.js';
import { OpsPlane, type OpsSource, type ReloadChanges, type ReloadOutcome } from '../ops/plane.js';
import { checkConfig, renderCheck } from '../cli/config-test.js';
import type { NativeAddon } from '../native/index.js';
import { signalNumber } from './signum.js';
import { applyDelayAfterBoot } from '../vrrp/startup-delay.js';
import { readUptime } from '../edges/uptime.js';
import { loadSettingsFile, settingsForConfig, type LoadedSettings } from './settings-file.js';
import type { HavipdSettings } from '../config-parser/settings.js';
import { mark } from '../startup-trace.js';

export interface ServiceOptions {
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
  /** `--ignore-sigint` (keepalived 2.3+): SIGINT does not stop the daemon. */
  readonly ignoreSigint?: boolean;
  /** The operations plane (issue 10); absent = none of it. */
  readonly ops?: RunOpsOptions | undefined;
  /** `--settings FILE` (undefined = the default path, which may be missing). */
  readonly settingsFile?: string | undefined;
  /** The settings file as read at start-up by the command line (it merged the ops part under the flags). */
  readonly settings?: LoadedSettings | undefined;
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

/** Expansion limits that tripped (src/config-parser/preprocess.ts): what was read is not the file's meaning. */
const EXPANSION_LIMITS: ReadonlySet<string> = new Set(['expansion-too-large', 'expansion-too-deep', 'input-too-large', 'substitution-loop']);

/**
 * Diagnostics that stop keepalived's VRRP process at start-up (it exits with status 2), and a tripped
 * expansion limit. havipd: keepalived has no such limits (it hangs or runs out of memory on these files);
 * a daemon that ran the part expanded before the limit would run a config nobody wrote, so it is refused
 * (and a reload keeps the running one).
 */
export function refusesToStart(d: Diagnostic): boolean {
  return d.kaClass === 'MISSING_PARAMETER' || d.kaClass === 'FATAL' || d.kaClass === 'BAD_IF' || EXPANSION_LIMITS.has(d.code);
}

/**
 * Diagnostics that make a SIGHUP reload keep the running configuration: those that refuse a start, and an
 * interface the host does not have (without `dynamic_interfaces`). havipd: keepalived 2.2.7 exits on such a
 * reload ("Non-existent interface specified in configuration", then "exited with permanent error CONFIG.
 * Terminating"), leaving a MASTER's VIPs on the interface with no daemon; applying it would put the instance
 * in FAULT and drop its VIPs. A typo in `interface` must not take a working MASTER down (issue 14, the chaos
 * soak's broken-config fault).
 */
export function refusesReload(d: Diagnostic): boolean {
  return refusesToStart(d) || (d.severity === 'error' && d.code === 'unknown-interface');
}

export interface LoadedConfig {
  readonly config: DaemonConfig | undefined;
  readonly diagnostics: readonly Diagnostic[];
  readonly missingFile: boolean;
}

/** Parses the configuration file as the daemon does (`${_RANDOM}` random, the host's interfaces checked). */
export function loadConfig(opts: Pick<ServiceOptions, 'file' | 'configId' | 'allConfig'>): LoadedConfig {
  const res = parseConfig(opts.file, createConfigHost(), {
    configId: opts.configId,
    allConfig: opts.allConfig,
    hostInterfaces: listHostInterfaces(),
    random: Math.random,
  });
  const missingFile = res.diagnostics.some((d) => d.code === 'config-file-missing' || d.code === 'config-file-not-regular');
  return { config: res.config, diagnostics: res.diagnostics, missingFile };
}

function logDiagnostics(log: Logger, diags: readonly Diagnostic[], file: string): void {
  for (const d of diags) {
    const level = d.severity === 'error' ? 'error' : d.severity === 'warning' ? 'warn' : 'info';
    log[level]({ event: LOG_EVENT.configDiagnostic, code: d.code, file: d.pos?.file, line: d.pos?.line }, formatDiagnostic(d, file));
  }
}

/** The real edges for the chosen transport (raw: everything; UDP: what the process's capabilities allow). */
/** The timerfd deadline timer (sub-ms down timer, issue 12 §4); undefined without the addon (setTimeout then). */
async function deadlineTimer(): Promise<DeadlineTimer | undefined> {
  try {
    const { loadNative } = await import('../native/index.js');
    return createTimerfdDeadlineTimer(loadNative());
  } catch {
    return undefined;
  }
}

async function buildEdges(opts: ServiceOptions, log: Logger): Promise<SupervisorEdges> {
  const caps = netCapabilities();
  // The addon before anything is opened: when it does not load, no netlink socket keeps the process alive.
  const native = opts.transport === 'raw' ? (await import('../native/index.js')).loadNative() : undefined;
  mark('addon loaded');
  const { createRouteEdge } = await import('../edges/routes.js');
  const { createLinkEdge } = await import('../edges/links.js');
  let links;
  try {
    links = await createLinkEdge();
    mark('links read (netlink)');
  } catch (err) {
    log.warn({ event: LOG_EVENT.linksUnavailable, err }, `link state cannot be watched (${String(err)}): interfaces count as up`);
  }
  if (native) {
    const { openRawTransport } = await import('../edges/transport/raw.js');
    const { createAddressEdge, nativeRouteRequester } = await import('../edges/addresses.js');
    const { createFrameSender } = await import('../edges/frames.js');
    const { createArpWatch } = await import('../edges/arp-watch.js');
    return {
      openTransport: openRawTransport,
      transportKind: 'raw',
      // if_nametoindex and synchronously acknowledged RTM_NEWADDR / RTM_DELADDR through the addon: no event-loop
      // round trip between a takeover's first advert and its first gratuitous ARP.
      addresses: createAddressEdge({ ifIndex: (name) => native.ifIndex(name), route: nativeRouteRequester(native) }),
      routes: createRouteEdge(),
      links,
      frames: createFrameSender(),
      arpWatch: createArpWatch,
      clock: systemClock,
      logger: log,
      deadlineTimer: createTimerfdDeadlineTimer(native),
    };
  }
  const { udpTransportOpener } = await import('../edges/transport/udp.js');
  let addresses;
  if (caps.netAdmin) {
    const { createAddressEdge } = await import('../edges/addresses.js');
    addresses = createAddressEdge();
  }
  let frames;
  if (caps.netRaw) {
    try {
      const { createFrameSender } = await import('../edges/frames.js');
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
    deadlineTimer: await deadlineTimer(),
  };
}

/** The Supervisor with the real trackers and sinks. */
function createSupervisor(config: DaemonConfig, edges: SupervisorEdges, opts: ServiceOptions, log: Logger, plane: OpsPlane | undefined, settings: HavipdSettings | undefined): Supervisor {
  return new Supervisor(config, edges, {
    detail: opts.detail,
    ...(settings ? { settings } : {}),
    ...(plane ? { observer: plane } : {}),
    // Track scripts and files are checked before the instances start (disabled ones leave the config); notify
    // scripts keepalived would not run (insecure, missing, not executable) leave the config too. The core gets
    // the config the trackers run: a disabled weight-0 script left in it would hold its instance in FAULT.
    prepare: (raw, previous) => {
      // vrrp_delay_after_boot (keepalived 2.4.0): applied at start-up only, with the uptime read then.
      const boot = previous ? raw : applyDelayAfterBoot(raw, readUptime());
      const trackers = prepareTrackers(boot, log, previous ? { reload: true, carry: previous.carry() } : {});
      return { config: withSecureNotifyScripts(trackers.config, log), trackers };
    },
    // Notify FIFOs and their scripts, then SMTP alerts (inert without smtp_server and notification_email).
    sinks: (config) => ({ notifier: new Notifier(config, { log }), alerts: new SmtpAlerter(config, { log, detail: opts.detail }) }),
  });
}

/**
 * Runs the daemon until SIGTERM/SIGINT. Resolves with the exit code (the process is kept alive by the
 * Supervisor's sockets and timer meanwhile).
 */
export async function runService(opts: ServiceOptions, io: { stderr: (s: string) => void }): Promise<number> {
  let file: WriteStream | undefined;
  if (opts.logFile) {
    const path = vrrpLogFileName(opts.logFile);
    file = createWriteStream(path, { flags: 'a', mode: 0o640 });
    // An unwritable log file is reported once and ignored: logging never takes the daemon down.
    file.on('error', (err) => io.stderr(`havipd: cannot write the log file '${path}': ${err.message}\n`));
  }
  const log = createLogger({ format: opts.logFormat, detail: opts.detail, ...(file ? { file } : {}) });
  mark('logger ready');
  const loaded = loadConfig(opts);
  mark('config parsed');
  if (loaded.missingFile) {
    io.stderr(`havipd: configuration file '${opts.file}' not found or not a regular file\n`);
    return EXIT_CONFIG_FILE;
  }
  logDiagnostics(log, loaded.diagnostics, opts.file);
  const refusal = loaded.diagnostics.find(refusesToStart);
  if (!loaded.config || refusal) {
    io.stderr(`havipd: configuration error, not starting: ${refusal ? formatDiagnostic(refusal, opts.file) : 'the configuration could not be read'}\n`);
    return EXIT_CONFIG;
  }
  // The havipd settings file: refused like keepalived.conf when it has errors; unknown instances warn.
  const checkedSettings = settingsForConfig(opts.settings ?? loadSettingsFile(opts.settingsFile), loaded.config.instances.map((i) => i.name));
  logDiagnostics(log, checkedSettings.diagnostics, opts.settingsFile ?? 'havipd.toml');
  const settingsError = checkedSettings.diagnostics.find((d) => d.severity === 'error');
  if (!checkedSettings.settings || settingsError) {
    io.stderr(`havipd: settings error, not starting: ${settingsError ? formatDiagnostic(settingsError) : 'the settings could not be read'}\n`);
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

  mark('settings checked');
  let edges: SupervisorEdges;
  try {
    edges = await buildEdges(opts, log);
    mark('edges built');
  } catch (err) {
    const msg = err instanceof HavipdError ? `${err.message} [${err.code}]` : String(err);
    io.stderr(`havipd: cannot start: ${msg}\n`);
    return EXIT_FATAL;
  }

  log.info({ event: LOG_EVENT.daemonStart, version: process.env.npm_package_version, transport: opts.transport }, `Starting havipd (keepalived-compatible VRRP), transport ${opts.transport}`);
  for (const f of [opts.pidFile, opts.vrrpPidFile]) if (f) writeFileSync(f, `${process.pid}\n`);

  // The operations plane reads the Supervisor through a narrow source (snapshot, config, links, submit).
  let reloadChecked: () => Promise<ReloadOutcome> = () => Promise.resolve({ result: 'failed', message: 'not started' });
  const source: OpsSource = {
    snapshot: () => supervisor.snapshot(),
    config: () => supervisor.currentConfig,
    submit: (input) => supervisor.submit(input),
    settled: () => supervisor.idle(),
    link: (n) => edges.links?.get(n),
    linksAvailable: edges.links !== undefined,
    reload: () => reloadChecked(),
  };
  const plane = opts.ops ? await openPlane(source, opts, log) : undefined;
  mark('ops plane opened');
  const supervisor = createSupervisor(loaded.config, edges, opts, log, plane, checkedSettings.settings);
  // Maintenance kept from a previous run holds its instances before they start.
  for (const input of plane?.initialInputs() ?? []) supervisor.submit(input);
  mark('supervisor created');
  await supervisor.start();
  mark('supervisor started (first states entered)');
  await plane?.start();
  log.info({ event: LOG_EVENT.daemonReady }, 'Startup complete');

  return await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.info({ event: LOG_EVENT.daemonStop, signal }, 'Stopping');
      plane?.sd.stopping();
      // Priority-0 adverts and VIP removal must not hang the exit: give them a second.
      const force = setTimeout(() => finish(EXIT_OK), 1000);
      void supervisor.stop().finally(() => {
        clearTimeout(force);
        finish(EXIT_OK);
      });
    };
    const finish = (code: number): void => {
      for (const s of signals) process.off(s.name, s.fn);
      for (const f of [opts.pidFile, opts.vrrpPidFile]) if (f) rmSync(f, { force: true });
      // STOP notifications get at most 1 s, then their process groups are killed; FIFO scripts get SIGTERM.
      void Promise.all([supervisor.close(), plane?.stop()]).finally(() => {
        log.info({ event: LOG_EVENT.daemonStopped }, 'Stopped havipd');
        if (file) file.end(() => resolve(code));
        else resolve(code);
      });
    };
    const dump = (kind: DumpKind): void => {
      try {
        const input = supervisor.dumpInput();
        const path = dumpPath(kind, process.env, supervisor.currentConfig);
        writeDump(path, kind === 'data' ? formatData(input) : kind === 'stats' ? formatStats(input) : formatJson(input));
        log.info({ event: LOG_EVENT.dumpWritten, kind, path }, `Printing VRRP ${kind === 'json' ? 'as json' : kind} on signal to ${path}`);
      } catch (err) {
        log.error({ event: LOG_EVENT.dumpError, kind, err }, `cannot write the ${kind} dump: ${String(err)}`);
      }
    };
    // One reload at a time (SIGHUP and `havipd reload` may race); `check` = the `-t` checks first.
    let reloadChain: Promise<unknown> = Promise.resolve();
    const reload = (check: boolean): Promise<ReloadOutcome> => {
      const run = reloadChain.then(async () => {
        plane?.reloading();
        const outcome = await reloadOnce(check);
        plane?.reloaded(outcome);
        return outcome;
      });
      reloadChain = run;
      return run;
    };
    reloadChecked = () => reload(true);
    const reloadOnce = async (check: boolean): Promise<ReloadOutcome> => {
      log.info({ event: LOG_EVENT.reloadStart }, 'Reloading ...');
      if (check) {
        const host = createConfigHost();
        const r = checkConfig({ file: opts.file, configId: opts.configId, allConfig: opts.allConfig, hostInterfaces: listHostInterfaces() }, (f, o) => parseConfig(f, host, { ...o, random: Math.random }));
        if (r.exitCode !== 0) {
          log.error({ event: LOG_EVENT.reloadRefused }, 'new configuration has errors (-t checks), keeping the running one');
          return { result: 'refused', message: `the configuration has errors (the -t checks, exit ${r.exitCode}); nothing was changed`, diagnostics: renderCheck(opts.file, r).trimEnd().split('\n') };
        }
      }
      const next = loadConfig(opts);
      logDiagnostics(log, next.diagnostics, opts.file);
      const refusal2 = next.diagnostics.find(refusesReload);
      if (next.missingFile || !next.config || refusal2) {
        log.error({ event: LOG_EVENT.reloadRefused }, `new configuration has errors, keeping the running one${refusal2 ? `: ${formatDiagnostic(refusal2, opts.file)}` : ''}`);
        return { result: 'refused', message: 'the configuration has errors; nothing was changed', diagnostics: next.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d, opts.file)) };
      }
      // The settings file is re-read with keepalived.conf; with errors, both stay as they run (issue 11 Bad input).
      const nextSettings = settingsForConfig(loadSettingsFile(opts.settingsFile), next.config.instances.map((i) => i.name));
      logDiagnostics(log, nextSettings.diagnostics, opts.settingsFile ?? 'havipd.toml');
      const settingsErrors = nextSettings.diagnostics.filter((d) => d.severity === 'error');
      if (!nextSettings.settings || settingsErrors.length > 0) {
        log.error({ event: LOG_EVENT.reloadRefused }, `new settings file has errors, keeping the running configuration and settings${settingsErrors[0] ? `: ${formatDiagnostic(settingsErrors[0])}` : ''}`);
        return { result: 'refused', message: 'the settings file has errors; nothing was changed', diagnostics: settingsErrors.map((d) => formatDiagnostic(d)) };
      }
      const changes = reloadChanges(supervisor.currentConfig, next.config);
      const r = await supervisor.reload(next.config, nextSettings.settings);
      if (!r.ok) return { result: 'failed', message: `reload failed: ${r.error ?? 'unknown error'}` };
      log.info({ event: LOG_EVENT.reloadDone }, 'Reload complete');
      return { result: 'ok', changes, warnings: next.diagnostics.filter((d) => d.severity === 'warning').map((d) => formatDiagnostic(d, opts.file)) };
    };
    const signals: Array<{ name: NodeJS.Signals; fn: () => void }> = [
      { name: 'SIGTERM', fn: () => stop('SIGTERM') },
      {
        name: 'SIGINT',
        fn: opts.ignoreSigint === true
          ? () => log.info({ event: LOG_EVENT.signalIgnored, signal: 'SIGINT' }, 'SIGINT ignored (--ignore-sigint)')
          : () => stop('SIGINT'),
      },
      { name: 'SIGHUP', fn: () => void reload(false) },
      { name: 'SIGUSR1', fn: () => dump('data') },
      { name: 'SIGUSR2', fn: () => dump('stats') },
    ];
    for (const s of signals) process.on(s.name, s.fn);
    // SIGRTMIN+2 (keepalived's JSON dump signal) is not a Node signal name: the native addon watches it.
    void watchJsonSignal(() => dump('json'), log, () => {
      // havipd: keepalived's STATS_CLEAR (SIGRTMAX-1) writes the stats and zeroes them; havipd writes them and
      // keeps counting (the counters are the core's). Watching it keeps the signal from terminating the daemon.
      log.warn({ event: LOG_EVENT.signalStatsClear }, 'STATS_CLEAR signal: stats written, counters not cleared by havipd');
      dump('stats');
    });
  });
}

/** Watches SIGRTMIN+2 (keepalived's JSON dump signal) through the addon; false when it is not loaded. */
async function watchJsonSignal(onSignal: () => void, log: Logger, onStatsClear?: () => void): Promise<boolean> {
  try {
    const { loadNative } = await import('../native/index.js');
    const native = loadNative();
    native.watchSignal(native.sigrtmin() + 2, onSignal);
    if (onStatsClear) native.watchSignal(signalNumber('STATS_CLEAR')!, onStatsClear);
    return true;
  } catch (err) {
    log.debug({ event: LOG_EVENT.signalUnavailable, err }, 'SIGRTMIN+2 JSON dumps unavailable (native addon not loaded)');
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
async function openPlane(source: OpsSource, opts: ServiceOptions, log: Logger): Promise<OpsPlane> {
  const o = opts.ops!;
  let native: NativeAddon | undefined;
  try {
    const { loadNative } = await import('../native/index.js');
    native = loadNative();
  } catch (err) {
    log.warn({ event: LOG_EVENT.opsNativeMissing, err }, 'native addon not loaded: changing control requests are refused and systemd is not notified');
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
