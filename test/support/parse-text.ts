// Test helper: parse a config given as text through the real preprocessor and an in-memory host.
import { parseConfig, type ParseOptions } from '../../src/config-parser/parse.js';
import type { Diagnostic, ParseResult } from '../../src/config-parser/types.js';
import { FakeConfigHost } from './fake-config-host.js';

export function parseText(text: string, opts: Partial<ParseOptions> = {}, extra: Record<string, string> = {}): ParseResult {
  const host = new FakeConfigHost({ '/etc/keepalived/keepalived.conf': text, ...extra });
  return parseConfig('/etc/keepalived/keepalived.conf', host, { configId: 'test', allConfig: false, ...opts });
}

/** Diagnostics as `line:col severity code kaClass message` lines (file name dropped). */
export function diagLines(r: ParseResult): string[] {
  return r.diagnostics.map((d) => `${d.pos?.line ?? '-'}:${d.pos?.col ?? '-'} ${d.severity} ${d.code} ${d.kaClass ?? '-'} ${d.message}`);
}

/** `file:line:col severity code message (hint)`: the one-line form the golden config files record. */
export function goldenDiagnosticLine(d: Diagnostic): string {
  const where = d.pos ? `${d.pos.file}:${d.pos.line}:${d.pos.col}` : '-';
  const hint = d.hint !== undefined ? ` (${d.hint})` : '';
  return `${where} ${d.severity} ${d.code} ${d.message}${hint}`;
}
