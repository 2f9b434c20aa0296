// The havipd command line (commander only; the work lives in the modules it calls). Flags follow
// keepalived 2.2.7's `keepalived --help` (reference §4.1).

import { readFileSync, writeFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { CONFIG_TEST_EXIT, EXIT_CONFIG, EXIT_FATAL, EXIT_OK, EXIT_PROGRAM_ERROR } from '../exit-codes.js';
import {
  DEFAULT_CONFIG_FILE,
  checkConfig,
  checkMainFile,
  defaultConfigId,
  renderCheck,
  type ParseFn,
} from './config-test.js';
import { listHostInterfaces } from '../edges/interfaces.js';
import type { DaemonConfig } from '../config-parser/types.js';
import { parseConfig } from '../config-parser/parse.js';
import { redactConfig } from '../config-parser/redact.js';
import { createConfigHost } from '../edges/config-host.js';
import type { RunOptions } from './run.js';
import { DEFAULT_UDP_PORT } from '../edges/transport/types.js';
import { DEFAULT_CONTROL_SOCKET } from '../ops/control-server.js';
import { DEFAULT_STATE_DIR } from '../ops/maintenance-store.js';
import { parseListen } from '../ops/listen-address.js';
import { systemUserDb } from '../scripts/script-security.js';
import { firstWord, suggest, SUBCOMMANDS, CLIENT_EXIT } from './subcommands.js';
import { LINUX_SIGRTMIN, signumCommand } from '../runtime/signum.js';
import { loadSettingsFile, settingsForConfig, type LoadedSettings } from '../runtime/settings-file.js';
import { DEFAULT_SETTINGS_FILE } from '../config-parser/settings.js';
import { formatDiagnostic } from '../config-parser/diagnostics.js';
import { mark } from '../startup-trace.js';
import { fdWriter } from './stdio.js';

/** What `main` needs from the outside, replaceable in tests. */
export interface CliIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
}

const defaultIo: CliIo = {
  stdout: fdWriter(1, () => process.stdout),
  stderr: fdWriter(2, () => process.stderr),
};

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** The parsed command line. */
export interface CliOptions {
  /** `-t` given (with or without a log file). */
  readonly configTest: boolean;
  /** `-t FILE` / `--config-test=FILE`: write the check's output to FILE instead of stderr. */
  readonly configTestLog: string | undefined;
  readonly file: string;
  readonly configId: string;
  readonly allConfig: boolean;
  readonly dumpConfig: boolean;
}

/**
 * The daemon's flags (keepalived's, plus havipd's transport and log format), read by `daemonOptions` and
 * handed to the daemon process (src/runtime/service.ts). Flags keepalived has that mean nothing for havipd
 * (no fork, no syslog, VRRP only) are accepted and ignored, as their help says.
 */
function addDaemonOptions(program: Command): void {
  program
    .option('-n, --dont-fork', "don't fork the daemon process (havipd never forks)")
    .option('-l, --log-console', 'log messages to the console')
    .option('-D, --log-detail', 'detailed log messages')
    .option('-P, --vrrp', 'only run the VRRP subsystem (havipd has no other)')
    .option('-S, --log-facility <facility>', 'syslog facility: 0-7, local0-7, user or daemon')
    .addOption(new Option('-g, --log-file <file>', `also log to a file: -gFILE or --log-file=FILE; -g alone: ${DEFAULT_LOG_FILE} (VRRP lines go to keepalived_vrrp.log, as keepalived names it)`))
    .option('-G, --no-syslog', "don't log via syslog")
    .option('-p, --pid <file>', 'pid file of the main process')
    .option('-r, --vrrp_pid <file>', 'pid file of the VRRP process')
    .addOption(new Option('--transport <kind>', 'VRRP transport').choices(['raw', 'udp']))
    .option('--udp-port <port>', 'UDP port for --transport udp')
    .addOption(new Option('--log-format <format>', 'log line format: json (default, for journald) or pretty (keepalived-style lines; -l implies it)').choices(['json', 'pretty', 'text']))
    .option('--control-socket <path>', `control socket for status and commands (default ${DEFAULT_CONTROL_SOCKET})`)
    .option('--no-control-socket', 'run without a control socket')
    .option('--control-group <group>', "group allowed to read status through the socket (mode 0660; default the daemon's group)")
    .option('--metrics-listen <host:port>', 'serve Prometheus metrics on http://HOST:PORT/metrics (off by default; PORT alone = 127.0.0.1)')
    .option('--state-dir <dir>', `where maintenance mode is kept across restarts (default ${DEFAULT_STATE_DIR})`)
    .option('--settings <file>', `havipd settings file (TOML: verify/move commands, healing, ops; default ${DEFAULT_SETTINGS_FILE} if it exists)`)
    .option('--ignore-sigint', 'ignore SIGINT (default means terminate) - keepalived 2.3+, used for debugging')
    .option('--signum <sigfunc>', 'print the signal number for STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON and exit');
}

/**
 * keepalived's `-t` takes an *optional* argument in getopt style: only `-tFILE` or `--config-test=FILE`
 * give a log file; in `-t FILE` the FILE is a separate argument. Commander would swallow the next word
 * (making `havipd -t keepalived.conf` overwrite the config), so the forms are rewritten first:
 * `-t`/`--config-test` → a boolean flag, `-tFILE`/`--config-test=FILE` → `--config-test-log FILE`.
 */
/** keepalived's `-g` default (its VRRP child writes `/tmp/keepalived_vrrp.log`). */
export const DEFAULT_LOG_FILE = '/tmp/keepalived.log';

export function normaliseArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') {
      out.push(...args.slice(i));
      break;
    }
    if (a === '-g' || a === '--log-file') out.push('--log-file', DEFAULT_LOG_FILE);
    else if (a.startsWith('--log-file=')) out.push('--log-file', a.slice('--log-file='.length));
    else if (a.startsWith('-g') && !a.startsWith('--')) out.push('--log-file', a.slice(2));
    else if (a === '-t' || a === '--config-test') out.push('--config-test');
    else if (a.startsWith('--config-test=')) out.push('--config-test', '--config-test-log', a.slice('--config-test='.length));
    else if (a.startsWith('-t') && !a.startsWith('--')) out.push('--config-test', '--config-test-log', a.slice(2));
    else out.push(a);
  }
  return out;
}

/** The C library's SIGRTMIN through the addon (the JSON signal is SIGRTMIN+2); glibc's 34 when it is not built. */
async function liveSigrtmin(): Promise<number> {
  try {
    const { loadNative } = await import('../native/index.js');
    return loadNative().sigrtmin();
  } catch {
    return LINUX_SIGRTMIN;
  }
}

/** Build the commander program (no actions: `main` reads the options). */
export function buildProgram(io: CliIo): Command {
  const program = new Command('havipd');
  program
    .description('A keepalived-compatible VRRP daemon')
    .version(packageVersion(), '-v, --version', 'display the version number')
    .helpOption('-h, --help', 'display this help message')
    .addOption(new Option('-t, --config-test', 'check the configuration for errors and exit (output to stderr, or to FILE with -tFILE / --config-test=FILE)'))
    .addOption(new Option('--config-test-log <file>').hideHelp())
    .option('-f, --use-file <file>', `use the specified configuration file (default '${DEFAULT_CONFIG_FILE}')`)
    .option('--config <file>', 'same as --use-file')
    .option('-i, --config-id <id>', "config-id for '@id' lines (default: host name up to the first dot)")
    .option('-e, --all-config', 'error if any configuration file is missing (same as includea)')
    .option('--dump-config', 'print the parsed configuration as JSON (secrets redacted) and exit')
    .argument('[args...]')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      outputError: (s, write) => write(s),
    });
  addDaemonOptions(program);
  return program;
}

interface ParserModules {
  readonly parse: ParseFn;
  readonly redact: (config: DaemonConfig) => unknown;
}

/** The parser with the real file-system host bound, and the redactor for `--dump-config`. */
function loadParser(): ParserModules {
  const host = createConfigHost();
  return {
    // `${_RANDOM}` is random here as in the daemon (the parser is pure: randomness comes from the shell).
    parse: (file, opts) => parseConfig(file, host, { ...opts, random: Math.random }),
    redact: (config) => redactConfig(config),
  };
}

/** The daemon's settings from the same command line (keepalived's flags, plus havipd's own). */
function daemonOptions(program: Command, opts: CliOptions, settings: LoadedSettings): RunOptions {
  const o = program.opts<{
    logConsole?: boolean;
    logDetail?: boolean;
    pid?: string;
    vrrp_pid?: string;
    logFile?: string;
    transport?: 'raw' | 'udp';
    udpPort?: string;
    logFormat?: 'json' | 'pretty' | 'text';
    controlSocket?: string | false;
    controlGroup?: string;
    metricsListen?: string;
    stateDir?: string;
    ignoreSigint?: boolean;
  }>();
  const port = o.udpPort === undefined ? DEFAULT_UDP_PORT : Number(o.udpPort); // validated by main
  // The settings file's ops part (issue 11 §4) under the flags: a flag given wins.
  const so = settings.settings?.ops ?? {};
  const group = o.controlGroup ?? so.controlGroup;
  const listen = o.metricsListen ?? so.metricsListen;
  return {
    file: opts.file,
    configId: opts.configId,
    allConfig: opts.allConfig,
    transport: o.transport ?? 'raw',
    udpPort: port,
    logFormat: o.logFormat === 'pretty' || o.logFormat === 'text' || (o.logFormat === undefined && o.logConsole) ? 'pretty' : 'json',
    detail: o.logDetail === true,
    pidFile: o.pid,
    vrrpPidFile: o.vrrp_pid,
    logFile: o.logFile,
    ops: {
      version: packageVersion(),
      controlSocket: o.controlSocket === false ? null : (o.controlSocket ?? (so.controlSocket !== undefined ? so.controlSocket : DEFAULT_CONTROL_SOCKET)),
      controlGroup: group === undefined ? undefined : systemUserDb.group(group),
      metricsListen: listen === undefined ? undefined : parseListen(listen), // validated by main
      stateDir: o.stateDir ?? so.stateDir ?? DEFAULT_STATE_DIR,
    },
    settingsFile: program.opts<{ settings?: string }>().settings,
    settings,
    ignoreSigint: o.ignoreSigint === true,
  };
}

function readOptions(program: Command): CliOptions {
  const o = program.opts<{
    configTest?: boolean;
    configTestLog?: string;
    useFile?: string;
    config?: string;
    configId?: string;
    allConfig?: boolean;
    dumpConfig?: boolean;
  }>();
  return {
    configTest: o.configTest === true,
    configTestLog: o.configTestLog !== undefined && o.configTestLog !== '' ? o.configTestLog : undefined,
    file: o.useFile ?? o.config ?? DEFAULT_CONFIG_FILE,
    configId: o.configId ?? defaultConfigId(),
    allConfig: o.allConfig === true,
    dumpConfig: o.dumpConfig === true,
  };
}

/**
 * Run havipd with `argv` (as `process.argv`: node, script, args…). Resolves to the exit status; never
 * rejects and never prints a stack trace (set HAVIPD_DEBUG=1 to see one for an internal error).
 */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number | undefined> {
  mark('main');
  const args = normaliseArgs(argv.slice(2));
  // keepalived takes no positional arguments: the first bare word is a client command, or an error.
  const word = firstWord(args);
  // `havipd doctor`: the preflight (src/cli/doctor.ts), loaded only when asked for.
  if (word?.word === 'doctor') return (await import('./doctor.js')).runDoctor(args, word.index, io);
  if (word !== undefined) {
    // The control-socket client is loaded only for a command (start-up of the daemon and -t never need it).
    if ((SUBCOMMANDS as readonly string[]).includes(word.word)) return (await import('./client.js')).runClient(args, io);
    const near = suggest(word.word);
    io.stderr(`havipd: unexpected argument '${word.word.slice(0, 64)}': not a command${near ? ` (did you mean 'havipd ${near}'?)` : ''}; commands: ${SUBCOMMANDS.join(', ')}; no daemon started\n`);
    return CLIENT_EXIT.USAGE;
  }
  const program = buildProgram(io);
  try {
    program.parse(args, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // keepalived-compat: an unknown option or a missing option argument is exit 1; help and version 0.
      // Test: test/cli/cli.test.ts "keepalived-compat: an unknown option is a message and exit 1".
      return err.exitCode === 0 ? EXIT_OK : EXIT_FATAL;
    }
    throw err;
  }
  mark('command line parsed');
  const signum = program.opts<{ signum?: string }>().signum;
  // keepalived-compat: --signum answers at once, before anything else is looked at.
  // Test: test/cli/signum.test.ts "--signum JSON (separate word) and --ignore-sigint are accepted".
  if (signum !== undefined) return signumCommand(signum, io, await liveSigrtmin());
  const opts = readOptions(program);

  if (!opts.configTest && !opts.dumpConfig) {
    const port = program.opts<{ udpPort?: string }>().udpPort;
    if (port !== undefined && (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535)) {
      io.stderr(`havipd: --udp-port must be a port number 1..65535, not '${port}'\n`);
      return EXIT_FATAL;
    }
    const ml = program.opts<{ metricsListen?: string }>().metricsListen;
    if (ml !== undefined && !parseListen(ml)) {
      io.stderr(`havipd: --metrics-listen must be HOST:PORT, [IPV6]:PORT or PORT, not '${ml}'\n`);
      return 1;
    }
    const group = program.opts<{ controlGroup?: string }>().controlGroup;
    if (group !== undefined && systemUserDb.group(group) === undefined) {
      io.stderr(`havipd: --control-group: no group '${group}'\n`);
      return 1;
    }
    // The settings file: errors refuse to start, as errors in keepalived.conf do (EXIT_CONFIG).
    const settingsFlag = program.opts<{ settings?: string }>().settings;
    const settings = loadSettingsFile(settingsFlag);
    if (!settings.settings) {
      for (const d of settings.diagnostics) io.stderr(`${formatDiagnostic(d)}\n`);
      io.stderr(`havipd: settings file '${settingsFlag ?? DEFAULT_SETTINGS_FILE}' has errors, not starting\n`);
      return EXIT_CONFIG;
    }
    const so = settings.settings.ops;
    if (ml === undefined && so.metricsListen !== undefined && !parseListen(so.metricsListen)) {
      io.stderr(`havipd: ${settings.settings.file}: ops.metrics_listen must be HOST:PORT, [IPV6]:PORT or PORT, not '${so.metricsListen}'\n`);
      return EXIT_CONFIG;
    }
    if (group === undefined && so.controlGroup !== undefined && systemUserDb.group(so.controlGroup) === undefined) {
      io.stderr(`havipd: ${settings.settings.file}: ops.control_group: no group '${so.controlGroup}'\n`);
      return EXIT_CONFIG;
    }
    // The daemon (Supervisor, VRRP core, logger, edges) is loaded only to run it: -t and --version never need it.
    mark('settings read');
    const { runDaemon } = await import('./run.js');
    mark('daemon modules loaded');
    return runDaemon(daemonOptions(program, opts, settings), io);
  }

  const emit = (report: string): void => {
    if (opts.configTestLog === undefined) return io.stderr(report);
    try {
      writeFileSync(opts.configTestLog, report);
    } catch (err) {
      io.stderr(`havipd: cannot write '${opts.configTestLog}': ${(err as NodeJS.ErrnoException).code ?? String(err)}\n`);
      io.stderr(report);
    }
  };

  // Checked before loading the parser so a missing file is reported the same way whatever the parser does.
  const missing = checkMainFile(opts.file);
  if (missing) {
    emit(renderCheck(opts.file, { config: undefined, diagnostics: [missing], exitCode: CONFIG_TEST_EXIT.FATAL }));
    return CONFIG_TEST_EXIT.FATAL;
  }

  let parser: ParserModules;
  try {
    parser = loadParser();
  } catch (err) {
    io.stderr(`havipd: cannot load the config parser: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.HAVIPD_DEBUG) io.stderr(`${String((err as Error).stack)}\n`);
    return EXIT_PROGRAM_ERROR;
  }

  mark('parser loaded');
  const result = checkConfig(
    { file: opts.file, configId: opts.configId, allConfig: opts.allConfig, hostInterfaces: listHostInterfaces() },
    parser.parse,
  );
  // The havipd settings file is checked too (issue 11 §4): an error fails -t as a fatal one (4: the daemon
  // would not start); an [instance.X] keepalived.conf does not have is a warning (5, as keepalived's -t for
  // a warning). The keepalived.conf verdict comes first; the settings lines follow it.
  mark('config parsed and checked');
  let exitCode: number = result.exitCode;
  let settingsReport = '';
  if (opts.configTest) {
    const settingsFlag = program.opts<{ settings?: string }>().settings;
    const loaded = loadSettingsFile(settingsFlag);
    const checked = settingsForConfig(loaded, result.config?.instances.map((i) => i.name) ?? []);
    const diags = result.config || !loaded.settings ? checked.diagnostics : loaded.diagnostics;
    if (diags.length > 0 || settingsFlag !== undefined || loaded.text !== '') {
      const errors = diags.filter((d) => d.severity === 'error').length;
      const warnings = diags.length - errors;
      if (errors > 0 && (exitCode === CONFIG_TEST_EXIT.OK || exitCode === CONFIG_TEST_EXIT.CONFIG)) exitCode = CONFIG_TEST_EXIT.FATAL;
      else if (warnings > 0 && exitCode === CONFIG_TEST_EXIT.OK) exitCode = CONFIG_TEST_EXIT.CONFIG;
      const file = settingsFlag ?? DEFAULT_SETTINGS_FILE;
      settingsReport = `${diags.map((d) => `${formatDiagnostic(d)}\n`).join('')}${file}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}; ${errors > 0 ? 'settings refused' : 'settings OK'}\n`;
    }
  }
  if (opts.configTest || result.exitCode !== 0) emit(renderCheck(opts.file, result) + settingsReport);

  mark('report written');
  if (opts.dumpConfig && result.config !== undefined) {
    try {
      io.stdout(`${JSON.stringify(parser.redact(result.config), null, 2)}\n`);
    } catch (err) {
      io.stderr(`havipd: internal error while dumping the configuration: ${err instanceof Error ? err.message : String(err)}\n`);
      return EXIT_PROGRAM_ERROR;
    }
  }
  return exitCode;
}
