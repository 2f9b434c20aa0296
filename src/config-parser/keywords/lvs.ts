// The few checks keepalived 2.2.7's checker process makes on a `virtual_server` block that change the exit code
// of `keepalived -t` (check_data.c validate_check_config). havipd does not implement LVS: the block is still
// skipped as keepalived's VRRP process skips it; only its outline is read here (protocol, scheduler, forwarding
// method, port / persistence, real servers).

import type { KwCtx, Line } from './table.js';

const isBrace = (l: Line, b: '{' | '}'): boolean => l.tokens.length === 1 && l.tokens[0]!.text === b && !l.tokens[0]!.quoted;

/** Checks the lines inside `virtual_server … { … }` (without the outer braces); `ctx` is the keyword line's. */
export function checkVirtualServer(inner: readonly Line[], ctx: KwCtx): void {
  const kind = ctx.arg(1) === 'fwmark' ? 'fwmark' : ctx.arg(1) === 'group' ? 'group' : 'address';
  const name = ctx.tokens.slice(1).map((t) => t.text).join(' ');
  let protocol = false;
  let sched = false;
  let vsMethod = false;
  let persistent = false;
  const realServers: { key: string; method: boolean }[] = [];
  let depth = 0;
  let current: { key: string; method: boolean } | undefined;
  for (const l of inner) {
    if (isBrace(l, '{')) { depth++; continue; }
    if (isBrace(l, '}')) { depth--; if (depth === 0) current = undefined; continue; }
    const kw = l.tokens[0]?.text;
    if (kw === undefined) continue;
    if (depth === 0) {
      if (kw === 'protocol') protocol = true;
      else if (kw === 'lb_algo' || kw === 'lvs_sched') sched = true;
      else if (kw === 'lb_kind' || kw === 'lvs_method') vsMethod = true;
      else if (kw === 'persistence_timeout') persistent = true;
      else if (kw === 'real_server') {
        current = { key: l.tokens.slice(1).map((t) => t.text).join(' '), method: false };
        realServers.push(current);
      } else current = undefined;
    } else if (depth === 1 && current !== undefined && (kw === 'lb_kind' || kw === 'lvs_method')) current.method = true;
  }
  const report = (code: string, message: string): void => ctx.report('warning', code, 'GENERAL_ERROR', `virtual_server ${name}: ${message} (keepalived's checker reports this; havipd does not run LVS)`);
  if (realServers.length === 0) {
    report('lvs-no-real-server', 'no real_server - ignored');
    return;
  }
  if (kind === 'address') {
    if (!protocol) report('lvs-no-protocol', 'no protocol set - keepalived defaults to UDP');
    const port = ctx.arg(2);
    if (!persistent && (port === undefined || /^0+$/.test(port))) report('lvs-zero-port', 'a zero port is only valid for persistent services - persistence set');
  } else if (kind === 'fwmark' && protocol) report('lvs-fwmark-protocol', 'a protocol given for a fwmark service is ignored');
  if (!sched) report('lvs-no-scheduler', "no scheduler (lb_algo) set - keepalived uses 'wlc'");
  if (!vsMethod && realServers.some((r) => !r.method)) report('lvs-no-forwarding-method', 'no forwarding method (lb_kind) set - keepalived uses NAT');
  const seen = new Set<string>();
  for (const r of realServers) {
    if (seen.has(r.key)) report('lvs-duplicate-real-server', `real_server ${r.key} is listed twice - the second is removed`);
    seen.add(r.key);
  }
}
