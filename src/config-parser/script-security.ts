// keepalived 2.2.7's script security check on the configuration (vrrp.c check_vrrp_script_security,
// lib/notify.c check_script_secure / find_path): when scripts will be run and `enable_script_security` is not
// set, keepalived reports a SECURITY_ERROR (`-t` exits 6). Only the part that decides that report is done
// here, through the ConfigHost (the permission checks that disable single scripts belong to the runtime).

import type { DiagnosticSink } from './diagnostics.js';
import type { ConfigHost } from './host.js';
import type { RootDraft } from './keywords/state.js';
import type { CommandSpec, DaemonConfig, NotifyConfig } from './types.js';

/** glibc's confstr(_CS_PATH), used by keepalived when PATH is unset. */
const CS_PATH = '/bin:/usr/bin';

/**
 * Whether keepalived counts `argv0` as a script that will be executed (SC_ISSCRIPT): not a `</path` file
 * test, found by a PATH search (a regular executable file) when it has no '/', and existing.
 */
export function isExecutedScript(argv0: string, host: ConfigHost): boolean {
  if (/^<[ \t]*\//.test(argv0)) return false;
  if (argv0 === '') return false;
  if (!argv0.includes('/')) {
    const path = host.env('PATH') ?? CS_PATH;
    return path.split(':').some((dir) => {
      const s = host.stat(`${dir}/${argv0}`);
      return s.ok && s.kind === 'file' && s.executable;
    });
  }
  return host.stat(argv0).ok;
}

function notifyCommands(n: NotifyConfig): CommandSpec[] {
  return [n.backup, n.master, n.fault, n.stop, n.deleted?.command, n.generic, n.masterRxLowerPri].filter((c): c is CommandSpec => c !== undefined);
}

/**
 * Adds keepalived's `SECURITY VIOLATION` diagnostic when some script will be executed and script security is
 * off. keepalived checks every vrrp_script (used or not), the notify commands of instances and sync groups and
 * the notify FIFO scripts, and only when there is at least one vrrp_instance.
 */
export function checkScriptSecurity(root: RootDraft, config: DaemonConfig, host: ConfigHost, sink: DiagnosticSink): void {
  if (root.instances.size === 0) return;
  // keepalived-compat (check_track_script_secure): a vrrp_script whose program cannot be found is disabled with an error.
  for (const s of root.scripts.values()) {
    const argv0 = s.command?.argv[0];
    if (argv0 === undefined || /^<[ \t]*\//.test(argv0) || isExecutedScript(argv0, host)) continue;
    sink.add({ severity: 'error', code: 'script-not-found', kaClass: 'GENERAL_ERROR', pos: s.pos, subject: s.name,
      message: `disabling track script ${s.name}: ${argv0} is not found or not accessible` });
  }
  if (config.global.enableScriptSecurity) return;
  const commands: CommandSpec[] = [];
  for (const s of root.scripts.values()) if (s.command) commands.push(s.command);
  for (const i of config.instances) commands.push(...notifyCommands(i.notify));
  for (const g of config.syncGroups) commands.push(...notifyCommands(g.notify));
  if (config.global.notifyFifoScript) commands.push(config.global.notifyFifoScript);
  if (config.global.vrrpNotifyFifoScript) commands.push(config.global.vrrpNotifyFifoScript);
  const executed = commands.find((c) => c.argv[0] !== undefined && isExecutedScript(c.argv[0], host));
  if (executed === undefined) return;
  sink.add({
    severity: 'error', code: 'script-security', kaClass: 'SECURITY_ERROR', pos: undefined,
    message: `SECURITY VIOLATION - scripts are being executed (e.g. ${executed.argv[0]}) but script security is not enabled: add enable_script_security to global_defs (and run scripts as a non-root script_user)`,
  });
}
