// `havipd -t`: run the config parser, print its diagnostics and derive keepalived 2.2.7's `-t` exit code
// (reference §1.8 and §4.2).

import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { hostScriptDiagnostics } from '../tracking/trackers.js';
import { mark } from '../startup-trace.js';
import { clip, formatDiagnostic, printable } from '../config-parser/diagnostics.js';
import { CONFIG_TEST_EXIT, EXIT_PROGRAM_ERROR, type ConfigTestExit } from '../exit-codes.js';
import {
  KEEPALIVED_ERROR_CLASSES,
  type DaemonConfig,
  type Diagnostic,
  type KeepalivedErrorClass,
  type ParseResult,
} from '../config-parser/types.js';

/** keepalived's default configuration file. */
export const DEFAULT_CONFIG_FILE = '/etc/keepalived/keepalived.conf';

export { CONFIG_TEST_EXIT, EXIT_PROGRAM_ERROR, formatDiagnostic, type ConfigTestExit };

const classRank = (c: KeepalivedErrorClass): number => KEEPALIVED_ERROR_CLASSES.indexOf(c);

/**
 * The class keepalived keeps as its config status: the one with the highest enum value seen (it replaces
 * the status whenever `status < new`), so a late WARNING outranks an earlier BAD_IF.
 * Diagnostics whose `kaClass` is `undefined` (havipd's own lints) are not counted.
 */
export function worstClass(diagnostics: readonly Diagnostic[]): KeepalivedErrorClass | undefined {
  let worst: KeepalivedErrorClass | undefined;
  for (const d of diagnostics) {
    if (d.kaClass === undefined) continue;
    if (worst === undefined || classRank(d.kaClass) > classRank(worst)) worst = d.kaClass;
  }
  return worst;
}

/**
 * Include-check failures (`includer`/`includem`/`includea`…, `-e`, `include_check`): keepalived leaves
 * through its config-file-error path with 6 before validation. The parser reports them as FILE_NOT_FOUND
 * with an `include-…` code (a missing *main* file is FILE_NOT_FOUND with another code: 4).
 */
export function isIncludeCheckError(d: Diagnostic): boolean {
  return d.kaClass === 'FILE_NOT_FOUND' && d.code.startsWith('include-');
}

/**
 * keepalived 2.2.7's `-t` exit code for a list of diagnostics:
 * - 2 when a keyword missed its argument (MISSING_PARAMETER: keepalived exits from inside the parser);
 * - 6 when an include check failed (keepalived stops after reading the files);
 * - otherwise from the worst class (see {@link worstClass}): none → 0; FILE_NOT_FOUND, BAD_IF, FATAL → 4;
 *   SECURITY_ERROR → 6; anything else, warnings and deprecations included → 5.
 *
 * keepalived-compat: a warning alone makes `-t` fail with 5, as in keepalived.
 * Does not look at `severity`: only `kaClass` (and the include-check code) decide.
 * Test: test/cli/config-test.test.ts "keepalived-compat: a lone WARNING → 5".
 */
export function configTestExitCode(diagnostics: readonly Diagnostic[]): ConfigTestExit {
  if (diagnostics.some((d) => d.kaClass === 'MISSING_PARAMETER')) return CONFIG_TEST_EXIT.MISSING_PARAMETER;
  if (diagnostics.some(isIncludeCheckError)) return CONFIG_TEST_EXIT.SECURITY;
  const worst = worstClass(diagnostics);
  switch (worst) {
    case undefined:
      return CONFIG_TEST_EXIT.OK;
    case 'FILE_NOT_FOUND':
    case 'BAD_IF':
    case 'FATAL':
      return CONFIG_TEST_EXIT.FATAL;
    case 'SECURITY_ERROR':
      return CONFIG_TEST_EXIT.SECURITY;
    default:
      return CONFIG_TEST_EXIT.CONFIG;
  }
}

/** The `summary` line printed after the diagnostics. */
export function summaryLine(file: string, diagnostics: readonly Diagnostic[], code: number): string {
  const count = (s: Diagnostic['severity']): number => diagnostics.filter((d) => d.severity === s).length;
  const e = count('error');
  const w = count('warning');
  const i = count('info');
  const parts = [`${e} error${e === 1 ? '' : 's'}`, `${w} warning${w === 1 ? '' : 's'}`];
  if (i > 0) parts.push(`${i} note${i === 1 ? '' : 's'}`);
  const verdict = code === 0 ? 'configuration OK' : `exit ${code}`;
  return `${printable(file)}: ${parts.join(', ')}; ${verdict}`;
}

/** The config-id keepalived uses when `-i` is not given: the node name up to the first dot. */
export function defaultConfigId(nodeName: string = hostname()): string {
  const dot = nodeName.indexOf('.');
  return dot < 0 ? nodeName : nodeName.slice(0, dot);
}

/**
 * Why the main config file cannot be read, as a diagnostic, or `undefined` when it is a readable
 * regular file.
 *
 * Deliberate difference from keepalived 2.2.7: it reports `Config files missing` / `is a directory` but
 * exits 0 from `-t` unless `-e` is given; havipd refuses with 4 (FILE_NOT_FOUND) in every case, since
 * a config test that passes on no config at all is a trap.
 */
export function checkMainFile(file: string): Diagnostic | undefined {
  const problem = (code: string, message: string, hint?: string): Diagnostic => ({
    severity: 'error',
    code,
    kaClass: 'FILE_NOT_FOUND',
    pos: undefined,
    message,
    ...(hint !== undefined ? { hint } : {}),
  });
  let st;
  try {
    st = statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return problem('config-file-not-found', `configuration file '${file}' does not exist`, 'give the file with -f FILE');
    }
    return problem('config-file-unreadable', `cannot read configuration file '${file}': ${code ?? String(err)}`);
  }
  if (st.isDirectory()) {
    return problem('config-file-is-directory', `configuration file '${file}' is a directory`, 'give a file, not a directory, with -f FILE');
  }
  if (!st.isFile()) return problem('config-file-not-regular', `configuration file '${file}' is not a regular file`);
  try {
    accessSync(file, fsConstants.R_OK);
  } catch (err) {
    return problem('config-file-unreadable', `cannot read configuration file '${file}': ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return undefined;
}

/** The parser as the CLI calls it (`parseConfig` with its host already bound). */
export type ParseFn = (mainFile: string, opts: { configId: string; allConfig: boolean; hostInterfaces?: readonly string[] }) => ParseResult;

export interface ConfigCheckOptions {
  readonly file: string;
  readonly configId: string;
  readonly allConfig: boolean;
  readonly hostInterfaces: readonly string[];
}

export interface ConfigCheckResult {
  readonly config: DaemonConfig | undefined;
  readonly diagnostics: readonly Diagnostic[];
  readonly exitCode: number;
  /** Set when the parser itself failed (a havipd bug); the message, never a stack trace. */
  readonly internalError?: string;
}

/** Checks that need the host after parsing (script files and users); returns diagnostics to append. */
export type HostCheck = (config: DaemonConfig | undefined, diagnostics: readonly Diagnostic[]) => readonly Diagnostic[];

/**
 * Check the main file, run the parser, add the host's script checks and compute the exit code. Never
 * throws: a parser exception is turned into `internalError` with exit 70, so no input can produce a
 * stack trace.
 */
export function checkConfig(opts: ConfigCheckOptions, parse: ParseFn, hostCheck: HostCheck = hostScriptDiagnostics): ConfigCheckResult {
  const missing = checkMainFile(opts.file);
  if (missing) return { config: undefined, diagnostics: [missing], exitCode: CONFIG_TEST_EXIT.FATAL };
  let result: ParseResult;
  try {
    result = parse(opts.file, { configId: opts.configId, allConfig: opts.allConfig, hostInterfaces: opts.hostInterfaces });
  } catch (err) {
    const msg = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return { config: undefined, diagnostics: [], exitCode: EXIT_PROGRAM_ERROR, internalError: clip(msg) };
  }
  mark('config parsed');
  // keepalived checks the scripts (found, executable, secure) after parsing: same verdicts here.
  let diagnostics = result.diagnostics;
  try {
    diagnostics = [...diagnostics, ...hostCheck(result.config, diagnostics)];
  } catch (err) {
    const msg = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return { config: result.config, diagnostics, exitCode: EXIT_PROGRAM_ERROR, internalError: clip(msg) };
  }
  return { config: result.config, diagnostics, exitCode: configTestExitCode(diagnostics) };
}

/** Render a check result as the lines `havipd -t` prints (diagnostics, then one summary line). */
/** At most this many diagnostics are printed; the rest are counted (a 10 MB line is 10 000 of them). */
export const MAX_PRINTED_DIAGNOSTICS = 200;

export function renderCheck(file: string, r: ConfigCheckResult): string {
  const shown = r.diagnostics.slice(0, MAX_PRINTED_DIAGNOSTICS);
  const lines = shown.map((d) => formatDiagnostic(d, file));
  const hidden = r.diagnostics.length - shown.length;
  if (hidden > 0) lines.push(`${printable(file)}: … and ${hidden} more diagnostic(s) not shown`);
  if (r.internalError !== undefined) {
    lines.push(`${printable(file)}: internal error in havipd's config parser: ${printable(r.internalError)} (please report this with the config)`);
    lines.push(`${printable(file)}: exit ${r.exitCode}`);
  } else {
    lines.push(summaryLine(file, r.diagnostics, r.exitCode));
  }
  return `${lines.join('\n')}\n`;
}
