// Pure argument building of the route / rule edge (src/edges/routes.ts; keepalived 2.2.7 vrrp_iproute.c
// alloc_route() / netlink_route(), vrrp_iprule.c alloc_rule() / netlink_rule()).
import { describe, expect, it } from 'vitest';
import { defaultRulePreferences, itemFamily, routeArgs, routeErrno, ruleArgs } from '../../../src/edges/routes.js';
import { routeHasDestination } from '../../../src/config-parser/keywords/route-rule.js';

describe('routeArgs', () => {
  it('prepend (keepalived: NLM_F_CREATE only) with proto keepalived; del with the same selectors', () => {
    expect(routeArgs('add', '192.168.50.0/24 via 10.0.0.254 dev eth0')).toEqual(['-4', 'route', 'prepend', '192.168.50.0/24', 'dev', 'eth0', 'via', '10.0.0.254', 'proto', '18']);
    expect(routeArgs('del', '192.168.50.0/24 via 10.0.0.254 dev eth0')).toEqual(['-4', 'route', 'del', '192.168.50.0/24', 'dev', 'eth0', 'via', '10.0.0.254', 'proto', '18']);
  });
  it('gw is via; to, inet and no_track are dropped; table, metric, src, scope pass', () => {
    expect(routeArgs('add', 'to 10.1.0.0/16 gw 10.0.0.1 table 100 metric 5 src 10.0.0.100 scope global no_track')).toEqual([
      '-4', 'route', 'prepend', '10.1.0.0/16', 'table', '100', 'metric', '5', 'src', '10.0.0.100', 'scope', 'global', 'via', '10.0.0.1', 'proto', '18',
    ]);
  });
  it('types: blackhole / unreachable / prohibit before the destination', () => {
    expect(routeArgs('add', 'blackhole 10.2.0.0/16')).toEqual(['-4', 'route', 'prepend', 'blackhole', '10.2.0.0/16', 'proto', '18']);
    expect(routeArgs('del', 'to unreachable 10.3.0.0/16 table 7')).toEqual(['-4', 'route', 'del', 'unreachable', '10.3.0.0/16', 'table', '7', 'proto', '18']);
  });
  it('IPv6 gets -6 (address or inet6)', () => {
    expect(routeArgs('add', '2001:db8:1::/64 via fe80::1 dev eth0')[0]).toBe('-6');
    expect(routeArgs('add', 'inet6 default dev eth0')).toEqual(['-6', 'route', 'prepend', 'default', 'dev', 'eth0', 'proto', '18']);
    expect(itemFamily('default dev eth0')).toBe(4);
  });
  it('add / append / prepend words pick the command', () => {
    expect(routeArgs('add', '10.4.0.0/16 dev eth0 add')[2]).toBe('add');
    expect(routeArgs('add', '10.4.0.0/16 dev eth0 append')[2]).toBe('append');
    expect(routeArgs('del', '10.4.0.0/16 dev eth0 append')[2]).toBe('del');
  });
  it('protocol: forced to 18 for a tracked route, kept with no_track', () => {
    expect(routeArgs('add', '10.5.0.0/16 dev eth0 protocol static')).toContain('18');
    expect(routeArgs('add', '10.5.0.0/16 dev eth0 protocol static no_track').slice(-2)).toEqual(['proto', 'static']);
  });
  it('or ADDR is a two-way multipath; nexthop passes through; track_group dropped; mtu lock', () => {
    expect(routeArgs('add', '10.6.0.0/16 via 10.0.0.1 or 10.0.0.2')).toEqual(['-4', 'route', 'prepend', '10.6.0.0/16', 'proto', '18', 'nexthop', 'via', '10.0.0.1', 'nexthop', 'via', '10.0.0.2']);
    expect(routeArgs('add', '10.7.0.0/16 nexthop via 10.0.0.1 dev eth0 weight 2 nexthop via 10.0.0.2')).toEqual([
      '-4', 'route', 'prepend', '10.7.0.0/16', 'proto', '18', 'nexthop', 'via', '10.0.0.1', 'dev', 'eth0', 'weight', '2', 'nexthop', 'via', '10.0.0.2',
    ]);
    expect(routeArgs('add', '10.8.0.0/16 dev eth0 track_group G mtu lock 1400')).toEqual(['-4', 'route', 'prepend', '10.8.0.0/16', 'dev', 'eth0', 'mtu', 'lock', '1400', 'proto', '18']);
  });
  it('the parser and the edge agree on which items have a destination', () => {
    const items = ['dev eth0', 'via 10.0.0.1 dev eth0', '10.0.0.0/8 dev eth0', 'to 10.0.0.0/8', 'blackhole 10.0.0.0/8', 'table 5 metric 3 mtu lock 1400', 'mtu lock 1400 10.1.0.0/16', 'via inet6 fe80::1 dev eth0 2001:db8::/64', 'protocol 5 no_track', 'nexthop via 10.0.0.1 dev eth0', 'as to 5 10.2.0.0/16', 'src 10.0.0.1 onlink'];
    for (const item of items) {
      let edge = true;
      try {
        routeArgs('add', item);
      } catch {
        edge = false;
      }
      expect([item, routeHasDestination(item.split(' '))]).toEqual([item, edge]);
    }
  });
  it('no destination is a RangeError', () => {
    expect(() => routeArgs('add', 'dev eth0')).toThrow(RangeError);
  });
});

describe('ruleArgs', () => {
  it('add / del with protocol 18, table and preference', () => {
    expect(ruleArgs('add', 'from 10.0.0.100 table 100 preference 100')).toEqual(['-4', 'rule', 'add', 'from', '10.0.0.100', 'table', '100', 'preference', '100', 'protocol', '18']);
    expect(ruleArgs('del', 'from 10.0.0.100 lookup 100 priority 100')).toEqual(['-4', 'rule', 'del', 'from', '10.0.0.100', 'table', '100', 'preference', '100', 'protocol', '18']);
  });
  it('the default preference is used only when the item has none', () => {
    expect(ruleArgs('add', 'to 10.9.0.0/16 table 5', 16384)).toContain('16384');
    expect(ruleArgs('add', 'to 10.9.0.0/16 table 5 order 7', 16384)).not.toContain('16384');
  });
  it('keepalived spellings: dev → iif, sup_pl, tunnel-id; inet6 and no_track dropped; actions pass', () => {
    expect(ruleArgs('add', 'inet6 from 2001:db8::/64 dev eth0 sup_pl 0 table 9 preference 3 no_track')).toEqual([
      '-6', 'rule', 'add', 'from', '2001:db8::/64', 'iif', 'eth0', 'suppress_prefixlength', '0', 'table', '9', 'preference', '3', 'protocol', '18',
    ]);
    expect(ruleArgs('add', 'not fwmark 0x10 blackhole preference 9')).toEqual(['-4', 'rule', 'add', 'not', 'fwmark', '0x10', 'blackhole', 'preference', '9', 'protocol', '18']);
  });
  it('defaultRulePreferences counts down from 16384 per family, skipping rules with one', () => {
    const m = defaultRulePreferences({
      staticRules: ['to 10.0.0.0/8 table 1'],
      instances: [{ virtualRules: ['from 10.1.0.0/16 table 2', 'from 10.2.0.0/16 table 3 preference 5', 'from 2001:db8::/64 table 4'] }],
    } as never);
    expect([...m]).toEqual([['to 10.0.0.0/8 table 1', 16384], ['from 10.1.0.0/16 table 2', 16383], ['from 2001:db8::/64 table 4', 16384]]);
  });
});

describe('routeErrno', () => {
  it('maps iproute2 messages', () => {
    expect(routeErrno('RTNETLINK answers: File exists')).toBe('EEXIST');
    expect(routeErrno('RTNETLINK answers: No such process')).toBe('ESRCH');
    expect(routeErrno('RTNETLINK answers: No such file or directory')).toBe('ENOENT');
    expect(routeErrno('Cannot find device "eth9"')).toBe('ENODEV');
    expect(routeErrno('Error: Nexthop has invalid gateway.')).toBe('EINVAL');
    expect(routeErrno('RTNETLINK answers: Operation not permitted')).toBe('EPERM');
  });
});
