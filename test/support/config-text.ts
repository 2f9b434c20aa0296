// Test configs built the way the daemon builds them: keepalived.conf text through the real config parser
// (preprocessor, keyword tables, defaults, lints), so tests exercise keepalived 2.2.7's real defaults
// instead of hand-written 40-field literals.
import type { DaemonConfig, Diagnostic, VrrpInstanceConfig } from '../../src/config-parser/types.js';
import { formatDiagnostic } from '../../src/config-parser/diagnostics.js';
import { parseText } from './parse-text.js';

export interface ParsedConfig {
  readonly config: DaemonConfig;
  /** Warnings and notices the parser gave (errors make `parsedConfig` throw). */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Parses `text` as /etc/keepalived/keepalived.conf (`extra`: more files by absolute path, e.g. included
 * ones or track files) and returns the resolved config. Throws — failing the test — when the parser gives
 * any error, or when `strict` and it gives a warning.
 */
export function parsedConfig(text: string, o: { extra?: Record<string, string>; strict?: boolean } = {}): ParsedConfig {
  const r = parseText(text, {}, o.extra ?? {});
  const bad = r.diagnostics.filter((d) => d.severity === 'error' || (o.strict === true && d.severity === 'warning'));
  if (!r.config || bad.length > 0) {
    throw new Error(`test config does not parse:\n${(bad.length > 0 ? bad : r.diagnostics).map((d) => formatDiagnostic(d)).join('\n')}\n--- config ---\n${text}`);
  }
  return { config: r.config, diagnostics: r.diagnostics };
}

/** The resolved DaemonConfig of `text` (see `parsedConfig`; warnings are allowed). */
export function configFromText(text: string, extra: Record<string, string> = {}): DaemonConfig {
  return parsedConfig(text, { extra }).config;
}

/** The resolved instances of `text`. */
export function instancesFromText(text: string): readonly VrrpInstanceConfig[] {
  return configFromText(text).instances;
}

/** One `vrrp_instance` block (keepalived.conf text) from a few common settings; `extra` lines go inside. */
export function instanceText(o: {
  name?: string;
  state?: 'MASTER' | 'BACKUP';
  iface?: string;
  vrid?: number;
  priority?: number;
  advertInt?: number | string;
  version?: 2 | 3;
  vips?: readonly string[];
  extra?: readonly string[];
} = {}): string {
  const lines = [
    `vrrp_instance ${o.name ?? 'VI_1'} {`,
    `  state ${o.state ?? ((o.priority ?? 100) === 255 ? 'MASTER' : 'BACKUP')}`,
    `  interface ${o.iface ?? 'eth0'}`,
    `  virtual_router_id ${o.vrid ?? 51}`,
    `  priority ${o.priority ?? 100}`,
    `  advert_int ${o.advertInt ?? 1}`,
    ...(o.version ? [`  version ${o.version}`] : []),
    ...(o.extra ?? []).map((l) => `  ${l}`),
    '  virtual_ipaddress {',
    ...(o.vips ?? ['10.0.0.100']).map((v) => `    ${v}`),
    '  }',
    '}',
  ];
  return lines.join('\n') + '\n';
}
