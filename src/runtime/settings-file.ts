// Reading the havipd settings file (issue 11 §4) — the shell side of src/config-parser/settings.ts: the file
// is read here and its text parsed there. A missing default file means "no settings"; a missing file given
// with `--settings` is an error, as a missing keepalived.conf is.

import { readFileSync, statSync } from 'node:fs';
import type { Diagnostic } from '../config-parser/types.js';
import { makeDiagnostic } from '../config-parser/diagnostics.js';
import { checkSettingsInstances, DEFAULT_SETTINGS, DEFAULT_SETTINGS_FILE, parseSettings, withoutUnknownInstances, type HavipdSettings } from '../config-parser/settings.js';

/** Settings files larger than this are refused (a settings file is a few hundred bytes). */
export const MAX_SETTINGS_BYTES = 1024 * 1024;

export interface LoadedSettings {
  /** undefined when there are errors. */
  readonly settings: HavipdSettings | undefined;
  readonly diagnostics: readonly Diagnostic[];
  /** The file's text (for the instance-name check), '' when none was read. */
  readonly text: string;
}

/**
 * Reads and parses the settings file: `file` given = `--settings FILE` (must exist), undefined = the
 * default path (may be missing: built-in defaults).
 */
export function loadSettingsFile(file: string | undefined): LoadedSettings {
  const path = file ?? DEFAULT_SETTINGS_FILE;
  const fail = (code: string, message: string): LoadedSettings => ({ settings: undefined, text: '', diagnostics: [makeDiagnostic({ severity: 'error', code, kaClass: undefined, message, pos: { file: path, line: 1, col: 1 } })] });
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) return fail('settings-file-not-regular', `settings file '${path}' is not a regular file`);
    size = st.size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    if (file === undefined && code === 'ENOENT') return { settings: DEFAULT_SETTINGS, diagnostics: [], text: '' };
    return fail('settings-file-missing', `cannot read settings file '${path}': ${code}`);
  }
  if (size > MAX_SETTINGS_BYTES) return fail('settings-file-too-large', `settings file '${path}' is larger than ${MAX_SETTINGS_BYTES} bytes`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return fail('settings-file-missing', `cannot read settings file '${path}': ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const r = parseSettings(text, path);
  return { settings: r.settings, diagnostics: r.diagnostics, text };
}

/** The settings checked against keepalived.conf's instance names: warnings for unknown ones, which are dropped. */
export function settingsForConfig(loaded: LoadedSettings, instanceNames: readonly string[]): { settings: HavipdSettings | undefined; diagnostics: Diagnostic[] } {
  if (!loaded.settings) return { settings: undefined, diagnostics: [...loaded.diagnostics] };
  const warnings = checkSettingsInstances(loaded.settings, loaded.text, instanceNames);
  return { settings: withoutUnknownInstances(loaded.settings, instanceNames), diagnostics: [...loaded.diagnostics, ...warnings] };
}
