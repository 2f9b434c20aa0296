// `havipd doctor`: the checklist as text (one line per finding, one line of advice under each problem) and
// as the stable `--json` document (schema 1), and the exit code. Pure.

import { DOCTOR_EXIT } from '../exit-codes.js';
import type { Cloud } from './cloud.js';
import type { Finding, FindingStatus } from './checks.js';

/** The `--json` document. Fields are only ever added; a removal or change of meaning bumps `schema`. */
export interface DoctorReport {
  readonly schema: 1;
  readonly version: string;
  readonly configFile: string;
  readonly cloud: { readonly id: string; readonly name: string; readonly evidence: string } | null;
  /** Seconds listened for VRRP; null when doctor did not listen. */
  readonly listenSeconds: number | null;
  readonly findings: readonly {
    readonly check: string;
    readonly status: FindingStatus;
    readonly subject: string;
    readonly message: string;
    readonly advice: string | null;
  }[];
  readonly summary: Readonly<Record<FindingStatus, number>>;
  readonly exitCode: number;
}

export function doctorExitCode(findings: readonly Finding[]): number {
  return findings.some((f) => f.status === 'fail') ? DOCTOR_EXIT.FAIL : DOCTOR_EXIT.OK;
}

export function summarise(findings: readonly Finding[]): Record<FindingStatus, number> {
  const s: Record<FindingStatus, number> = { ok: 0, warn: 0, fail: 0, skip: 0 };
  for (const f of findings) s[f.status]++;
  return s;
}

export function buildReport(o: { version: string; configFile: string; cloud: Cloud | undefined; listenSeconds: number | undefined; findings: readonly Finding[] }): DoctorReport {
  return {
    schema: 1,
    version: o.version,
    configFile: o.configFile,
    cloud: o.cloud ? { id: o.cloud.id, name: o.cloud.name, evidence: o.cloud.evidence } : null,
    listenSeconds: o.listenSeconds ?? null,
    findings: o.findings.map((f) => ({ check: f.check, status: f.status, subject: f.subject, message: f.message, advice: f.advice ?? null })),
    summary: summarise(o.findings),
    exitCode: doctorExitCode(o.findings),
  };
}

/** Control characters out of text that came from the system (interface names, rule text). */
const clean = (s: string): string => s.replace(/[\u0000-\u001f\u007f]/g, '?');

export function renderText(r: DoctorReport): string {
  const lines = [`havipd doctor ${r.version}: ${clean(r.configFile)}`];
  const width = Math.max(0, ...r.findings.map((f) => f.check.length));
  for (const f of r.findings) {
    const subject = f.subject ? `${clean(f.subject)}: ` : '';
    lines.push(`${f.status.padEnd(4)}  ${f.check.padEnd(width)}  ${subject}${clean(f.message)}`);
    if (f.advice !== null && (f.status === 'fail' || f.status === 'warn')) lines.push(`${' '.repeat(6 + width + 2)}→ ${clean(f.advice)}`);
  }
  const s = r.summary;
  const verdict = s.fail > 0 ? 'failover would break' : s.warn > 0 ? 'no failure found; read the warnings' : 'failover looks ready';
  lines.push(`${s.ok} ok, ${s.warn} warning${s.warn === 1 ? '' : 's'}, ${s.fail} failure${s.fail === 1 ? '' : 's'}, ${s.skip} skipped: ${verdict} (exit ${r.exitCode})`);
  return `${lines.join('\n')}\n`;
}
