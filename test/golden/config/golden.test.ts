// Golden configs: each *.conf → normalised, redacted JSON (*.json) and the exact diagnostics (*.diag).
// Regenerate after a reviewed change with HAVIPD_UPDATE_GOLDEN=1.
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { redactConfig } from '../../../src/config-parser/redact.js';
import { goldenDiagnosticLine, parseText } from '../../support/parse-text.js';

const dir = new URL('.', import.meta.url).pathname;
const update = process.env.HAVIPD_UPDATE_GOLDEN === '1';

describe('golden configs', () => {
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.conf')).sort()) {
    it(f, () => {
      const r = parseText(readFileSync(join(dir, f), 'utf8'), { hostInterfaces: ['lo', 'eth0', 'eth1'] });
      const json = `${JSON.stringify(r.config === undefined ? null : redactConfig(r.config), null, 2)}\n`;
      const diags = `${r.diagnostics.map((d) => goldenDiagnosticLine(d).replace('/etc/keepalived/keepalived.conf', f) + ` [${d.kaClass ?? '-'}]`).join('\n')}\n`;
      const jf = join(dir, f.replace(/\.conf$/, '.json'));
      const df = join(dir, f.replace(/\.conf$/, '.diag'));
      if (update || !existsSync(jf)) {
        writeFileSync(jf, json);
        writeFileSync(df, diags);
      }
      expect(json).toBe(readFileSync(jf, 'utf8'));
      expect(diags).toBe(readFileSync(df, 'utf8'));
      expect(json).not.toMatch(/hunter2|secretpa/);
      expect(diags).not.toMatch(/hunter2|secretpa/);
    });
  }
});
