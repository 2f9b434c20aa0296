// Block semantics of dispatch.ts (keepalived 2.2.7 lib/parser.c process_stream / alloc_value_block).
import { describe, expect } from 'vitest';
import { inst, kaCases } from './ka-table.js';

describe('dispatch: block semantics', () => {
  kaCases('dispatch', [
    {
      title: "unknown block is not skipped: its lines apply to the enclosing block and its '}' closes it",
      conf: 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  foo_block {\n    priority 200\n  }\n  advert_int 3\n  virtual_ipaddress {\n    10.0.0.1/24\n  }\n}\n',
      rc: 5,
      codes: ['unknown-keyword', 'unexpected-open-brace'],
      check: (r) => expect(r.config!.instances[0]).toMatchObject({ priority: 200, advertInt: 1_000_000, vips: [] }),
    },
    { title: "missing '{' after a named block", conf: 'vrrp_instance VI_1\n  interface eth0\n  virtual_router_id 51\n}\n', rc: 5 },
    { title: "missing '}' at end of file", conf: 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n    10.0.0.1/24\n  }\n', rc: 5, codes: ['missing-close-brace'], check: (r) => expect(r.config!.instances).toHaveLength(1) },
    { title: "extra '}'", conf: inst() + '}\n', rc: 5, codes: ['unknown-keyword'], check: (r) => expect(r.config!.instances).toHaveLength(1) },
    {
      title: "value block items on the '{' line",
      conf: 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress { 10.0.0.1/24 10.0.0.2 }\n}\n',
      rc: 5,
      // one address per line: the second word is an unknown address option (reported), the first address is kept
      codes: ['unknown-address-option'],
      check: (r) => expect(r.config!.instances[0]!.vips.map((v) => v.address)).toEqual(['10.0.0.1']),
    },
    {
      title: 'LVS and BFD blocks skipped cleanly (a complete virtual_server is silent)',
      conf: inst() + 'virtual_server 10.0.0.1 80 {\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n  real_server 10.0.0.2 80 {\n    weight 1\n    TCP_CHECK {\n      connect_timeout 3\n    }\n  }\n}\n',
      rc: 0,
      codes: ['block-skipped'],
      check: (r) => expect(r.diagnostics.filter((d) => d.kaClass !== undefined)).toEqual([]),
    },
    { title: 'virtual_server without protocol (checker reports it)', conf: inst() + 'virtual_server 10.0.0.1 80 {\n  lb_algo rr\n  lb_kind NAT\n  real_server 10.0.0.2 80 {\n    weight 1\n  }\n}\n', rc: 5, codes: ['lvs-no-protocol'] },
    { title: 'fwmark virtual_server with a protocol', conf: inst() + 'virtual_server fwmark 1 {\n  lb_algo rr\n  lb_kind DR\n  protocol TCP\n  real_server 10.0.0.2 80 {\n    weight 1\n  }\n}\n', rc: 5, codes: ['lvs-fwmark-protocol'] },
    { title: 'virtual_server without real servers', conf: inst() + 'virtual_server 10.0.0.1 80 {\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n}\n', rc: 5, codes: ['lvs-no-real-server'] },
    { title: 'missing keyword argument stops the parse', conf: inst('  priority'), rc: 2, codes: ['missing-parameter'], check: (r) => expect(r.config).toBeUndefined() },
    { title: 'unmatched quote in a notify command is not fatal', conf: inst('  notify_master "/bin/echo x'), rc: 5, codes: ['command-dropped'], check: (r) => expect(r.config!.instances[0]!.notify.master).toBeUndefined() },
  ]);
});
