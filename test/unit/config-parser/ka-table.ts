// Table-driven helper for config-parser tests checked against keepalived 2.2.7: each case is a config text, the
// exit code `keepalived -t` gave for it (run in a network namespace with eth0 and eth1, see
// /tmp/hv-p2b/ka-cases.sh in the commit message), and value assertions on havipd's result.
// Set HAVIPD_DUMP_KA_CASES=DIR to write every case to DIR/<title>.conf with its expected code, to re-check them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { configTestExitCode } from '../../../src/cli/config-test.js';
import type { ParseResult } from '../../../src/config-parser/types.js';
import { parseText } from '../../support/parse-text.js';

export const HOST_IFS = ['lo', 'eth0', 'eth1'];

export interface KaCase {
  readonly title: string;
  readonly conf: string;
  /** `keepalived -t` exit code (2.2.7), or undefined when not checked against keepalived (our own lint). */
  readonly rc: number | undefined;
  /** Diagnostic codes havipd must report (in any order; others may be present). */
  readonly codes?: readonly string[];
  readonly check?: (r: ParseResult) => void;
}

const dumpDir = process.env.HAVIPD_DUMP_KA_CASES;

/** Registers one `it` per case: havipd's `-t` exit code equals keepalived's, the codes are present, the checks hold. */
export function kaCases(prefix: string, cases: readonly KaCase[]): void {
  for (const c of cases) {
    const title = c.rc === undefined ? c.title : `${c.title} (verified with keepalived 2.2.7: -t exits ${c.rc})`;
    it(title, () => {
      if (dumpDir && c.rc !== undefined) {
        mkdirSync(dumpDir, { recursive: true });
        writeFileSync(join(dumpDir, `${prefix}--${c.title.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 80)}.conf`), `# expect: ${c.rc}\n${c.conf}`);
      }
      const r = parseText(c.conf, { hostInterfaces: HOST_IFS });
      if (c.rc !== undefined) expect(configTestExitCode(r.diagnostics)).toBe(c.rc);
      const codes = r.diagnostics.map((d) => d.code);
      for (const code of c.codes ?? []) expect(codes).toContain(code);
      c.check?.(r);
    });
  }
}

/** A minimal valid instance (eth0, VRID 51, one VIP), with extra lines. */
export const inst = (body = '', name = 'VI_1', vrid = 51): string => `vrrp_instance ${name} {
  interface eth0
  virtual_router_id ${vrid}
  virtual_ipaddress {
    10.0.0.${vrid}/24
  }
${body}
}
`;
