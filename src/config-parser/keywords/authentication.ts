// Keyword table of `authentication { auth_type PASS|AH; auth_pass SECRET }` inside a vrrp_instance
// (reference §1.9.3). The password never appears in a diagnostic.

import type { InstanceDraft } from './state.js';
import type { KeywordTable } from './table.js';
import { plain } from './table.js';

export interface AuthDraft {
  readonly instance: InstanceDraft;
}

export const authenticationTable: KeywordTable<AuthDraft> = {
  auth_type: plain((a, ctx) => {
    const t = ctx.arg(1)!;
    if (t === 'PASS' || t === 'AH') a.instance.authType = t;
    else ctx.report('error', 'invalid-auth-type', 'GENERAL_ERROR', `unknown authentication type '${t}' (expected PASS or AH)`, { tok: 1, subject: a.instance.name });
  }, 1),
  auth_pass: plain((a, ctx) => {
    const p = ctx.arg(1)!;
    if (p.length > 8) {
      // keepalived-compat: truncated to 8 characters with an error. The secret itself is never echoed.
      // Test: test/unit/config-parser/keywords-vrrp-instance.test.ts "auth_pass longer than 8 is truncated with an error that does not contain the secret".
      ctx.report('error', 'auth-pass-truncated', 'GENERAL_ERROR', `auth_pass is longer than 8 characters (${p.length}); only the first 8 are used`, { tok: 1, subject: a.instance.name });
    }
    a.instance.authPass = p.slice(0, 8);
  }, 1),
};
