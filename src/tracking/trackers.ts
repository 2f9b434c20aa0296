// The trackers of a running configuration: vrrp_script runner, track_file watcher and vrrp_track_process
// counter (reference §1.9.4, §1.9.7,
// §1.9.6, §3.9, §3.13). Before the daemon starts, `prepareTrackers` checks every used script as keepalived
// does (vrrp.c check_vrrp_script_security()) and drops the disabled scripts and unwatchable files from the
// instances (keepalived removes them, so they neither fault nor weigh); `hostScriptDiagnostics` gives
// `havipd -t` the same verdicts as keepalived -t.

import type { CommandSpec, DaemonConfig, Diagnostic, NotifyConfig, TrackRef } from '../config-parser/types.js';
import type { Logger } from '../log.js';
import type { Input } from '../vrrp/effects.js';
import { spawnProcess, type Spawner } from '../scripts/process.js';
import { checkScriptSecure, scriptIdentity, systemUserDb, trackScriptVerdict, type UserDb } from '../scripts/script-security.js';
import { ScriptRunner, type PreparedScript, type ScriptCarry } from './scripts.js';
import { initTrackFile, TrackFileWatcher } from './track-files.js';
import { ProcessTracker, usedTrackProcesses } from './track-process.js';
import { NetlinkProcEvents } from '../edges/proc-events.js';
import type { TrackProcessView } from '../runtime/dumps.js';

type TrackerInput = Extract<Input, { kind: 'script' | 'file' | 'process' }>;

export interface TrackerOptions {
  readonly spawn?: Spawner;
  readonly userDb?: UserDb;
  /** A reload: `init_file` does not overwrite, script statuses carry over. */
  readonly reload?: boolean;
  readonly carry?: ReadonlyMap<string, ScriptCarry>;
  readonly pathEnv?: string | undefined;
  /** vrrp_track_process: where processes are looked for (tests) and how often /proc is re-scanned. */
  readonly procRoot?: string;
  readonly processScanIntervalMs?: number;
  /** vrrp_track_process: `false` = never the kernel's process events (scan /proc only). */
  readonly processEvents?: boolean;
}

export interface Trackers {
  /** The configuration with disabled scripts / files removed from instances and sync groups. */
  readonly config: DaemonConfig;
  /** Values to feed before the instances start (track files, `init_fail` scripts, reload carry-over). */
  initialInputs(): TrackerInput[];
  /** Starts the script timers and the file watches; results go to `feed`. */
  start(feed: (input: TrackerInput) => void): void;
  /** Stops everything; running scripts get SIGTERM (SIGKILL after 1 s). */
  stop(): Promise<void>;
  /** Script statuses for the next configuration (reload). */
  carry(): Map<string, ScriptCarry>;
  /** Process trackers' counts and quorum (the JSON dump, json_version 2). */
  processViews(): Record<string, TrackProcessView>;
}

function usedNames(config: DaemonConfig, pick: (x: { trackScripts: readonly TrackRef[]; trackFiles: readonly TrackRef[] }) => readonly TrackRef[]): Set<string> {
  const s = new Set<string>();
  for (const i of config.instances) for (const r of pick(i)) s.add(r.name);
  for (const g of config.syncGroups) for (const r of pick(g)) s.add(r.name);
  return s;
}

/** The config with the named scripts and files taken out of every instance and sync group. */
export function withoutTrackers(config: DaemonConfig, scripts: ReadonlySet<string>, files: ReadonlySet<string>): DaemonConfig {
  if (scripts.size === 0 && files.size === 0) return config;
  const keepS = (r: TrackRef): boolean => !scripts.has(r.name);
  const keepF = (r: TrackRef): boolean => !files.has(r.name);
  return {
    ...config,
    scripts: config.scripts.filter((s) => !scripts.has(s.name)),
    trackFiles: config.trackFiles.filter((f) => !files.has(f.name)),
    instances: config.instances.map((i) => ({ ...i, trackScripts: i.trackScripts.filter(keepS), trackFiles: i.trackFiles.filter(keepF) })),
    syncGroups: config.syncGroups.map((g) => ({ ...g, trackScripts: g.trackScripts.filter(keepS), trackFiles: g.trackFiles.filter(keepF) })),
  };
}

/**
 * Checks the scripts and files `config` tracks and builds the runner and watcher (not started).
 * Logs keepalived's lines: unused scripts, the script checks, disabled scripts.
 */
export function prepareTrackers(config: DaemonConfig, log: Logger, opts: TrackerOptions = {}): Trackers {
  const db = opts.userDb ?? systemUserDb;
  const usedScripts = usedNames(config, (x) => x.trackScripts);
  const usedFiles = usedNames(config, (x) => x.trackFiles);
  const disabled = new Set<string>();
  const prepared: PreparedScript[] = [];
  for (const s of config.scripts) {
    if (!usedScripts.has(s.name)) {
      log.info({ event: 'script.unused', script: s.name }, `Warning - script ${s.name} is not used`);
      continue;
    }
    const id = scriptIdentity(s.command, config.global.scriptUser, db);
    if ('error' in id) {
      log.error({ event: 'script.disabled', script: s.name }, `${id.error} - disabling track script ${s.name}`);
      disabled.add(s.name);
      continue;
    }
    const check = checkScriptSecure(s.command.argv, id, config.global.enableScriptSecurity, opts.pathEnv ?? process.env.PATH);
    for (const line of check.logs) log.info({ event: 'script.check', script: s.name }, line);
    const verdict = trackScriptVerdict(s.name, check.flags);
    if (verdict.disabled) {
      if (verdict.message) log.error({ event: 'script.disabled', script: s.name }, verdict.message);
      disabled.add(s.name);
      continue;
    }
    prepared.push({ config: s, argv: check.argv, uid: id.uid, gid: id.gid });
  }
  const fileConfigs = config.trackFiles.filter((f) => usedFiles.has(f.name));
  for (const f of fileConfigs) initTrackFile(f, opts.reload ?? false, log);

  let feedFn: ((input: TrackerInput) => void) | undefined;
  const feed = (input: TrackerInput): void => feedFn?.(input);
  const runner = new ScriptRunner(prepared, { spawn: opts.spawn ?? spawnProcess, logger: log, feed }, opts.carry);
  const watcher = new TrackFileWatcher(fileConfigs, { logger: log, feed });
  const tracked = usedTrackProcesses(config);
  const processes = new ProcessTracker(tracked, {
    logger: log, feed, ...(opts.procRoot !== undefined ? { procRoot: opts.procRoot } : {}),
    ...(opts.processScanIntervalMs !== undefined ? { scanIntervalMs: opts.processScanIntervalMs } : {}),
    // Kernel events only for the real /proc (a test's fake root has no kernel behind it).
    ...(tracked.length > 0 && opts.procRoot === undefined && opts.processEvents !== false ? { events: new NetlinkProcEvents() } : {}),
  });
  const watched = new Set(watcher.names());
  const droppedFiles = new Set(config.trackFiles.filter((f) => usedFiles.has(f.name) && !watched.has(f.name)).map((f) => f.name));

  return {
    config: withoutTrackers(config, disabled, droppedFiles),
    initialInputs: () => [...watcher.initialInputs(), ...processes.initialInputs(), ...runner.initialInputs()],
    start(f) {
      feedFn = f;
      watcher.start();
      processes.start();
      runner.start();
    },
    async stop() {
      watcher.stop();
      processes.stop();
      await runner.stop();
      feedFn = undefined;
    },
    carry: () => runner.carry(),
    processViews: () => processes.views(),
  };
}

// ───────────────────────────── notify scripts ─────────────────────────────

/**
 * keepalived's check_notify_script_secure() at start-up and reload: a notify script that is inhibited
 * (insecure with `enable_script_security`), not found, or not executable by its user is dropped and never
 * run. Returns `config` with those commands removed, logging keepalived's lines. Nothing is checked with
 * `net_namespace` (keepalived-compat, as `-t`).
 * Test: test/unit/notification/notify-security.test.ts "keepalived-compat: nothing is checked (as -t): insecure and missing scripts are kept".
 */
export function withSecureNotifyScripts(config: DaemonConfig, log: Logger, opts: { userDb?: UserDb; pathEnv?: string | undefined } = {}): DaemonConfig {
  if (config.global.netNamespace !== undefined) return config;
  const db = opts.userDb ?? systemUserDb;
  const pathEnv = 'pathEnv' in opts ? opts.pathEnv : process.env.PATH;
  const g = config.global;
  let changed = false;
  const keep = (c: CommandSpec | undefined, owner: string): CommandSpec | undefined => {
    if (c === undefined) return undefined;
    const id = scriptIdentity(c, g.scriptUser, db);
    const reason = 'error' in id ? id.error : undefined;
    let ok = reason === undefined;
    if (!('error' in id)) {
      const r = checkScriptSecure(c.argv, id, g.enableScriptSecurity, pathEnv);
      for (const line of r.logs) log.info({ event: 'script.check', owner }, line);
      ok = !r.flags.inhibit && !r.flags.notFound && r.flags.executable;
    }
    if (ok) return c;
    changed = true;
    log.error({ event: 'notify.disabled', owner, command: c.raw }, `(${owner}) notify script '${c.raw}' disabled${reason ? `: ${reason}` : ' (not found, not executable or insecure)'}`);
    return undefined;
  };
  const notify = (n: NotifyConfig, owner: string): NotifyConfig => {
    const out: { -readonly [K in keyof NotifyConfig]: NotifyConfig[K] } = {};
    const set = <K extends 'master' | 'backup' | 'fault' | 'stop' | 'generic' | 'masterRxLowerPri'>(k: K): void => {
      const c = keep(n[k], owner);
      if (c) out[k] = c;
    };
    set('master');
    set('backup');
    set('fault');
    set('stop');
    set('generic');
    set('masterRxLowerPri');
    // `notify_deleted` without a command still changes what is reported (DELETED instead of FAULT).
    if (n.deleted) {
      const c = keep(n.deleted.command, owner);
      out.deleted = c ? { command: c } : {};
    }
    return out;
  };
  const instances = config.instances.map((i) => ({ ...i, notify: notify(i.notify, i.name) }));
  const syncGroups = config.syncGroups.map((sg) => ({ ...sg, notify: notify(sg.notify, sg.name) }));
  const global = {
    ...g,
    notifyFifoScript: keep(g.notifyFifoScript, 'notify_fifo'),
    vrrpNotifyFifoScript: keep(g.vrrpNotifyFifoScript, 'vrrp_notify_fifo'),
  };
  return changed ? { ...config, global, instances, syncGroups } : config;
}

// ───────────────────────────── -t ─────────────────────────────

function notifyCommands(n: NotifyConfig): CommandSpec[] {
  return [n.backup, n.master, n.fault, n.stop, n.deleted?.command, n.generic, n.masterRxLowerPri].filter((c): c is CommandSpec => c !== undefined);
}

const configError = (code: string, message: string, kaClass: Diagnostic['kaClass'] = 'GENERAL_ERROR'): Diagnostic => ({
  severity: 'error',
  code,
  kaClass,
  pos: undefined,
  message,
});

/**
 * What keepalived -t reports about scripts after parsing (vrrp.c check_vrrp_script_security(), lib/notify.c
 * get_default_script_user()): track scripts disabled as not found or insecure (GENERAL_ERROR), the missing
 * `keepalived_script` default user with `enable_script_security`, and — unless `existing` already has a
 * SECURITY_ERROR — `SECURITY VIOLATION` when a script would run without script security (exit 6).
 * Nothing when there is no vrrp_instance (keepalived checks nothing then) or with `net_namespace`.
 */
export function hostScriptDiagnostics(config: DaemonConfig | undefined, existing: readonly Diagnostic[], opts: { userDb?: UserDb; pathEnv?: string | undefined } = {}): Diagnostic[] {
  // keepalived-compat: with `net_namespace` keepalived -t reports nothing at all (verified on 2.2.7).
  // Test: test/unit/scripts/script-security.test.ts "nothing without instances or with net_namespace; an existing SECURITY_ERROR is not repeated".
  if (!config || config.instances.length === 0 || config.global.netNamespace !== undefined) return [];
  const db = opts.userDb ?? systemUserDb;
  const pathEnv = 'pathEnv' in opts ? opts.pathEnv : process.env.PATH;
  const g = config.global;
  const out: Diagnostic[] = [];
  const security = g.enableScriptSecurity;
  let isScript = false;
  let insecure = false;
  const needsDefaultUser = (c: CommandSpec): boolean => c.user === undefined && g.scriptUser === undefined;
  if (security) {
    const all = [...config.scripts.map((s) => s.command), ...config.instances.flatMap((i) => notifyCommands(i.notify)), ...config.syncGroups.flatMap((s) => notifyCommands(s.notify))];
    // The user is looked up only when a script needs it (a name not in /etc/passwd costs a `getent` fork).
    if (all.some(needsDefaultUser) && db.user('keepalived_script') === undefined) out.push(configError('script-default-user', 'Unable to set default user keepalived_script for script'));
  }
  const check = (c: CommandSpec): ReturnType<typeof checkScriptSecure> | undefined => {
    const id = scriptIdentity(c, g.scriptUser, db);
    if ('error' in id) return undefined;
    const r = checkScriptSecure(c.argv, id, security, pathEnv);
    isScript ||= r.flags.isScript;
    insecure ||= r.flags.insecure;
    return r;
  };
  for (const s of config.scripts) {
    const r = check(s.command);
    if (!r) continue;
    const v = trackScriptVerdict(s.name, r.flags);
    if (v.message) out.push(configError(r.flags.inhibit ? 'script-insecure' : 'script-not-found', v.message));
  }
  const notifies = [...config.instances.flatMap((i) => notifyCommands(i.notify)), ...config.syncGroups.flatMap((s) => notifyCommands(s.notify))];
  if (g.notifyFifoScript) notifies.push(g.notifyFifoScript);
  if (g.vrrpNotifyFifoScript) notifies.push(g.vrrpNotifyFifoScript);
  for (const c of notifies) check(c);
  if (!security && isScript && !existing.some((d) => d.kaClass === 'SECURITY_ERROR')) {
    out.push(
      configError(
        'script-security',
        `SECURITY VIOLATION - scripts are being executed but script_security not enabled.${insecure ? ' There are insecure scripts.' : ''}`,
        'SECURITY_ERROR',
      ),
    );
  }
  return out;
}
