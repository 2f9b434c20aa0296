// Public API of the config parser (pure): parseConfig / parseLines, the DaemonConfig types, dump helpers.

export { parseConfig, parseLines } from './parse.js';
export type { ParseOptions, ParseLinesOptions } from './parse.js';
export { formatDiagnostic, suggestKeyword } from './diagnostics.js';
export { redactConfig } from './redact.js';
export { splitCommand } from './command.js';
export * from './types.js';
